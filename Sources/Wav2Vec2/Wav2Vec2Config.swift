// Typed mirrors of config.json and preprocessor_config.json with transformers' defaults
// (transformers 5.24 `Wav2Vec2Config` / `HubertConfig`, `Wav2Vec2FeatureExtractor`).

import Foundation
import VoiceEmotionCore

/// The fields of a Wav2Vec2 / HuBERT `config.json` that inference depends on.
/// Missing fields take transformers' defaults; dropout, masking and training fields are ignored.
public struct Wav2Vec2Config: Codable, Sendable, Equatable {
    /// "wav2vec2" or "hubert"; also the tensor-name prefix.
    public var modelType: String
    /// Transformer width H (768 base, 1024 large).
    public var hiddenSize: Int
    /// Transformer layers L.
    public var numHiddenLayers: Int
    /// Attention heads (H must be a multiple).
    public var numAttentionHeads: Int
    /// Feed-forward width.
    public var intermediateSize: Int
    /// Feed-forward activation; only "gelu" (exact erf) is implemented.
    public var hiddenAct: String
    /// Conv and positional-conv activation; only "gelu".
    public var featExtractActivation: String
    /// Epsilon of the projection and encoder LayerNorms (the conv norms use 1e-5).
    public var layerNormEps: Float
    /// "group" (GroupNorm after the first conv) or "layer" (LayerNorm after every conv).
    public var featExtractNorm: String
    /// Output channels of each feature-encoder conv.
    public var convDim: [Int]
    /// Stride of each feature-encoder conv.
    public var convStride: [Int]
    /// Kernel of each feature-encoder conv.
    public var convKernel: [Int]
    /// Whether the feature-encoder convs have biases.
    public var convBias: Bool
    /// Positional conv kernel (128); even kernels drop the last output frame.
    public var numConvPosEmbeddings: Int
    /// Positional conv groups (16).
    public var numConvPosEmbeddingGroups: Int
    /// Pre-LN ("stable", large/XLSR) when true, post-LN (base) when false.
    public var doStableLayerNorm: Bool
    /// Projector heads: softmax-weighted sum of all L+1 hidden states instead of the last.
    public var useWeightedLayerSum: Bool
    /// Width of the projector head.
    public var classifierProjSize: Int
    /// Labels by index ("0" → name), as the hub stores them.
    public var id2label: [String: String]
    /// "regression" for raw outputs; anything else gets a softmax.
    public var problemType: String?
    /// HuBERT: LayerNorm before the feature projection (default true).
    public var featProjLayerNorm: Bool
    /// HuBERT: BatchNorm instead of weight norm in the positional conv (not implemented).
    public var convPosBatchNorm: Bool
    /// Adapter layers after the encoder (not implemented).
    public var addAdapter: Bool
    /// Legacy speech-classification head pooling: "mean", "sum" or "max".
    public var poolingMode: String
    /// Class names the checkpoint was saved from (informational).
    public var architectures: [String]

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenAct = "hidden_act"
        case featExtractActivation = "feat_extract_activation", layerNormEps = "layer_norm_eps"
        case featExtractNorm = "feat_extract_norm", convDim = "conv_dim", convStride = "conv_stride"
        case convKernel = "conv_kernel", convBias = "conv_bias", numConvPosEmbeddings = "num_conv_pos_embeddings"
        case numConvPosEmbeddingGroups = "num_conv_pos_embedding_groups", doStableLayerNorm = "do_stable_layer_norm"
        case useWeightedLayerSum = "use_weighted_layer_sum", classifierProjSize = "classifier_proj_size"
        case id2label, problemType = "problem_type", featProjLayerNorm = "feat_proj_layer_norm"
        case convPosBatchNorm = "conv_pos_batch_norm", addAdapter = "add_adapter", poolingMode = "pooling_mode"
        case architectures
    }

    /// transformers' defaults (the wav2vec2-base shape).
    public init() {
        modelType = "wav2vec2"; hiddenSize = 768; numHiddenLayers = 12; numAttentionHeads = 12; intermediateSize = 3072
        hiddenAct = "gelu"; featExtractActivation = "gelu"; layerNormEps = 1e-5; featExtractNorm = "group"
        convDim = [Int](repeating: 512, count: 7); convStride = [5, 2, 2, 2, 2, 2, 2]; convKernel = [10, 3, 3, 3, 3, 2, 2]
        convBias = false; numConvPosEmbeddings = 128; numConvPosEmbeddingGroups = 16; doStableLayerNorm = false
        useWeightedLayerSum = false; classifierProjSize = 256; id2label = ["0": "LABEL_0", "1": "LABEL_1"]
        problemType = nil; featProjLayerNorm = true; convPosBatchNorm = false; addAdapter = false; poolingMode = "mean"
        architectures = []
    }

    /// Decodes config.json; missing fields take transformers' defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Wav2Vec2Config()
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? d.modelType
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? d.numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? d.numAttentionHeads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? d.hiddenAct
        featExtractActivation = try c.decodeIfPresent(String.self, forKey: .featExtractActivation) ?? d.featExtractActivation
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? d.layerNormEps
        featExtractNorm = try c.decodeIfPresent(String.self, forKey: .featExtractNorm) ?? d.featExtractNorm
        convDim = try c.decodeIfPresent([Int].self, forKey: .convDim) ?? d.convDim
        convStride = try c.decodeIfPresent([Int].self, forKey: .convStride) ?? d.convStride
        convKernel = try c.decodeIfPresent([Int].self, forKey: .convKernel) ?? d.convKernel
        convBias = try c.decodeIfPresent(Bool.self, forKey: .convBias) ?? d.convBias
        numConvPosEmbeddings = try c.decodeIfPresent(Int.self, forKey: .numConvPosEmbeddings) ?? d.numConvPosEmbeddings
        numConvPosEmbeddingGroups = try c.decodeIfPresent(Int.self, forKey: .numConvPosEmbeddingGroups) ?? d.numConvPosEmbeddingGroups
        doStableLayerNorm = try c.decodeIfPresent(Bool.self, forKey: .doStableLayerNorm) ?? d.doStableLayerNorm
        useWeightedLayerSum = try c.decodeIfPresent(Bool.self, forKey: .useWeightedLayerSum) ?? d.useWeightedLayerSum
        classifierProjSize = try c.decodeIfPresent(Int.self, forKey: .classifierProjSize) ?? d.classifierProjSize
        id2label = try c.decodeIfPresent([String: String].self, forKey: .id2label) ?? d.id2label
        problemType = try c.decodeIfPresent(String.self, forKey: .problemType)
        featProjLayerNorm = try c.decodeIfPresent(Bool.self, forKey: .featProjLayerNorm) ?? d.featProjLayerNorm
        convPosBatchNorm = try c.decodeIfPresent(Bool.self, forKey: .convPosBatchNorm) ?? d.convPosBatchNorm
        addAdapter = try c.decodeIfPresent(Bool.self, forKey: .addAdapter) ?? d.addAdapter
        poolingMode = try c.decodeIfPresent(String.self, forKey: .poolingMode) ?? d.poolingMode
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures) ?? d.architectures
    }

    /// Labels in index order (id2label "0", "1", ...).
    public var labels: [String] {
        (0..<id2label.count).map { id2label[String($0)] ?? "LABEL_\($0)" }
    }

    /// Throws `unsupportedConfig` for any value that would change the maths and is not
    /// implemented, and `configValueOutOfRange` for a size outside `Wav2Vec2ConfigLimits` (every
    /// size later arithmetic multiplies is bounded here, so none of it can overflow). `path`
    /// names the file in the errors.
    public func validate(path: String = "config.json") throws {
        typealias Limits = Wav2Vec2ConfigLimits
        func unsupported(_ field: String, _ value: Any) -> VoiceEmotionError { .unsupportedConfig(path: path, field: field, value: "\(value)") }
        func outOfRange(_ field: String, _ value: String, _ allowed: String) -> VoiceEmotionError {
            .configValueOutOfRange(path: path, field: field, value: value, allowed: allowed)
        }
        func check(_ field: String, _ value: Int, _ allowed: ClosedRange<Int>) throws {
            guard allowed.contains(value) else { throw outOfRange(field, "\(value)", "\(allowed.lowerBound)...\(allowed.upperBound)") }
        }
        func check(_ field: String, _ values: [Int], count: ClosedRange<Int>, _ allowed: ClosedRange<Int>) throws {
            guard count.contains(values.count) else {
                throw outOfRange(field, "\(values.count) entries", "\(count.lowerBound)...\(count.upperBound) entries")
            }
            for (i, value) in values.enumerated() { try check("\(field)[\(i)]", value, allowed) }
        }
        guard ["wav2vec2", "hubert"].contains(modelType) else { throw unsupported("model_type", modelType) }
        guard hiddenAct == "gelu" else { throw unsupported("hidden_act", hiddenAct) }
        guard featExtractActivation == "gelu" else { throw unsupported("feat_extract_activation", featExtractActivation) }
        guard ["group", "layer"].contains(featExtractNorm) else { throw unsupported("feat_extract_norm", featExtractNorm) }
        guard !addAdapter else { throw unsupported("add_adapter", addAdapter) }
        guard !convPosBatchNorm else { throw unsupported("conv_pos_batch_norm", convPosBatchNorm) }
        guard ["mean", "sum", "max"].contains(poolingMode) else { throw unsupported("pooling_mode", poolingMode) }

        try check("hidden_size", hiddenSize, Limits.hiddenSize)
        try check("num_hidden_layers", numHiddenLayers, Limits.hiddenLayers)
        try check("num_attention_heads", numAttentionHeads, 1...hiddenSize)
        guard hiddenSize % numAttentionHeads == 0 else {
            throw outOfRange("num_attention_heads", "\(numAttentionHeads)", "a divisor of hidden_size \(hiddenSize)")
        }
        try check("intermediate_size", intermediateSize, Limits.intermediateSize)
        try check("conv_dim", convDim, count: Limits.convLayers, Limits.convDim)
        try check("conv_kernel", convKernel, count: convDim.count...convDim.count, Limits.convKernel)
        try check("conv_stride", convStride, count: convDim.count...convDim.count, Limits.convStride)
        guard minimumSamples <= Limits.receptiveField else {
            let needed = minimumSamples == .max ? "more than 2^63" : "\(minimumSamples)"
            throw outOfRange("conv_kernel/conv_stride", "one frame needs \(needed) samples", "at most \(Limits.receptiveField) samples per frame")
        }
        try check("num_conv_pos_embeddings", numConvPosEmbeddings, Limits.positionalKernel)
        try check("num_conv_pos_embedding_groups", numConvPosEmbeddingGroups, 1...hiddenSize)
        guard hiddenSize % numConvPosEmbeddingGroups == 0 else {
            throw outOfRange("num_conv_pos_embedding_groups", "\(numConvPosEmbeddingGroups)", "a divisor of hidden_size \(hiddenSize)")
        }
        try check("classifier_proj_size", classifierProjSize, Limits.projectorSize)
        try check("id2label", id2label.count, Limits.labels)
        guard Set(id2label.keys) == Set((0..<id2label.count).map(String.init)) else {
            throw outOfRange("id2label", "keys \(id2label.keys.sorted().prefix(5).joined(separator: ", "))", "keys \"0\" to \"\(id2label.count - 1)\"")
        }
        guard layerNormEps > 0 && layerNormEps <= 1 else {
            throw outOfRange("layer_norm_eps", "\(layerNormEps)", "a number > 0 and <= 1")
        }
    }

    /// Frames the feature encoder produces for `samples` input samples (0 when too short).
    public func frameCount(samples: Int) -> Int {
        var length = samples
        for (kernel, stride) in zip(convKernel, convStride) {
            guard length >= kernel else { return 0 }
            length = (length - kernel) / stride + 1
        }
        return length
    }

    /// Floating-point operations (2 per multiply-add) of one forward pass over `samples` samples,
    /// by stage: the matrix products only (norms, activations and softmax are comparatively free).
    public func flops(samples: Int) -> (featureEncoder: Double, positionalConv: Double, encoderLayers: Double) {
        var encoder = 0.0, length = samples, inChannels = 1
        for (channels, (kernel, stride)) in zip(convDim, zip(convKernel, convStride)) {
            guard length >= kernel else { return (0, 0, 0) }
            length = (length - kernel) / stride + 1
            encoder += 2 * Double(length) * Double(channels) * Double(inChannels) * Double(kernel)
            inChannels = channels
        }
        let t = Double(length), h = Double(hiddenSize)
        encoder += 2 * t * Double(inChannels) * h
        let positional = 2 * t * h * (h / Double(numConvPosEmbeddingGroups)) * Double(numConvPosEmbeddings)
        let perLayer = 2 * t * h * h * 4 + 2 * 2 * t * t * h + 2 * 2 * t * h * Double(intermediateSize)
        return (encoder, positional, perLayer * Double(numHiddenLayers))
    }

    /// The shortest input that gives one frame (400 samples for the standard convs); `Int.max`
    /// when that overflows (a config `validate()` refuses).
    public var minimumSamples: Int {
        var samples = 1
        for (kernel, stride) in zip(convKernel, convStride).reversed() {
            let (scaled, overflow) = (samples - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = scaled.addingReportingOverflow(kernel)
            guard !overflow, !overflow2, kernel > 0, stride > 0 else { return .max }
            samples = sum
        }
        return samples
    }
}

