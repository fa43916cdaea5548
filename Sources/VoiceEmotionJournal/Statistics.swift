// The few statistics the journal needs, written from their textbook definitions: means, sample
// standard deviations, medians and MADs, Student's t quantiles (through the regularised
// incomplete beta function), Welch's two-sample interval and a least-squares slope.

import Foundation

/// Small, exact statistics on `Double` arrays.
package enum Statistics {
    /// The arithmetic mean (nil for no values).
    package static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Σ wᵢxᵢ / Σ wᵢ (nil when the weights sum to 0).
    package static func weightedMean(_ values: [Double], weights: [Double]) -> Double? {
        let total = weights.reduce(0, +)
        guard total > 0 else { return nil }
        return zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
    }

    /// The sample standard deviation (n − 1 in the denominator; nil below two values).
    package static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let m = mean(values) else { return nil }
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// The median (the mean of the two middle values for an even count; nil for none).
    package static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The median absolute deviation from the median, unscaled (nil for none).
    package static func medianAbsoluteDeviation(_ values: [Double]) -> Double? {
        guard let m = median(values) else { return nil }
        return median(values.map { abs($0 - m) })
    }

    /// The two-sided `level` interval of a mean from Student's t: mean ± t·s/√n (nil below two values).
    package static func meanInterval(_ values: [Double], level: Double = 0.95) -> ClosedRange<Double>? {
        guard let m = mean(values), let s = standardDeviation(values) else { return nil }
        let half = tQuantile(0.5 + level / 2, degreesOfFreedom: Double(values.count - 1)) * s / Double(values.count).squareRoot()
        return (m - half)...(m + half)
    }

    /// Welch's interval for mean(a) − mean(b) at `level` (two-sided), with the
    /// Welch–Satterthwaite degrees of freedom; nil unless both have two values or more.
    package static func welchInterval(_ a: [Double], _ b: [Double], level: Double = 0.95) -> (difference: Double, interval: ClosedRange<Double>)? {
        guard let ma = mean(a), let mb = mean(b), let sa = standardDeviation(a), let sb = standardDeviation(b) else { return nil }
        let (va, vb) = (sa * sa / Double(a.count), sb * sb / Double(b.count))
        let difference = ma - mb
        let se = (va + vb).squareRoot()
        guard se > 0 else { return (difference, difference...difference) }
        let df = (va + vb) * (va + vb) / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        let half = tQuantile(0.5 + level / 2, degreesOfFreedom: df) * se
        return (difference, (difference - half)...(difference + half))
    }

    /// Least-squares slope of y on x with its two-sided `level` interval (n − 2 degrees of
    /// freedom); nil below three points or when all x are equal.
    package static func slope(x: [Double], y: [Double], level: Double = 0.95) -> (slope: Double, interval: ClosedRange<Double>)? {
        guard x.count == y.count, x.count >= 3, let mx = mean(x), let my = mean(y) else { return nil }
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        guard sxx > 0 else { return nil }
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let b = sxy / sxx
        let a = my - b * mx
        let residual = zip(x, y).reduce(0) { $0 + pow($1.1 - (a + b * $1.0), 2) }
        let se = (residual / Double(x.count - 2) / sxx).squareRoot()
        let half = tQuantile(0.5 + level / 2, degreesOfFreedom: Double(x.count - 2)) * se
        return (b, (b - half)...(b + half))
    }

    /// The `p` quantile of Student's t distribution with `df` degrees of freedom (p in 0...1,
    /// df > 0), by bisection on the distribution function to 1e-12.
    package static func tQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "tQuantile needs 0 < p < 1 and df > 0")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -tQuantile(1 - p, degreesOfFreedom: df) }
        var (low, high) = (0.0, 1.0)
        while tDistribution(high, degreesOfFreedom: df) < p { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if tDistribution(middle, degreesOfFreedom: df) < p { low = middle } else { high = middle }
            if high - low < 1e-12 * max(1, high) { break }
        }
        return (low + high) / 2
    }

    /// P(T ≤ t) for Student's t with `df` degrees of freedom: 1 − ½·I_{df/(df+t²)}(df/2, ½) for t ≥ 0.
    package static func tDistribution(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// I_x(a, b), the regularised incomplete beta function, by its continued fraction (modified
    /// Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logBeta + a * log(x) + b * log(1 - x)
        let tiny = 1e-300
        var c = 1.0
        var d: Double = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...500 {
            let m = Double(m)
            // Even step: d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
            var numerator: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            fraction *= d * c
            // Odd step: d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
            let oddTop: Double = -(a + m) * (a + b + m) * x
            numerator = oddTop / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            fraction *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return exp(logFront) * fraction / a
    }
}
