// The convolutional feature encoder and the feature projection.
// Reference: transformers 5.24 `Wav2Vec2FeatureEncoder`, `Wav2Vec2GroupNormConvLayer`,
// `Wav2Vec2LayerNormConvLayer`, `Wav2Vec2NoLayerNormConvLayer`, `Wav2Vec2FeatureProjection`
// (HuBERT: `HubertFeatureProjection`, optional LayerNorm).

import SafeTensors
import TensorKernels
import VoiceEmotionCore

/// Raw 16 kHz samples → `(frames, hidden)`: seven strided convs with GELU (group norm on the
/// first, or layer norm on every one), then LayerNorm and a linear projection.
struct FeatureEncoder: Sendable {
    enum Norm: Sendable {
        case none
        case group(ChannelGroupNorm)  // statistics over time, one group per channel
        case layer(LayerNorm)         // over channels, per frame (transformers' eps 1e-5)
    }

    let convs: [Conv1d]
    let norms: [Norm]
    let projectionNorm: LayerNorm?
    let projection: Linear

    /// Reads `feature_extractor.*` and `feature_projection.*` under the model's scope.
    init(config: Wav2Vec2Config, scope: CheckpointScope) throws {
        var convs: [Conv1d] = []
        var norms: [Norm] = []
        var inChannels = 1
        for (i, (channels, (kernel, stride))) in zip(config.convDim, zip(config.convKernel, config.convStride)).enumerated() {
            let layer = scope.scoped("feature_extractor.conv_layers.\(i)")
            let conv = layer.scoped("conv")
            convs.append(Conv1d(
                weight: try conv.floats("weight", shape: [channels, inChannels, kernel]),  // (out, in, kernel)
                bias: config.convBias ? try conv.floats("bias", shape: [channels]) : nil,
                inChannels: inChannels, outChannels: channels, kernelSize: kernel, stride: stride))
            // Group norm (one group per channel) after the first conv only, or layer norm after
            // each; both with PyTorch's default epsilon, not the config's.
            switch (config.featExtractNorm, i) {
            case ("group", 0):
                let norm = layer.scoped("layer_norm")
                norms.append(.group(ChannelGroupNorm(
                    weight: try norm.floats("weight", shape: [channels]), bias: try norm.floats("bias", shape: [channels]), epsilon: 1e-5)))
            case ("layer", _):
                norms.append(.layer(try layer.layerNorm("layer_norm", width: channels, epsilon: 1e-5)))
            default:
                norms.append(.none)
            }
            inChannels = channels
        }
        self.convs = convs
        self.norms = norms
        // wav2vec2 always normalises before projecting; HuBERT only with feat_proj_layer_norm.
        let projection = scope.scoped("feature_projection")
        projectionNorm = config.modelType == "wav2vec2" || config.featProjLayerNorm
            ? try projection.layerNorm("layer_norm", width: inChannels, epsilon: config.layerNormEps) : nil
        self.projection = try projection.linear("projection", outputs: config.hiddenSize, inputs: inChannels)
    }

    /// Frames after each conv for `samples` input samples.
    func lengths(samples: Int) -> [Int] {
        var lengths: [Int] = []
        var length = samples
        for conv in convs {
            length = conv.outputLength(inputLength: length)
            lengths.append(length)
        }
        return lengths
    }

    /// Sizes of the two ping-pong activation buffers (layers 0, 2, 4, ... write the first,
    /// layers 1, 3, ... the second) and of the conv patch workspace, in floats.
    private func bufferSizes(samples: Int) -> (even: Int, odd: Int, workspace: Int) {
        var even = 0, odd = 0, workspace = 0
        var inputLength = samples
        for (i, conv) in convs.enumerated() {
            workspace = max(workspace, conv.workspaceCount(inputLength: inputLength))
            inputLength = conv.outputLength(inputLength: inputLength)
            if i % 2 == 0 { even = max(even, inputLength * conv.outChannels) } else { odd = max(odd, inputLength * conv.outChannels) }
        }
        return (even, odd, workspace)
    }

