// Direct evaluation of single-input-channel convolutions (wav2vec2's first layer over the raw
// waveform), and the per-channel statistics of their output computed without materialising it.
//
// Why: with one input channel the patch is only `kernelSize` floats, so im2col + sgemm is bound
// by writing the (rows, outChannels) output, not by arithmetic. wav2vec2 then normalises that
// output over time (group norm: a pass for the statistics, a pass to apply them) and applies
// GELU. Computing rows directly lets the caller normalise each small block of rows while it is
// in L1, and the statistics follow from the patches' first and second moments (a kernel × kernel
// Gram matrix), so the 64-float-per-sample output is written once and never re-read (the
// measured gain is in Docs/Benchmarks.md).

extension Conv1d {
    /// Whether `applyRows` and `outputStatistics` can be used: one input channel, one group and
    /// at most `directKernelLimit` taps. Longer kernels (Silero's 256-tap STFT basis) have patches
    /// long enough for im2col + sgemm to be arithmetic-bound, and the statistics cost kernel² per
    /// row, so they keep the general path and no tap-major copy of their weights is made.
    package var computesRowsDirectly: Bool {
        Self.computesRowsDirectly(inChannels: inChannels, groups: groups, kernelSize: kernelSize)
    }

    /// Longest kernel evaluated directly (wav2vec2's first layer has 10 taps).
    package static let directKernelLimit = 32

    static func computesRowsDirectly(inChannels: Int, groups: Int, kernelSize: Int) -> Bool {
        inChannels == 1 && groups == 1 && kernelSize <= directKernelLimit
    }

    /// Output rows per block of `outputStatistics`' partial sums (a fixed size, so the result
    /// does not depend on the thread count).
    static let statisticsBlockRows = 4096

    /// Computes output rows `rows` (each `outChannels` floats, at `output + row · outChannels`)
    /// on the calling thread, directly from the taps (no workspace). Requires `computesRowsDirectly`.
    package func applyRows(
        _ rows: Range<Int>, input: UnsafePointer<Float>, length: Int, output: UnsafeMutablePointer<Float>
    ) {
        precondition(computesRowsDirectly, "Conv1d.applyRows: needs one input channel, one group and a short kernel")
        let n = outChannels, kernel = kernelSize
        withUnsafeTemporaryAllocation(of: Float.self, capacity: kernel) { taps in
            tapMajorWeight.withUnsafeBufferPointer { weights in
                let w = weights.baseAddress!
                for t in rows {
                    gatherTaps(row: t, input: input, length: length, into: taps.baseAddress!)
                    let row = output + t * n
                    var j = 0
                    // 32 output channels per step: four 8-lane accumulators stay in registers
                    // over all taps (the weights, kernel × n floats, stay in L1).
                    while j + 32 <= n {
                        var a0 = initial(j), a1 = initial(j + 8), a2 = initial(j + 16), a3 = initial(j + 24)
                        for k in 0..<kernel {
                            let x = SIMD8<Float>(repeating: taps[k])
                            let wk = UnsafeRawPointer(w + k * n + j)
                            a0 += x * wk.loadUnaligned(as: SIMD8<Float>.self)
                            a1 += x * wk.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                            a2 += x * wk.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                            a3 += x * wk.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                        }
                        let out = UnsafeMutableRawPointer(row + j)
                        out.storeBytes(of: a0, as: SIMD8<Float>.self)
                        out.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
                        out.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
                        out.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
                        j += 32
                    }
                    while j < n {
                        var sum = bias?[j] ?? 0
                        for k in 0..<kernel { sum += taps[k] * w[k * n + j] }
                        row[j] = sum
                        j += 1
                    }
                }
            }
        }
    }

    /// The bias (or zeros) for output channels `j..<j+8`.
    @inline(__always)
    private func initial(_ j: Int) -> SIMD8<Float> {
        guard let bias else { return SIMD8() }
        return bias.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress! + j).loadUnaligned(as: SIMD8<Float>.self) }
    }

    /// The `kernelSize` input samples output row `t` reads (zeros outside the input).
    @inline(__always)
    private func gatherTaps(row t: Int, input: UnsafePointer<Float>, length: Int, into taps: UnsafeMutablePointer<Float>) {
        let first = t * stride - padding
        if first >= 0 && first + kernelSize <= length {
            taps.update(from: input + first, count: kernelSize)
        } else {
            for k in 0..<kernelSize {
                let frame = first + k
                taps[k] = frame >= 0 && frame < length ? input[frame] : 0
            }
        }
    }

    /// Per-output-channel mean and (population) variance over time of the convolution of
    /// `input`, computed in Double from the patches' mean vector and Gram matrix, without
    /// computing the output: `mean_c = b_c + w_c·m`, `var_c = w_cᵀ (G/T − m mᵀ) w_c`.
    /// Costs `rows · kernel²/2` multiply-adds. Requires `computesRowsDirectly`.
    package func outputStatistics(input: UnsafePointer<Float>, length: Int) -> (mean: [Double], variance: [Double]) {
        precondition(computesRowsDirectly, "Conv1d.outputStatistics: needs one input channel, one group and a short kernel")
        let rows = outputLength(inputLength: length), kernel = kernelSize
        guard rows > 0 else {
            return ([Double](repeating: .nan, count: outChannels), [Double](repeating: .nan, count: outChannels))
        }
        // Per block: kernel sums, then kernel² products (only k ≤ l filled).
        let blockWidth = kernel + kernel * kernel
        let blocks = (rows + Self.statisticsBlockRows - 1) / Self.statisticsBlockRows
        var partial = [Double](repeating: 0, count: blocks * blockWidth)
        partial.withUnsafeMutableBufferPointer { partialBuffer in
            let partial = partialBuffer.baseAddress!
            parallelRanges(blocks, work: rows * kernel * kernel) { blockRange in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: kernel) { taps in
                    for block in blockRange {
                        let sums = partial + block * blockWidth, products = sums + kernel
                        let end = min((block + 1) * Self.statisticsBlockRows, rows)
                        for t in (block * Self.statisticsBlockRows)..<end {
                            gatherTaps(row: t, input: input, length: length, into: taps.baseAddress!)
                            for k in 0..<kernel {
                                let x = Double(taps[k])
                                sums[k] += x
                                for l in k..<kernel { products[k * kernel + l] += x * Double(taps[l]) }
                            }
                        }
                    }
                }
            }
        }
        // Blocks added in order: the same result for any thread count.
        var total = [Double](repeating: 0, count: blockWidth)
        for block in 0..<blocks { for i in 0..<blockWidth { total[i] += partial[block * blockWidth + i] } }
        let count = Double(rows)
        let tapMean = (0..<kernel).map { total[$0] / count }
        var covariance = [Double](repeating: 0, count: kernel * kernel)
        for k in 0..<kernel {
            for l in k..<kernel {
                let value = total[kernel + k * kernel + l] / count - tapMean[k] * tapMean[l]
                covariance[k * kernel + l] = value
                covariance[l * kernel + k] = value
            }
        }
        var mean = [Double](repeating: 0, count: outChannels), variance = mean
        for c in 0..<outChannels {
            var m = Double(bias?[c] ?? 0), v = 0.0
            for k in 0..<kernel {
                let wk = Double(tapMajorWeight[k * outChannels + c])
                m += wk * tapMean[k]
                var row = 0.0
                for l in 0..<kernel { row += covariance[k * kernel + l] * Double(tapMajorWeight[l * outChannels + c]) }
                v += wk * row
            }
            mean[c] = m
            variance[c] = max(v, 0)  // rounding can leave a tiny negative for a constant output
        }
        return (mean, variance)
    }
}