/// The ranges `Wav2Vec2Config.validate()` accepts: far beyond every released checkpoint (base
/// H=768, large H=1024, 7 convs of 512 channels, 24 layers), and small enough that every buffer
/// size computed from them fits in 64 bits.
public enum Wav2Vec2ConfigLimits {
    /// `hidden_size`.
    public static let hiddenSize = 1...8192
    /// `num_hidden_layers`.
    public static let hiddenLayers = 1...128
    /// `intermediate_size`.
    public static let intermediateSize = 1...65_536
    /// Number of feature-encoder convs (length of `conv_dim`, `conv_kernel`, `conv_stride`).
    public static let convLayers = 1...16
    /// Each `conv_dim` entry.
    public static let convDim = 1...8192
    /// Each `conv_kernel` entry.
    public static let convKernel = 1...1024
    /// Each `conv_stride` entry.
    public static let convStride = 1...1024
    /// Input samples one output frame may need (`minimumSamples`; 400 for the standard convs).
    public static let receptiveField = 1_000_000
    /// `num_conv_pos_embeddings`.
    public static let positionalKernel = 1...1024
    /// `classifier_proj_size`.
    public static let projectorSize = 1...8192
    /// Number of labels in `id2label`.
    public static let labels = 1...10_000
}

/// The fields of `preprocessor_config.json` (`Wav2Vec2FeatureExtractor`) that inference uses.
public struct Wav2Vec2PreprocessorConfig: Codable, Sendable, Equatable {
    /// Zero-mean, unit-variance normalisation per utterance (population variance, eps 1e-7).
    public var doNormalize: Bool
    /// Expected input rate.
    public var samplingRate: Int
    /// Channels per sample (must be 1).
    public var featureSize: Int

