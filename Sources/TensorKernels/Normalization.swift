// LayerNorm over channels and per-channel GroupNorm, PyTorch semantics (population variance,
// eps inside the square root, affine after normalising).

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// LayerNorm over the last dimension (channels) of each frame, PyTorch `nn.LayerNorm(channels)`.
public struct LayerNorm: Sendable {
    /// Normalised width.
    public let channels: Int
    /// `(channels)` scale.
    public let weight: [Float]
    /// `(channels)` shift.
    public let bias: [Float]
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// Creates a LayerNorm; weight and bias must have `channels` elements.
    public init(weight: [Float], bias: [Float], epsilon: Float) {
        precondition(weight.count == bias.count, "LayerNorm: weight and bias differ in size")
        self.channels = weight.count
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    /// Normalises `(rows, channels)` from `input` into `output` (the two may be the same buffer).
    public func apply(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        parallelRanges(rows, work: rows * channels) { range in normalize(input: input, rows: range, output: output) }
    }

    private func normalize(input: UnsafePointer<Float>, rows: Range<Int>, output: UnsafeMutablePointer<Float>) {
        let n = channels
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for r in rows {
                    let x = input + r * n
                    let y = output + r * n
                    // Two passes in Double: the mean first, then the centred sum of squares.
                    // Float sums lose ~1e-5 relative on 1024 channels with a large mean (the
                    // fixture's offset-50 case); Double keeps us well inside PyTorch's own error.
                    let mean = Float(sumInDouble(x, n) / Double(n))
                    var squares: Double = 0
                    for j in 0..<n {
                        let d = Double(x[j] - mean)
                        squares += d * d
                    }
                    let inverseStd = 1 / sqrtf(Float(squares / Double(n)) + epsilon)
                    for j in 0..<n { y[j] = (x[j] - mean) * inverseStd * w[j] + b[j] }
                }
            }
        }
    }
}

/// GroupNorm with one group per channel on time-major `(length, channels)` data: every channel is
/// normalised by its own mean and variance over time (wav2vec2's first conv layer,
/// PyTorch `nn.GroupNorm(channels, channels)`).
public struct ChannelGroupNorm: Sendable {
    /// Number of channels (= groups).
    public let channels: Int
    /// `(channels)` scale.
    public let weight: [Float]
    /// `(channels)` shift.
    public let bias: [Float]
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// Creates the norm; weight and bias must have `channels` elements.
    public init(weight: [Float], bias: [Float], epsilon: Float) {
        precondition(weight.count == bias.count, "GroupNorm: weight and bias differ in size")
        self.channels = weight.count
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    /// Floats of scratch that `applyInPlace` needs.
    public var statisticsCount: Int { 3 * channels }

    /// Normalises `(length, channels)` in place. `statistics` needs `statisticsCount` floats.
    public func applyInPlace(
        _ x: UnsafeMutablePointer<Float>, length: Int, statistics: UnsafeMutablePointer<Float>
    ) {
        let c = channels
        let mean = statistics
        let inverseStd = statistics + c
        let block = statistics + 2 * c
        let scale = 1 / Float(max(length, 1))
        // Sums over up to 96 000 frames: accumulate blocks of 256 rows separately, then add the
        // block sums, so rounding error grows with the number of blocks rather than of frames.
        // Row-wise accumulation keeps the inner loop contiguous (vectorisable) over channels.
        func blockedColumnSums(into total: UnsafeMutablePointer<Float>, _ term: (Int, Int) -> Float) {
            total.initialize(repeating: 0, count: c)
            var start = 0
            while start < length {
                let end = min(start + 256, length)
                block.initialize(repeating: 0, count: c)
                for t in start..<end {
                    for j in 0..<c { block[j] += term(t, j) }
                }
                for j in 0..<c { total[j] += block[j] }
                start = end
            }
        }
        blockedColumnSums(into: mean) { t, j in x[t * c + j] }
        for j in 0..<c { mean[j] *= scale }
        blockedColumnSums(into: inverseStd) { t, j in
            let d = x[t * c + j] - mean[j]
            return d * d
        }
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for j in 0..<c { inverseStd[j] = 1 / sqrtf(inverseStd[j] * scale + epsilon) * w[j] }
                for t in 0..<length {
                    let row = x + t * c
                    for j in 0..<c { row[j] = (row[j] - mean[j]) * inverseStd[j] + b[j] }
                }
            }
        }
    }
}

/// Sum of `count` floats accumulated in Double with four independent lanes (vectorisable).
@inlinable
func sumInDouble(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
    var partial = SIMD4<Double>()
    var i = 0
    while i + 4 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self)
        partial += SIMD4<Double>(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]))
        i += 4
    }
    var total = partial.sum()
    while i < count {
        total += Double(x[i])
        i += 1
    }
    return total
}