    /// Floats of scratch `encode` needs: about 0.6 of the first conv's output (layer 0 and layer 1
    /// outputs side by side, 64 + 32 floats per input sample for 512 channels) plus a patch tile.
    func scratchCount(samples: Int) -> Int {
        let sizes = bufferSizes(samples: samples)
        return sizes.even + sizes.odd + sizes.workspace + 2 * (convs.map(\.outChannels).max() ?? 0)  // group norm statistics
    }

    /// Encodes `samples` into `output` `(frames, hidden)`; `scratch` holds `scratchCount(samples:)` floats.
    /// Returns false when `shouldStop` said so between two conv layers (the output is then unset).
    @discardableResult
    func encode(_ samples: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>,
                scratch: UnsafeMutablePointer<Float>, shouldStop: () -> Bool = { false }) -> Bool {
        let lengths = lengths(samples: count)
        let sizes = bufferSizes(samples: count)
        var buffers = (scratch, scratch + sizes.even)
        let workspace = scratch + sizes.even + sizes.odd
        let statistics = workspace + sizes.workspace
        var input = samples
        var length = count
        for (i, conv) in convs.enumerated() {
            if i > 0 && shouldStop() { return false }
            let out = buffers.0
            if conv.computesRowsDirectly {
                firstLayer(conv, norm: norms[i], samples: input, count: length, output: out)
                length = lengths[i]
                input = UnsafePointer(out)
                buffers = (buffers.1, buffers.0)
                continue
            }
            conv.apply(input: input, length: length, output: out, workspace: workspace)
            length = lengths[i]
            switch norms[i] {  // every conv layer ends in GELU, fused into the norm's pass when there is one
            case .none: geluInPlace(out, count: length * conv.outChannels)
            case .group(let norm): norm.applyInPlace(out, length: length, statistics: statistics, thenGelu: true)
            case .layer(let norm): norm.apply(input: out, rows: length, output: out, thenGelu: true)
            }
            input = UnsafePointer(out)
            buffers = (buffers.1, buffers.0)
        }
        // Feature projection: LayerNorm over the conv channels (in place), then Linear to hidden.
        let features = UnsafeMutablePointer(mutating: input)
        projectionNorm?.apply(input: features, rows: length, output: features)
        projection.apply(input: features, rows: length, output: output)
        return true
    }

    /// The conv over the waveform (one input channel) with its norm and GELU, a few rows at a
    /// time while they are in L1: the output (64 floats per input sample for 512 channels) is
    /// written once. Group-norm statistics come from the waveform's patch moments beforehand.
    private func firstLayer(_ conv: Conv1d, norm: Norm, samples: UnsafePointer<Float>, count: Int,
                            output: UnsafeMutablePointer<Float>) {
        let rows = conv.outputLength(inputLength: count), channels = conv.outChannels
        var groupNorm: (norm: ChannelGroupNorm, coefficients: ChannelGroupNorm.Coefficients)?
        if case .group(let norm) = norm {
            let statistics = conv.outputStatistics(input: samples, length: count)
            groupNorm = (norm, norm.coefficients(mean: statistics.mean, variance: statistics.variance))
        }
        parallelRanges(rows, work: rows * channels) { range in
            var first = range.lowerBound
            while first < range.upperBound {
                let block = first..<min(first + 16, range.upperBound)  // 16 × 512 floats: 32 KB
                conv.applyRows(block, input: samples, length: count, output: output)
                switch norm {
                case .none: geluSerial(output + block.lowerBound * channels, count: block.count * channels)
                case .group: groupNorm!.norm.applyRows(block, output, coefficients: groupNorm!.coefficients, thenGelu: true)
                case .layer(let layerNorm): layerNorm.applyRows(block, input: output, output: output, thenGelu: true)
                }
                first = block.upperBound
            }
        }
    }
}