    enum CodingKeys: String, CodingKey {
        case doNormalize = "do_normalize", samplingRate = "sampling_rate", featureSize = "feature_size"
    }

    /// transformers' defaults.
    public init(doNormalize: Bool = true, samplingRate: Int = modelSampleRate, featureSize: Int = 1) {
        self.doNormalize = doNormalize
        self.samplingRate = samplingRate
        self.featureSize = featureSize
    }

    /// Decodes preprocessor_config.json; missing fields take transformers' defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? true
        samplingRate = try c.decodeIfPresent(Int.self, forKey: .samplingRate) ?? modelSampleRate
        featureSize = try c.decodeIfPresent(Int.self, forKey: .featureSize) ?? 1
    }

    /// The feature extractor's normalisation: `(x - mean) / sqrt(var + 1e-7)`, statistics in Double.
    public func preprocess(_ samples: [Float]) -> [Float] {
        guard doNormalize, !samples.isEmpty else { return samples }
        var sum = 0.0
        for x in samples { sum += Double(x) }
        let mean = sum / Double(samples.count)
        var squares = 0.0
        for x in samples { let d = Double(x) - mean; squares += d * d }
        let inverseStd = 1 / (squares / Double(samples.count) + 1e-7).squareRoot()
        return samples.map { Float((Double($0) - mean) * inverseStd) }
    }
}
