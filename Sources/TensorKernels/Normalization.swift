// LayerNorm over channels and per-channel GroupNorm, PyTorch semantics (population variance,
// eps inside the square root, affine after normalising).

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// LayerNorm over the last dimension (channels) of each frame, PyTorch `nn.LayerNorm(channels)`.
package struct LayerNorm: Sendable {
    /// Normalised width.
    package let channels: Int
    /// `(channels)` scale.
    package let weight: [Float]
    /// `(channels)` shift.
    package let bias: [Float]
    /// Added to the variance before the square root.
    package let epsilon: Float

    /// Creates a LayerNorm; weight and bias must have `channels` elements.
    package init(weight: [Float], bias: [Float], epsilon: Float) {
        precondition(weight.count == bias.count, "LayerNorm: weight and bias differ in size")
        self.channels = weight.count
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    /// Normalises `(rows, channels)` from `input` into `output` (the two may be the same buffer),
    /// then applies exact GELU to each row while it is in cache when `thenGelu`.
    package func apply(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, thenGelu: Bool = false) {
        parallelRanges(rows, work: rows * channels) { range in
            applyRows(range, input: input, output: output, thenGelu: thenGelu)
        }
    }

    /// `apply` for rows `rows` only, on the calling thread (for kernels that produce rows in
    /// their own parallel loop and normalise them while they are in cache).
    package func applyRows(_ rows: Range<Int>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, thenGelu: Bool = false) {
        var first = rows.lowerBound
        while first < rows.upperBound {
            let last = min(first + 32, rows.upperBound)
            normalize(input: input, rows: first..<last, output: output)
            if thenGelu { geluSerial(output + first * channels, count: (last - first) * channels) }
            first = last
        }
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
                    let inverseStd = 1 / sqrtf(Float(centredSquaresInDouble(x, n, mean: mean) / Double(n)) + epsilon)
                    for j in 0..<n { y[j] = (x[j] - mean) * inverseStd * w[j] + b[j] }
                }
            }
        }
    }
}

