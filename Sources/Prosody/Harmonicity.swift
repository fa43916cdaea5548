// Harmonics-to-noise ratio as Praat's "To Harmonicity (cc)" reports it (Boersma 1993, section 5):
// per frame, the normalised cross-correlation r of one window with the window one period later,
// at the lag that maximises it (sinc-interpolated between lags), as 10·log10(r / (1 − r)) dB.
// A frame is voiced when that r beats the unvoiced strength, which rises as the frame grows quiet
// relative to the recording (silence threshold 0.1); other frames report nil (Praat: −200 dB).

import Foundation

/// Settings of the harmonicity analysis; the defaults are Praat's.
public struct HarmonicityOptions: Sendable, Equatable {
    /// Seconds between frames (0.01).
    public var timeStep: Double = 0.01
    /// Lowest F0 looked for, in Hz (75): sets the window and the longest lag.
    public var minimumPitch: Double = 75
    /// Frames whose peak is below this fraction of the recording's peak lean to unvoiced (0.1).
    public var silenceThreshold: Double = 0.1

    /// Praat's defaults.
    public init() {}
}

/// HNR per frame on Praat's grid.
public struct HarmonicityContour: Sendable, Equatable {
    /// Time of the first frame's centre, in seconds.
    public let startTime: Double
    /// Seconds between frames.
    public let timeStep: Double
    /// HNR in dB per frame; nil where the frame is unvoiced or silent.
    public let decibels: [Double?]

    /// The frame centres in seconds.
    public var times: [Double] { decibels.indices.map { startTime + Double($0) * timeStep } }

    /// Mean over the voiced frames (Praat's "Get mean"), nil when none is voiced.
    public var mean: Double? { Self.mean(decibels) }

    static func mean(_ values: [Double?]) -> Double? {
        let voiced = values.compactMap { $0 }
        return voiced.isEmpty ? nil : voiced.reduce(0, +) / Double(voiced.count)
    }
}

/// Computes the harmonics-to-noise ratio.
public enum Harmonicity {
    /// HNR frames of `samples` at `sampleRate`. `globalPeak`: the recording's largest absolute
    /// deviation from its mean, which the silence threshold is relative to (default: that of
    /// `samples`, whose mean is also removed first, as Praat does).
    public static func contour(_ samples: [Float], sampleRate: Int, options: HarmonicityOptions = HarmonicityOptions(),
                               globalPeak: Double? = nil) -> HarmonicityContour {
        contour(samples, sampleRate: sampleRate, options: options, globalPeak: globalPeak, part: nil)
    }

    /// The recording's mean and its largest absolute deviation from it, from its smallest,
    /// largest and summed samples (what a single streaming pass can keep).
    public static func centredPeak(minimum: Double, maximum: Double, sum: Double, count: Int) -> (mean: Double, peak: Double) {
        guard count > 0, minimum <= maximum else { return (0, 0) }
        let mean = sum / Double(count)
        return (mean, max(maximum - mean, mean - minimum, 0))
    }

