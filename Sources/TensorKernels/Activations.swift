// Elementwise activations and softmax on plain Float buffers, matching PyTorch's definitions.

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Exact GELU, `0.5 · x · (1 + erf(x / √2))` (PyTorch `gelu`, approximate="none"), in place.
public func geluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let invSqrt2: Float = 0.707_106_781_186_547_524
    for i in 0..<count {
        let v = x[i]
        x[i] = 0.5 * v * (1 + erff(v * invSqrt2))
    }
}

/// Hyperbolic tangent, in place (vectorised; within ~1e-7 absolute of libm's tanhf).
public func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(x + i).storeBytes(of: vectorTanh(v), as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        x[i] = vectorTanh(SIMD8(repeating: x[i]))[0]
        i += 1
    }
}

/// Logistic sigmoid `1 / (1 + e^-x)`.
@inlinable
public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Logistic sigmoid, in place (vectorised; within ~1e-7 relative of `1 / (1 + expf(-x))`).
public func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(x + i).storeBytes(of: vectorSigmoid(v), as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        x[i] = vectorSigmoid(SIMD8(repeating: x[i]))[0]
        i += 1
    }
}

/// `e^x` for eight lanes: Cody-Waite reduction x = n·ln2 + r (|r| ≤ ln2/2), a degree-6
/// polynomial for e^r, then scaling by 2^n through the exponent bits. ~1 ulp on [-87, 88];
/// inputs are clamped there (e^-87 ≈ 1.6e-38 → 0 relative to any sum with 1; overflow → 1.6e38).
@inlinable
public func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.0), upperBound: SIMD8(repeating: 88.0))
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
@inlinable
public func vectorTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
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
@inlinable
public func vectorSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 / (1 + vectorExp(-x))
}

/// `max(x, 0)`, in place.
public func reluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = max(x[i], 0) }
}

/// Numerically stable softmax of each row of a `(rows, columns)` matrix, in place:
/// the row maximum is subtracted before exponentiation so large logits cannot overflow.
public func softmaxRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    guard columns > 0 else { return }
    for r in 0..<rows {
        let row = x + r * columns
        var maximum = row[0]
        for j in 1..<columns { maximum = max(maximum, row[j]) }
        var sum: Float = 0
        for j in 0..<columns {
            let e = expf(row[j] - maximum)
            row[j] = e
            sum += e
        }
        let inverse = 1 / sum
        for j in 0..<columns { row[j] *= inverse }
    }
}

/// Softmax of a Swift array (convenience for small outputs such as class logits).
public func softmax(_ logits: [Float]) -> [Float] {
    guard !logits.isEmpty else { return [] }
    var result = logits
    result.withUnsafeMutableBufferPointer { softmaxRowsInPlace($0.baseAddress!, rows: 1, columns: $0.count) }
    return result
}
