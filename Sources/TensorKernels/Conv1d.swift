// 1-D convolution (PyTorch `nn.Conv1d` cross-correlation: zero padding, dilation 1, groups) on
// time-major `(length, channels)` buffers, as im2col + one sgemm per group.
//
// Why time-major: every consumer (Silero's encoder, wav2vec2's feature encoder, the transformer)
// works per frame, and in this layout one output frame's receptive field is `kernel` consecutive
// rows, i.e. `kernel · inChannels` consecutive floats. When `stride >= kernel` and there is no
// padding those patches can be handed to sgemm directly with a row stride of `stride · inChannels`;
// otherwise they are copied once into a patch matrix (BLAS requires lda >= k, so overlapping
// patches cannot be described as a strided matrix).

/// A 1-D convolution with weights repacked once, at creation, for time-major input.
package struct Conv1d: Sendable {
    /// Input channels.
    package let inChannels: Int
    /// Output channels.
    package let outChannels: Int
    /// Kernel taps.
    package let kernelSize: Int
    /// Step between output frames, in input frames.
    package let stride: Int
    /// Zero frames added on each side of the input.
    package let padding: Int
    /// Channel groups; `inChannels` and `outChannels` are both multiples of it.
    package let groups: Int
    /// `(groups, outChannels / groups, kernelSize, inChannels / groups)`: for each output channel,
    /// the taps in the order a time-major patch holds them.
    let packedWeight: [Float]
    /// `(outChannels)` or nil.
    let bias: [Float]?
    /// `(kernelSize, outChannels)` when `computesRowsDirectly` (empty otherwise): one tap's
    /// weights over all output channels are contiguous, the layout the direct row kernel
    /// vectorises over.
    let tapMajorWeight: [Float]

    /// Creates a convolution from a weight in PyTorch layout `(outChannels, inChannels / groups, kernelSize)`.
    package init(
        weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernelSize: Int,
        stride: Int = 1, padding: Int = 0, groups: Int = 1
    ) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv1d: channels must be multiples of groups")
        precondition(kernelSize >= 1 && stride >= 1 && padding >= 0, "Conv1d: invalid geometry")
        let inPerGroup = inChannels / groups
        precondition(weight.count == outChannels * inPerGroup * kernelSize, "Conv1d: weight count mismatch")
        precondition(bias == nil || bias!.count == outChannels, "Conv1d: bias count mismatch")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.bias = bias
        // (out, in, k) -> (out, k, in): within a group, output channels are already contiguous.
        var packed = [Float](repeating: 0, count: weight.count)
        for o in 0..<outChannels {
            for i in 0..<inPerGroup {
                for k in 0..<kernelSize {
                    packed[(o * kernelSize + k) * inPerGroup + i] = weight[(o * inPerGroup + i) * kernelSize + k]
                }
            }
        }
        self.packedWeight = packed
        if Self.computesRowsDirectly(inChannels: inChannels, groups: groups, kernelSize: kernelSize) {
            var tapMajor = [Float](repeating: 0, count: weight.count)
            for o in 0..<outChannels { for k in 0..<kernelSize { tapMajor[k * outChannels + o] = weight[o * kernelSize + k] } }
            tapMajorWeight = tapMajor
        } else {
            tapMajorWeight = []
        }
    }

    /// Output frames for `inputLength` input frames: `(length + 2·padding - kernel) / stride + 1`.
    package func outputLength(inputLength: Int) -> Int {
        let padded = inputLength + 2 * padding
        return padded < kernelSize ? 0 : (padded - kernelSize) / stride + 1
    }

    /// Whether patches can be read in place (no copy): one group, no padding, non-overlapping.
    var readsPatchesInPlace: Bool { groups == 1 && padding == 0 && stride >= kernelSize }

    /// Output rows whose patches are gathered at a time for one long sequence: bounds the
    /// workspace (a 60 s input would otherwise need a patch matrix of hundreds of MB) while
    /// keeping each sgemm large enough to run at full speed.
    package static let tileRows = 1024

    /// Floats of workspace `apply` needs for `batch` sequences of `inputLength` frames (0 when none).
    package func workspaceCount(inputLength: Int, batch: Int = 1) -> Int {
        if readsPatchesInPlace && batch == 1 { return 0 }
        let rows = outputLength(inputLength: inputLength)
        return (batch == 1 ? min(rows, Self.tileRows) : batch * rows) * kernelSize * (inChannels / groups)
    }

    /// Convolves `batch` independent sequences `(batch, length, inChannels)` into
    /// `(batch, outputLength, outChannels)`, each zero-padded on its own (one sgemm for all).
    ///
    /// `workspace` must hold `workspaceCount(inputLength: length, batch: batch)` floats (it may be
    /// nil when that is 0). The output must not overlap the input.
    package func apply(
        input: UnsafePointer<Float>, length: Int, batch: Int = 1, output: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>?
    ) {
        let outLength = outputLength(inputLength: length)
        guard outLength > 0, batch > 0 else { return }
        let rows = batch * outLength
        let inPerGroup = inChannels / groups
        let outPerGroup = outChannels / groups
        let patchWidth = kernelSize * inPerGroup
        if let bias {
            parallelRanges(rows, work: rows * outChannels) { range in
                for t in range { (output + t * outChannels).update(from: bias, count: outChannels) }
            }
        }
        let beta: Float = bias == nil ? 0 : 1
        packedWeight.withUnsafeBufferPointer { packed in
            if readsPatchesInPlace && batch == 1 {
                BLAS.sgemm(
                    .none, .transpose, m: outLength, n: outChannels, k: patchWidth,
                    a: input, lda: stride * inChannels, b: packed.baseAddress!, ldb: patchWidth,
                    beta: beta, c: output, ldc: outChannels)
                return
            }
            guard let patches = workspace else { preconditionFailure("Conv1d: workspace required") }
            for g in 0..<groups {
                let weights = packed.baseAddress! + g * outPerGroup * patchWidth
                if batch == 1 {
                    // One long sequence: gather and multiply a tile of output rows at a time.
                    var first = 0
                    while first < outLength {
                        let last = min(first + Self.tileRows, outLength)
                        // The copy is memory-bound work the other cores would otherwise idle through.
                        parallelRanges(last - first, work: (last - first) * patchWidth) { part in
                            gatherPatches(input: input, length: length, group: g, into: patches + part.lowerBound * patchWidth,
                                          rows: (first + part.lowerBound)..<(first + part.upperBound))
                        }
                        BLAS.sgemm(
                            .none, .transpose, m: last - first, n: outPerGroup, k: patchWidth,
                            a: patches, lda: patchWidth, b: weights, ldb: patchWidth,
                            beta: beta, c: output + first * outChannels + g * outPerGroup, ldc: outChannels)
                        first = last
                    }
                    continue
                }
                for item in 0..<batch {
                    gatherPatches(input: input + item * length * inChannels, length: length, group: g,
                                  into: patches + item * outLength * patchWidth, rows: 0..<outLength)
                }
                BLAS.sgemm(
                    .none, .transpose, m: rows, n: outPerGroup, k: patchWidth,
                    a: patches, lda: patchWidth, b: weights, ldb: patchWidth,
                    beta: beta, c: output + g * outPerGroup, ldc: outChannels)
            }
        }
    }

    /// im2col for one group: patch row `t - rows.lowerBound` holds the input frames
    /// `t·stride - padding + k` (zeros outside the input), channels of group `group` only.
    private func gatherPatches(
        input: UnsafePointer<Float>, length: Int, group: Int,
        into patches: UnsafeMutablePointer<Float>, rows: Range<Int>
    ) {
        let inPerGroup = inChannels / groups
        let patchWidth = kernelSize * inPerGroup
        let channelOffset = group * inPerGroup
        for t in rows {
            let row = patches + (t - rows.lowerBound) * patchWidth
            let first = t * stride - padding
            if groups == 1 && first >= 0 && first + kernelSize <= length {
                // Whole patch inside the input: one contiguous copy.
                row.update(from: input + first * inChannels, count: patchWidth)
                continue
            }
            for k in 0..<kernelSize {
                let frame = first + k
                let destination = row + k * inPerGroup
                if frame < 0 || frame >= length {
                    destination.update(repeating: 0, count: inPerGroup)
                } else {
                    destination.update(from: input + frame * inChannels + channelOffset, count: inPerGroup)
                }
            }
        }
    }
}