    /// As above; `part` places `samples` at `offset` in a recording of `recordingCount` samples, so
    /// frames are the recording's own and only those whose window fits in `samples` are analysed;
    /// `recordingMean` is then the recording's mean (see `centredPeak`).
    package static func contour(_ samples: [Float], sampleRate: Int, options: HarmonicityOptions, globalPeak: Double?,
                                part: (recordingCount: Int, offset: Int)?, recordingMean: Double = 0) -> HarmonicityContour {
        let dx = 1 / Double(sampleRate)
        // Settings that make no frames (checked before any size is computed from them).
        guard sampleRate > 0, options.minimumPitch > 0, options.minimumPitch.isFinite, 1 / options.minimumPitch / dx < 1e7,
              options.timeStep > 0, options.timeStep.isFinite else {
            return HarmonicityContour(startTime: 0, timeStep: options.timeStep, decibels: [])
        }
        // One longest period; the correlated window is just under it (an even sample count) and
        // the lags go to just past it.
        let period = Int((1 / options.minimumPitch / dx).rounded(.down))
        let half = period / 2 - 1
        guard half >= 2, options.timeStep > 0, !samples.isEmpty else {
            return HarmonicityContour(startTime: 0, timeStep: options.timeStep, decibels: [])
        }
        let width = 2 * half, maximumLag = width + 2
        let grid = PraatFrames(sampleCount: part?.recordingCount ?? samples.count, dx: dx,
                               windowDuration: 2 / options.minimumPitch, timeStep: options.timeStep)
        let offset = part?.offset ?? 0
        let x1 = 0.5 * dx
        func leftSample(_ time: Double) -> Int { Int(((time - x1) / dx).rounded(.down)) }
        let placement = part == nil ? grid : grid.restricted(offset: offset, available: samples.count) { time in
            let left = leftSample(time)
            return (left + 1 - period, left - period + width + maximumLag + interpolationDepth + 1)
        }
        let mean = part == nil ? samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count) : recordingMean
        let peak = globalPeak ?? samples.reduce(0.0) { max($0, abs(Double($1) - mean)) }
        guard peak > 0 else {
            return HarmonicityContour(startTime: placement.firstTime, timeStep: placement.timeStep,
                                      decibels: Array(repeating: nil, count: placement.count))
        }
        // The frame's samples (from one period before its time), the correlation at every lag
        // the peak refinement may read, and the lagged window's energy.
        let span = width + maximumLag + interpolationDepth + 1
        var frame = [Double](repeating: 0, count: span)
        var correlation = [Double](repeating: 0, count: maximumLag + interpolationDepth + 1)
        var size = 1
        while size < span { size *= 2 }
        let fft = ComplexFFT<Double>(size: size)
        var re = [Double](repeating: 0, count: size), im = re
        var values = [Double?](repeating: nil, count: placement.count)
        for k in 0..<placement.count {
            let left = leftSample(placement.time(k)) - offset
            // Mean over one period on each side; peak over the central window.
            var localMean = 0.0
            for j in (left + 1 - period)...(left + period) { localMean += sample(samples, j) - mean }
            localMean /= Double(2 * period)
            var localPeak = 0.0
            for j in (left + 1 - half)...(left + half) { localPeak = max(localPeak, abs(sample(samples, j) - mean - localMean)) }
            let unvoicedStrength = max(0, 2 - localPeak / peak / options.silenceThreshold)
            guard unvoicedStrength < 1 else { continue }  // no correlation can beat it
            let start = left + 1 - period
            for i in 0..<span { frame[i] = sample(samples, start + i) - mean - localMean }
            guard let r = strongestCorrelation(frame, width: width, maximumLag: maximumLag, fft: fft, re: &re, im: &im, into: &correlation),
                  r > unvoicedStrength else { continue }
            values[k] = r > 1 - 1e-15 ? 150 : 10 * log10(r / (1 - r))
        }
        return HarmonicityContour(startTime: placement.firstTime, timeStep: placement.timeStep, decibels: values)
    }

    /// Taps on each side of the sinc interpolation between lags (Praat's "sinc70").
    static let interpolationDepth = 70

    private static func sample(_ samples: [Float], _ j: Int) -> Double { j >= 0 && j < samples.count ? Double(samples[j]) : 0 }

    /// The highest normalised correlation between `frame[0..<width]` and `frame[lag..<lag+width]`
    /// over lags 2..<maximumLag, refined between lags; nil when no lag has a positive maximum.
    static func strongestCorrelation(_ frame: [Double], width: Int, maximumLag: Int, fft: ComplexFFT<Double>, re: inout [Double], im: inout [Double],
                                     into correlation: inout [Double]) -> Double? {
        // Products at every lag at once: the window's cross-correlation with the whole frame by
        // one transform of (window + i·frame) and one inverse (no wrap-around: the frame fits).
        frame.withUnsafeBufferPointer { x in
            var first = 0.0, total = 0.0
            for j in 0..<width { first += x[j] * x[j] }
            for j in 0..<(width + correlation.count - 1) { total += x[j] * x[j] }
            // The transform's rounding is ~1e-16 of the whole frame's energy in every product:
            // harmless unless the window itself is nearly silent, where products come directly.
            let direct = first < 1e-6 * total
            if !direct { fft.crossCorrelation(frame, prefix: width, re: &re, im: &im) }
            var lagged = first
            for lag in 0..<correlation.count {
                if lag > 0 { lagged += x[lag + width - 1] * x[lag + width - 1] - x[lag - 1] * x[lag - 1] }
                var product = 0.0
                if direct { for j in 0..<width { product += x[j] * x[j + lag] } } else { product = re[lag] }
                let energy = first * lagged
                correlation[lag] = energy > 0 ? product / energy.squareRoot() : 0
            }
        }
        var best: Int?
        for i in 2..<maximumLag {
            let r = correlation[i]
            guard r > 0, r > correlation[i - 1], r >= correlation[i + 1] else { continue }
            if best == nil || r > correlation[best!] { best = i }
        }
        guard let best else { return nil }
        return refinedPeak(correlation, around: best).value
    }

    /// Where the sinc-interpolated `values` peak within one step of `index`, and the peak value
    /// (golden-section search; never below `values[index]`).
    static func refinedPeak(_ values: [Double], around index: Int) -> (position: Double, value: Double) {
        // sin(π(q − i)) and cos(π(q − i)) are ±sin(πq), ±cos(πq), and the window's angle turns by
        // a fixed step per tap, so an evaluation needs a few transcendental calls, not some per tap.
        let step = Double.pi / (Double(interpolationDepth) + 0.5)
        let (cosStep, sinStep) = (cos(step), sin(step))
        // The interpolant and its first two derivatives at `position`.
        func evaluate(_ position: Double) -> (value: Double, slope: Double, curvature: Double) {
            let floor = Int(position.rounded(.down))
            let lower = max(0, floor - interpolationDepth + 1), upper = min(values.count - 1, floor + interpolationDepth)
            let offset = position - Double(lower)
            let (sinPosition, cosPosition) = (sin(Double.pi * offset), cos(Double.pi * offset))
            var sign = 1.0
            var (c, s) = (cos(step * offset), sin(step * offset))
            var (sum, slope, curvature) = (0.0, 0.0, 0.0)
            for i in lower...upper {
                let d = position - Double(i)
                let (S, C) = (sign * sinPosition, sign * cosPosition)
                let sinc: Double, sinc1: Double, sinc2: Double
                if abs(d) < 1e-6 {
                    (sinc, sinc1, sinc2) = (1, 0, -Double.pi * Double.pi / 3)
                } else {
                    let pd = Double.pi * d
                    sinc = S / pd
                    sinc1 = (pd * C - S) / (Double.pi * d * d)
                    sinc2 = -Double.pi * S / d - 2 * C / (d * d) + 2 * S / (pd * d * d)
                }
                let (w, w1, w2) = (0.5 + 0.5 * c, -0.5 * step * s, -0.5 * step * step * c)
                let v = values[i]
                sum += v * sinc * w
                slope += v * (sinc1 * w + sinc * w1)
                curvature += v * (sinc2 * w + 2 * sinc1 * w1 + sinc * w2)
                sign = -sign
                (c, s) = (c * cosStep + s * sinStep, s * cosStep - c * sinStep)  // angle − step
            }
            return (sum, slope, curvature)
        }
        func interpolated(_ position: Double) -> Double { evaluate(position).value }
        // Newton's method on the slope from the parabola's top through the three samples; it
        // converges in a few steps where the top is a clean maximum.
        if index > 0 && index + 1 < values.count {
            let (l, m, r) = (values[index - 1], values[index], values[index + 1])
            let bend = l - 2 * m + r
            var q = Double(index) + (bend < 0 ? 0.5 * (l - r) / bend : 0)
            for _ in 0..<8 {
                let e = evaluate(q)
                guard e.curvature < 0 else { break }
                let move = e.slope / e.curvature
                q -= move
                guard abs(q - Double(index)) <= 1 else { break }
                if abs(move) < 1e-7 {
                    let value = interpolated(q)
                    return value >= values[index] ? (q, value) : (Double(index), values[index])
                }
            }
        }
        // Otherwise a golden-section search over one step either side.
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = Double(index - 1), b = Double(index + 1)
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = interpolated(c), fd = interpolated(d)
        while b - a > 1e-4 {  // lags; the top is flat there, r moves by ~1e-9
            if fc > fd { b = d; d = c; fd = fc; c = b - ratio * (b - a); fc = interpolated(c) } else {
                a = c; c = d; fc = fd; d = a + ratio * (b - a); fd = interpolated(d)
            }
        }
        let middle = (a + b) / 2, value = interpolated(middle)
        return value >= values[index] ? (middle, value) : (Double(index), values[index])
    }
}
