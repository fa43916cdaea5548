// Elementwise activations and softmax on plain Float buffers, matching PyTorch's definitions.

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Exact GELU, `0.5 · x · (1 + erf(x / √2))` (PyTorch `gelu`, approximate="none"), in place.
/// Vectorised; erf comes from the rational fit `vectorErf`, not from a tanh approximation
/// (absolute error ≤ 2.5e-7·max(1, |x|)).
package func geluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let blocks = (count + 1023) / 1024
    parallelRanges(blocks, work: count) { range in
        let start = range.lowerBound * 1024
        geluSerial(x + start, count: min(range.upperBound * 1024, count) - start)
    }
}

/// GELU on the calling thread (for kernels that fuse it after their own per-row work).
package func geluSerial(_ x: UnsafeMutablePointer<Float>, count: Int) {
    mapInPlace(x, count: count, vectorGelu)
}

/// Applies an eight-lane function to `count` floats in place (the tail through a padded vector).
@inline(__always)
private func mapInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(x + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        x[i] = f(SIMD8(repeating: x[i]))[0]
        i += 1
    }
}

/// `erf(u)` for eight lanes: the rational fit `u·P(u²)/Q(u²)` on |u| ≤ 4 (clamped beyond,
/// where erf rounds to ±1 in float), result clamped to [-1, 1]. Absolute error ≤ 4e-7 in
/// float arithmetic (the fit itself is 2e-8); coefficients from `scripts/fit_erf.py`.
///
/// Why a rational fit: an erfc·exp form needs a division, a long polynomial and an exponential
/// in one dependency chain; two short independent polynomials and one division keep the vector
/// units busy. GELU runs on every FFN and conv activation (timings in Docs/Benchmarks.md).
@inlinable @inline(__always)
package func vectorErf(_ u: SIMD8<Float>) -> SIMD8<Float> {
    var x = u.replacing(with: 4, where: u .> 4)
    x = x.replacing(with: -4, where: x .< -4)
    let s = x * x
    // Two independent Horner chains, so they overlap in the pipeline.
    var p = SIMD8<Float>(repeating: 1.974_832_2e-6)
    var q = SIMD8<Float>(repeating: 3.748_093_1e-5)
    p = p * s + 2.880_422_7e-4
    q = q * s + 1.216_365_1e-3
    p = p * s + 4.003_663_5e-3
    q = q * s + 1.544_445_5e-2
    p = p * s + 5.346_753_1e-2
    q = q * s + 1.164_765_7e-1
    p = p * s + 1.962_493_2e-1
    q = q * s + 5.072_525_7e-1
    p = p * s + 1.128_379_0
    q = q * s + 1
    let erf = x * p / q
    // The last ulps of the fit may overshoot ±1; GELU must not change sign for large |x|.
    let clamped = erf.replacing(with: 1, where: erf .> 1)
    return clamped.replacing(with: -1, where: clamped .< -1)
}

/// Exact-erf GELU for eight lanes: `0.5·x·(1 + erf(x/√2))`, the formula PyTorch evaluates
/// (approximate="none"); absolute error ≤ 2.5e-7·max(1, |x|).
@inlinable @inline(__always)
package func vectorGelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
    0.5 * x * (1 + vectorErf(x * 0.707_106_781_186_547_524))
}

/// Hyperbolic tangent, in place (vectorised; within ~1e-7 absolute of libm's tanhf).
package func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    mapInPlace(x, count: count, vectorTanh)
}

/// Logistic sigmoid `1 / (1 + e^-x)`.
@inlinable
package func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Logistic sigmoid, in place (vectorised; within ~1e-7 relative of `1 / (1 + expf(-x))`).
package func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    mapInPlace(x, count: count, vectorSigmoid)
}

/// `e^x` for eight lanes: Cody-Waite reduction x = n·ln2 + r (|r| ≤ ln2/2), a degree-6
/// polynomial for e^r, then scaling by 2^n through the exponent bits. ~1 ulp on [-87, 88];
/// inputs are clamped there (e^-87 ≈ 1.6e-38 → 0 relative to any sum with 1; overflow → 1.6e38).
@inlinable @inline(__always)
package func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Concrete lane selects: the generic `clamped` is not specialised and costs more than the exp.
    var clamped = x.replacing(with: -87, where: x .< -87)
    clamped = clamped.replacing(with: 88, where: clamped .> 88)
    // Round x·log2(e) to an integer with the 1.5·2^23 trick: the sum's low mantissa bits hold n
    // (generic SIMD rounding and Float→Int conversions are not vectorised by the compiler).
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    // ln2 split in a part exact in float (few mantissa bits) and a small correction.
    var r = clamped - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    // e^r ≈ 1 + r + r²/2! + ... + r⁶/6!  (Horner)
    var p = SIMD8<Float>(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponent: SIMD8<Int32> = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127
    let scale = unsafeBitCast(exponent &<< 23, to: SIMD8<Float>.self)
    return p * scale
}

