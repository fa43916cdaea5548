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

/// Hyperbolic tangent, in place.
public func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = tanhf(x[i]) }
}

/// Logistic sigmoid `1 / (1 + e^-x)`.
@inlinable
public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Logistic sigmoid, in place.
public func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = sigmoid(x[i]) }
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