/// GroupNorm with one group per channel on time-major `(length, channels)` data: every channel is
/// normalised by its own mean and variance over time (wav2vec2's first conv layer,
/// PyTorch `nn.GroupNorm(channels, channels)`).
package struct ChannelGroupNorm: Sendable {
    /// Number of channels (= groups).
    package let channels: Int
    /// `(channels)` scale.
    package let weight: [Float]
    /// `(channels)` shift.
    package let bias: [Float]
    /// Added to the variance before the square root.
    package let epsilon: Float

    /// Creates the norm; weight and bias must have `channels` elements.
    package init(weight: [Float], bias: [Float], epsilon: Float) {
        precondition(weight.count == bias.count, "GroupNorm: weight and bias differ in size")
        self.channels = weight.count
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    /// Floats of scratch that `applyInPlace` needs.
    package var statisticsCount: Int { 2 * channels }

    /// Normalises `(length, channels)` in place, then applies exact GELU when `thenGelu` (fused,
    /// so the activation is read and written once). `statistics` needs `statisticsCount` floats.
    package func applyInPlace(
        _ x: UnsafeMutablePointer<Float>, length: Int, statistics: UnsafeMutablePointer<Float>,
        thenGelu: Bool = false
    ) {
        let c = channels
        let mean = statistics
        let inverseStd = statistics + c
        let scale = 1 / Double(max(length, 1))
        // Sums over up to 96 000 frames: each block of 256 rows is summed on its own (in
        // parallel; row-wise, so the inner loop is contiguous over channels), then the block sums
        // are added in Double in block order, so the result does not depend on the thread count
        // and rounding error grows with the number of blocks rather than of frames.
        let blockRows = 256
        let blocks = (length + blockRows - 1) / blockRows
        let blockSums = UnsafeMutablePointer<Float>.allocate(capacity: max(blocks * c, 1))
        defer { blockSums.deallocate() }
        func columnSums(into total: UnsafeMutablePointer<Float>, _ term: (Int, Int) -> Float) {
            parallelRanges(blocks, work: length * c) { range in
                for block in range {
                    let sums = blockSums + block * c
                    sums.initialize(repeating: 0, count: c)
                    for t in (block * blockRows)..<min((block + 1) * blockRows, length) {
                        for j in 0..<c { sums[j] += term(t, j) }
                    }
                }
            }
            for j in 0..<c {
                var sum: Double = 0
                for block in 0..<blocks { sum += Double(blockSums[block * c + j]) }
                total[j] = Float(sum * scale)
            }
        }
        let input = UnsafePointer(x)
        columnSums(into: mean) { t, j in input[t * c + j] }
        let means = UnsafePointer(mean)
        columnSums(into: inverseStd) { t, j in
            let d = input[t * c + j] - means[j]
            return d * d
        }
        weight.withUnsafeBufferPointer { w in
            for j in 0..<c { inverseStd[j] = 1 / sqrtf(inverseStd[j] + epsilon) * w[j] }
        }
        let scales = UnsafePointer(inverseStd)
        parallelRanges(length, work: length * c) { rows in
            normalizeRows(rows, x, means: means, scales: scales, thenGelu: thenGelu)
        }
    }

    /// The normalising map for known per-channel statistics: `y = (x − mean)·scale + bias`.
    package struct Coefficients: Sendable {
        /// `(channels)` means subtracted first.
        package let mean: [Float]
        /// `(channels)` `weight / √(variance + ε)`.
        package let scale: [Float]
    }

    /// Coefficients from per-channel statistics computed elsewhere (e.g.
    /// `Conv1d.outputStatistics`, which needs no pass over the data).
    package func coefficients(mean: [Double], variance: [Double]) -> Coefficients {
        precondition(mean.count == channels && variance.count == channels, "GroupNorm: statistics size mismatch")
        return Coefficients(
            mean: mean.map { Float($0) },
            scale: (0..<channels).map { 1 / sqrtf(Float(variance[$0]) + epsilon) * weight[$0] })
    }

    /// Normalises rows `rows` of `(length, channels)` data in place with `coefficients`, then
    /// GELU when `thenGelu`, on the calling thread.
    package func applyRows(_ rows: Range<Int>, _ x: UnsafeMutablePointer<Float>, coefficients: Coefficients, thenGelu: Bool = false) {
        coefficients.mean.withUnsafeBufferPointer { means in
            coefficients.scale.withUnsafeBufferPointer { scales in
                normalizeRows(rows, x, means: means.baseAddress!, scales: scales.baseAddress!, thenGelu: thenGelu)
            }
        }
    }

    private func normalizeRows(
        _ rows: Range<Int>, _ x: UnsafeMutablePointer<Float>, means: UnsafePointer<Float>, scales: UnsafePointer<Float>,
        thenGelu: Bool
    ) {
        let c = channels
        bias.withUnsafeBufferPointer { b in
            let shift = b.baseAddress!
            // Chunks of rows small enough to stay in cache between normalising and GELU.
            var first = rows.lowerBound
            while first < rows.upperBound {
                let last = min(first + 32, rows.upperBound)
                for t in first..<last {
                    let row = x + t * c
                    for j in 0..<c { row[j] = (row[j] - means[j]) * scales[j] + shift[j] }
                }
                if thenGelu { geluSerial(x + first * c, count: (last - first) * c) }
                first = last
            }
        }
    }
}

/// `Σ (x[j] − mean)²` accumulated in Double in four independent lanes (a single Double
/// accumulator made this a chain of dependent adds, ~4 cycles per element).
@inlinable
func centredSquaresInDouble(_ x: UnsafePointer<Float>, _ count: Int, mean: Float) -> Double {
    var partial = SIMD4<Double>()
    let centre = SIMD4<Float>(repeating: mean)
    var i = 0
    while i + 4 <= count {
        let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self) - centre
        let wide = SIMD4<Double>(Double(d[0]), Double(d[1]), Double(d[2]), Double(d[3]))
        partial += wide * wide
        i += 4
    }
    var total = partial.sum()
    while i < count {
        let d = Double(x[i] - mean)
        total += d * d
        i += 1
    }
    return total
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
