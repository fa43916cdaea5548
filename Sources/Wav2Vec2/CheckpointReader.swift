// Strict reading of hub checkpoint tensors: every read checks the shape, every name read is
// recorded, and `finish()` rejects any tensor left unread. All checkpoint names of the model
// are written in `Wav2Vec2TensorNames` below, once.

import SafeTensors
import TensorKernels

/// Tensor names of a Wav2Vec2 / HuBERT classification checkpoint, as the hub writes them.
package enum Wav2Vec2TensorNames {
    static func convWeight(_ i: Int) -> String { "feature_extractor.conv_layers.\(i).conv.weight" }
    static func convBias(_ i: Int) -> String { "feature_extractor.conv_layers.\(i).conv.bias" }
    static func convNorm(_ i: Int, _ part: String) -> String { "feature_extractor.conv_layers.\(i).layer_norm.\(part)" }
    static func projectionNorm(_ part: String) -> String { "feature_projection.layer_norm.\(part)" }
    static func projection(_ part: String) -> String { "feature_projection.projection.\(part)" }
    static let positionalBias = "encoder.pos_conv_embed.conv.bias"
    /// Weight-norm magnitude g (1, 1, K): old and new (parametrizations) names.
    static let positionalG = ["encoder.pos_conv_embed.conv.weight_g", "encoder.pos_conv_embed.conv.parametrizations.weight.original0"]
    /// Weight-norm direction v (H, H/groups, K): old and new names.
    static let positionalV = ["encoder.pos_conv_embed.conv.weight_v", "encoder.pos_conv_embed.conv.parametrizations.weight.original1"]
    /// An already folded weight, as some re-exported checkpoints store it.
    static let positionalWeight = "encoder.pos_conv_embed.conv.weight"
    static func encoderNorm(_ part: String) -> String { "encoder.layer_norm.\(part)" }
    static func layer(_ n: Int, _ rest: String) -> String { "encoder.layers.\(n).\(rest)" }
    static let maskedSpecEmbed = "masked_spec_embed"
    static let layerWeights = "layer_weights"
    static let projector = "projector"
    static let classifier = "classifier"
    static let legacyDense = "classifier.dense"
    static let legacyOutputs = ["classifier.output", "classifier.out_proj"]

    /// Every tensor (name, shape) of a checkpoint with a projector + classifier head for `config`
    /// (new weight-norm naming): used to build random-weight models of real shapes for benchmarks.
    package static func projectorCheckpoint(_ config: Wav2Vec2Config) -> [(name: String, shape: [Int])] {
        let p = config.modelType + ".", h = config.hiddenSize, i = config.intermediateSize
        var list: [(String, [Int])] = []
        var inChannels = 1
        for (n, (channels, kernel)) in zip(config.convDim, config.convKernel).enumerated() {
            list.append((p + convWeight(n), [channels, inChannels, kernel]))
            if config.convBias { list.append((p + convBias(n), [channels])) }
            if config.featExtractNorm == "layer" || n == 0 && config.featExtractNorm == "group" {
                list += [(p + convNorm(n, "weight"), [channels]), (p + convNorm(n, "bias"), [channels])]
            }
            inChannels = channels
        }
        if config.modelType == "wav2vec2" || config.featProjLayerNorm {
            list += [(p + projectionNorm("weight"), [inChannels]), (p + projectionNorm("bias"), [inChannels])]
        }
        list += [(p + projection("weight"), [h, inChannels]), (p + projection("bias"), [h])]
        let k = config.numConvPosEmbeddings
        list += [(p + positionalG[1], [1, 1, k]), (p + positionalV[1], [h, h / config.numConvPosEmbeddingGroups, k]),
                 (p + positionalBias, [h]), (p + encoderNorm("weight"), [h]), (p + encoderNorm("bias"), [h])]
        for n in 0..<config.numHiddenLayers {
            for name in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                list += [(p + layer(n, "attention.\(name).weight"), [h, h]), (p + layer(n, "attention.\(name).bias"), [h])]
            }
            for name in ["layer_norm", "final_layer_norm"] {
                list += [(p + layer(n, "\(name).weight"), [h]), (p + layer(n, "\(name).bias"), [h])]
            }
            list += [(p + layer(n, "feed_forward.intermediate_dense.weight"), [i, h]), (p + layer(n, "feed_forward.intermediate_dense.bias"), [i]),
                     (p + layer(n, "feed_forward.output_dense.weight"), [h, i]), (p + layer(n, "feed_forward.output_dense.bias"), [h])]
        }
        if config.useWeightedLayerSum { list.append((layerWeights, [config.numHiddenLayers + 1])) }
        let labels = config.id2label.count, projected = config.classifierProjSize
        list += [("projector.weight", [projected, h]), ("projector.bias", [projected]),
                 ("classifier.weight", [labels, projected]), ("classifier.bias", [labels])]
        return list
    }
}