/// `tanh(x) = sign(x) · (1 - e^(-2|x|)) / (1 + e^(-2|x|))` for eight lanes.
@inlinable @inline(__always)
package func vectorTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let signBit: SIMD8<UInt32> = bits & 0x8000_0000
    let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    let t = vectorExp(-2 * magnitude)
    let y: SIMD8<Float> = (1 - t) / (1 + t)
    let signed = unsafeBitCast(unsafeBitCast(y, to: SIMD8<UInt32>.self) | signBit, to: SIMD8<Float>.self)
    // Small |x|: the series avoids the cancellation in 1 - t (relative accuracy near 0).
    let x2: SIMD8<Float> = x * x
    var series: SIMD8<Float> = x2 * (-17.0 / 315) + 2.0 / 15
    series = series * x2 - 1.0 / 3
    series = x + x * x2 * series
    return signed.replacing(with: series, where: magnitude .< 0.05)
}

/// `1 / (1 + e^-x)` for eight lanes.
@inlinable @inline(__always)
package func vectorSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 / (1 + vectorExp(-x))
}

/// `max(x, 0)`, in place.
package func reluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = max(x[i], 0) }
}

/// Numerically stable softmax of each row of a `(rows, columns)` matrix, in place:
/// the row maximum is subtracted before exponentiation so large logits cannot overflow.
/// Vectorised (`vectorExp`), with the row sum accumulated in Double.
package func softmaxRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    guard columns > 0 else { return }
    parallelRanges(rows, work: rows * columns) { range in
        for r in range {
            let row = x + r * columns
            let inverse = exponentiateRow(row, columns: columns)
            for k in 0..<columns { row[k] *= inverse }
        }
    }
}

/// The unnormalised half of a row softmax: `row[j] = e^(row[j] - max)` in place for every row,
/// and `inverseSums[r] = 1 / Σ_j row[j]`. Attention uses it to normalise after `P · V`, on the
/// (rows, head_dim) product instead of the (rows, columns) weights: one pass fewer over T × T.
/// Runs on the calling thread: its caller (attention) already spreads heads over the threads.
package func exponentiateRows(
    _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, inverseSums: UnsafeMutablePointer<Float>
) {
    guard columns > 0 else { return }
    for r in 0..<rows { inverseSums[r] = exponentiateRow(x + r * columns, columns: columns) }
}

/// `row[j] = e^(row[j] - max(row))`; returns `1 / Σ row[j]` (sum in Double).
@inline(__always)
private func exponentiateRow(_ row: UnsafeMutablePointer<Float>, columns: Int) -> Float {
    var j = 0
    var maxima = SIMD8<Float>(repeating: -.infinity)
    while j + 8 <= columns {
        // A lane select, not the generic `pointwiseMax`, which the compiler calls out of line.
        let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
        maxima = maxima.replacing(with: v, where: v .> maxima)
        j += 8
    }
    var maximum = maxima.max()
    while j < columns {
        maximum = max(maximum, row[j])
        j += 1
    }
    let shift = SIMD8<Float>(repeating: maximum)
    // Lane-wise sums (a horizontal add per group cost as much as the exp), reduced in Double.
    var sums = SIMD8<Float>()
    j = 0
    while j + 8 <= columns {
        let e = vectorExp(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) - shift)
        UnsafeMutableRawPointer(row + j).storeBytes(of: e, as: SIMD8<Float>.self)
        sums += e
        j += 8
    }
    var sum = 0.0
    for lane in 0..<8 { sum += Double(sums[lane]) }
    if j < columns {
        // The tail in one padded vector (padding lanes are -inf: e^-inf contributes 0).
        var tail = SIMD8<Float>(repeating: -.infinity)
        for lane in 0..<(columns - j) { tail[lane] = row[j + lane] }
        let e = vectorExp(tail - shift)
        for lane in 0..<(columns - j) {
            row[j + lane] = e[lane]
            sum += Double(e[lane])
        }
    }
    return Float(1 / sum)
}

/// Softmax of a Swift array (convenience for small outputs such as class logits).
package func softmax(_ logits: [Float]) -> [Float] {
    guard !logits.isEmpty else { return [] }
    var result = logits
    result.withUnsafeMutableBufferPointer { softmaxRowsInPlace($0.baseAddress!, rows: 1, columns: $0.count) }
    return result
}
