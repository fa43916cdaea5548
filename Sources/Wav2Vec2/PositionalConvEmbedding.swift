// Relative positional embedding: a grouped conv over time with weight norm, folded at load.
// Reference: transformers 5.24 `Wav2Vec2PositionalConvEmbedding`, `Wav2Vec2SamePadLayer`.

import SafeTensors
import TensorKernels
import VoiceEmotionCore

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// `GELU(conv(h))` with kernel K (128), padding K/2, `groups` groups; with an even kernel the
/// conv yields one frame too many and the last is dropped (SamePad).
struct PositionalConvEmbedding: Sendable {
    let conv: Conv1d

    /// Reads `encoder.pos_conv_embed.conv.*` under the model's scope: a folded `weight`, or the
    /// weight norm's magnitude g `(1, 1, K)` and direction v `(H, H/groups, K)` under their old
    /// (`weight_g`/`weight_v`) or new (`parametrizations.weight.original0/1`) names.
    init(config: Wav2Vec2Config, scope: CheckpointScope) throws {
        let h = config.hiddenSize, k = config.numConvPosEmbeddings, g = config.numConvPosEmbeddingGroups
        let conv = scope.scoped("encoder.pos_conv_embed.conv")
        let shape = [h, h / g, k]
        let weight: [Float]
        if conv.contains("weight") {
            weight = try conv.floats("weight", shape: shape)
        } else {
            let gName = conv.firstPresent(["weight_g", "parametrizations.weight.original0"]) ?? "weight_g"
            let vName = conv.firstPresent(["weight_v", "parametrizations.weight.original1"]) ?? "weight_v"
            let direction = try conv.floats(vName, shape: shape)
            weight = Self.foldWeightNorm(g: try conv.floats(gName, shape: [1, 1, k]), v: direction, kernel: k)
            // A direction of zeros divides by a zero norm; huge g over tiny v overflows.
            if let index = weight.withUnsafeBufferPointer({ firstNonFiniteIndex($0.baseAddress!, count: $0.count) }) {
                throw VoiceEmotionError.invalidWeightValues(
                    path: conv.path, name: conv.fullName(vName),
                    reason: "gives a non-finite folded weight at kernel tap \(index % k) (weight norm: g / ‖v‖ with ‖v‖ = \(Self.norm(direction, tap: index % k, kernel: k)))")
            }
        }
        self.conv = Conv1d(weight: weight, bias: try conv.floats("bias", shape: [h]),
                           inChannels: h, outChannels: h, kernelSize: k, stride: 1, padding: k / 2, groups: g)
    }

    /// `weight_norm(dim=2)`: `w[o,i,k] = g[k] · v[o,i,k] / ‖v[:,:,k]‖`, the norm taken over the
    /// first two dimensions separately for each kernel tap (Double accumulation).
    static func foldWeightNorm(g: [Float], v: [Float], kernel: Int) -> [Float] {
        var squares = [Double](repeating: 0, count: kernel)
        for (index, value) in v.enumerated() { squares[index % kernel] += Double(value) * Double(value) }
        let scale = (0..<kernel).map { Float(Double(g[$0]) / squares[$0].squareRoot()) }
        return v.enumerated().map { $0.element * scale[$0.offset % kernel] }
    }

    /// ‖v[:, :, tap]‖, for messages.
    static func norm(_ v: [Float], tap: Int, kernel: Int) -> Double {
        stride(from: tap, to: v.count, by: kernel).reduce(0.0) { $0 + Double(v[$1]) * Double(v[$1]) }.squareRoot()
    }

    /// Floats of scratch `apply` needs for `frames` frames: the conv output (one extra frame) and patches.
    func scratchCount(frames: Int) -> Int {
        (frames + 1) * conv.outChannels + conv.workspaceCount(inputLength: frames)
    }

    /// Adds `GELU(conv(hidden))` to `hidden` `(frames, H)` in place.
    func addTo(_ hidden: UnsafeMutablePointer<Float>, frames: Int, scratch: UnsafeMutablePointer<Float>) {
        let h = conv.outChannels
        let embedding = scratch
        conv.apply(input: hidden, length: frames, output: embedding, workspace: scratch + (frames + 1) * h)
        // The first `frames` rows are kept (an even kernel's extra last frame is dropped).
        geluInPlace(embedding, count: frames * h)
        for i in 0..<(frames * h) { hidden[i] += embedding[i] }
    }
}