/// Reads tensors from a checkpoint, converting to Float, checking shapes, recording use.
final class CheckpointReader {
    let file: SafeTensorsFile
    private(set) var used = Set<String>()
    /// Bytes of weights used in place from the mapped file, and bytes converted into copies.
    private(set) var memory = WeightMemory(mappedBytes: 0, copiedBytes: 0)

    init(file: SafeTensorsFile) { self.file = file }

    var path: String { file.path }

    func contains(_ name: String) -> Bool { file.tensors[name] != nil }

    /// The tensor as Float, which must exist with exactly `shape`.
    func read(_ name: String, shape: [Int]) throws(Wav2Vec2Error) -> [Float] {
        guard let info = file.tensors[name] else { throw .missingTensor(path: path, name: name) }
        guard info.shape == shape else { throw .shapeMismatch(path: path, name: name, expected: shape, found: info.shape) }
        used.insert(name)
        let values: [Float]
        do { values = try file.floats(name) } catch { throw .invalidWeights(error) }
        file.releasePages(name)  // the copy is what the model keeps
        try values.withUnsafeBufferPointer { (buffer) throws(Wav2Vec2Error) in try requireFinite(buffer, name: name) }
        memory.copiedBytes += values.count * MemoryLayout<Float>.size
        return values
    }

    /// The tensor as weights a layer reads in place from the mapped file when it is F32 (no
    /// copy: the model's memory is the file's pages), or as a converted copy otherwise.
    func weight(_ name: String, shape: [Int]) throws(Wav2Vec2Error) -> WeightBuffer {
        guard let info = file.tensors[name] else { throw .missingTensor(path: path, name: name) }
        guard info.shape == shape else { throw .shapeMismatch(path: path, name: name, expected: shape, found: info.shape) }
        let inPlace: UnsafeBufferPointer<Float>?
        do { inPlace = try file.floatsInPlace(name) } catch { throw .invalidWeights(error) }
        guard let inPlace, let start = inPlace.baseAddress else { return WeightBuffer(try read(name, shape: shape)) }
        try requireFinite(inPlace, name: name)
        used.insert(name)
        memory.mappedBytes += inPlace.count * MemoryLayout<Float>.size
        return WeightBuffer(start: start, count: inPlace.count, owner: file)
    }

    /// Throws `invalidWeightValues` naming the tensor and the first NaN or infinite element: a
    /// corrupt or badly converted checkpoint must fail at load, not print NaN scores later.
    func requireFinite(_ values: UnsafeBufferPointer<Float>, name: String) throws(Wav2Vec2Error) {
        guard let start = values.baseAddress, let index = firstNonFiniteIndex(start, count: values.count) else { return }
        throw .invalidWeightValues(path: path, name: name, reason: "holds \(values[index]) at element \(index) (weights must be finite)")
    }

    /// The first of several alternative names that exists.
    func readFirst(_ names: [String], shape: [Int]) throws(Wav2Vec2Error) -> [Float] {
        guard let name = names.first(where: contains) else { throw .missingTensor(path: path, name: names.joined(separator: " or ")) }
        return try read(name, shape: shape)
    }

    /// Marks a tensor as deliberately unused (e.g. masked_spec_embed, a training-only parameter).
    func ignore(_ name: String) { if contains(name) { used.insert(name) } }

    /// Fails if any tensor of the file was not read.
    func finish() throws(Wav2Vec2Error) {
        let unused = file.tensorNames.filter { !used.contains($0) }
        if !unused.isEmpty { throw .unusedTensors(path: path, names: unused) }
    }
}

/// Where a loaded model's weights live.
public struct WeightMemory: Sendable, Codable, Equatable {
    /// Bytes of F32 weights read in place from the memory-mapped checkpoint (no copy; the pages
    /// are shared with the page cache and count towards resident memory once touched).
    public var mappedBytes: Int
    /// Bytes of weights converted into copies (F16/BF16 tensors, conv kernels repacked for
    /// time-major input, the folded positional conv, norms and biases).
    public var copiedBytes: Int
}
