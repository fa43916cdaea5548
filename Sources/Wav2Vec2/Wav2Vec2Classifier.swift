// Wav2Vec2 / HuBERT audio classification, end to end: model folder in, logits and scores out.
// Reference: transformers 5.24 `modeling_wav2vec2.py`, `modeling_hubert.py`,
// `feature_extraction_wav2vec2.py`; what the checkpoints hold: Docs/Models.md.

import Foundation
import SafeTensors
import StrictJSON
import TensorKernels
import VoiceEmotionCore

/// Options for loading a classifier.
public struct Wav2Vec2Options: Sendable, Codable, Equatable {
    /// Activation of the legacy head between `classifier.dense` and its output layer. The public
    /// record does not say which one ehcalabres trained with; the community template and the
    /// audeering model use tanh (the default).
    public var legacyHeadActivation: HeadActivation = .tanh
    /// Most activation memory one `classify` call may take (bytes; default 2 GiB). Longer input
    /// is refused with `inputTooLong` before anything is allocated: attention needs T² floats per
    /// thread, so one pass over 10 minutes would need ~7 GB. `EmotionAnalyzer` windows long
    /// recordings instead (20 s windows need ~0.2 GB).
    public var memoryLimitBytes: Int = 2 << 30

    /// Default options.
    public init(legacyHeadActivation: HeadActivation = .tanh, memoryLimitBytes: Int = 2 << 30) {
        self.legacyHeadActivation = legacyHeadActivation
        self.memoryLimitBytes = memoryLimitBytes
    }
}

/// Seconds spent in each part of one forward pass.
public struct ForwardTimings: Sendable, Codable, Equatable {
    /// Preprocessing, convolutional feature encoder and feature projection.
    public var featureEncoderSeconds: Double = 0
    /// Positional conv embedding.
    public var positionalConvSeconds: Double = 0
    /// All transformer layers (and the encoder LayerNorms).
    public var encoderLayersSeconds: Double = 0
    /// Weighted layer sum, pooling and the head.
    public var headSeconds: Double = 0
}

/// Logits and scores of one utterance.
public struct ClassificationResult: Sendable, Codable, Equatable {
    /// Label names in index order (config id2label).
    public let labels: [String]
    /// Raw model outputs.
    public let logits: [Float]
    /// Softmax of the logits, or the logits themselves for regression models.
    public let scores: [Float]
    /// Whether the outputs are regression values (no softmax).
    public let isRegression: Bool
    /// Frames the encoder saw (50 per second at 16 kHz).
    public let frames: Int
    /// Time per part of the forward pass.
    public let timings: ForwardTimings

    /// The label with the highest score.
    public var topLabel: String { labels[scores.indices.max { scores[$0] < scores[$1] }!] }
}

/// A Wav2Vec2 or HuBERT audio classifier loaded from a hub-layout folder.
///
/// Immutable and `Sendable`: load once, share freely. Each `classify` call takes its own
/// activation buffers from a pool owned by the model and returns them when it ends, so
/// concurrent calls run in parallel safely and consecutive calls reuse memory instead of paying
/// page faults on fresh buffers (an idle model keeps about one call's scratch; see
/// `releaseCachedBuffers()`). The thread count is the process-wide `ComputeThreads` setting.
///
/// Activation memory of a call grows with the input length (`scratchBytes(samples:)`): the
/// feature encoder's first two conv outputs dominate, ~0.6 KB per input sample (~10 MB per second
/// of 16 kHz audio); the transformer needs ~0.5 MB per second plus T² floats of attention
/// scores per thread working on heads (T = 50 frames per second). 60 s of audio: ~0.6 GB.
/// Split long recordings into windows (`EmotionAnalyzer` uses windows of at most 20 s).
public struct Wav2Vec2Classifier: Sendable {
    /// The model folder.
    public let folder: String
    /// Parsed config.json.
    public let config: Wav2Vec2Config
    /// Parsed preprocessor_config.json.
    public let preprocessor: Wav2Vec2PreprocessorConfig
    /// The head found in the checkpoint.
    public var headKind: HeadKind { head.kind }
    /// Whether outputs are regression values: `problem_type == "regression"`, or every label is
    /// a dimension (arousal, dominance, valence), as for audeering's model.
    public let isRegression: Bool

    /// The options the model was loaded with.
    public let options: Wav2Vec2Options

    /// Where the weights live: F32 matrices are used in place from the mapped file (so the file
    /// must not be truncated or rewritten in place while the model is loaded; replace it by
    /// renaming a new file over it).
    public let weightMemory: WeightMemory

    let featureEncoder: FeatureEncoder
    /// Activation buffers of finished calls, reused by the next ones.
    let scratchPool = ScratchPool()
    let positional: PositionalConvEmbedding
    let encoderNorm: LayerNorm
    let layers: [EncoderLayer]
    let head: ClassificationHead

    /// Loads `folder` (config.json, preprocessor_config.json, model.safetensors). Strict: every
    /// tensor the config needs must be present with its shape and finite values, every tensor in
    /// the file must be used (masked_spec_embed aside), and an unidentifiable head is an error
    /// listing its tensors. A folder holding only `pytorch_model.bin` says how to convert it.
    public init(folder: String, options: Wav2Vec2Options = .init()) throws {
        guard options.memoryLimitBytes > 0 else {
            throw VoiceEmotionError.invalidOption(name: "memoryLimitBytes", value: "\(options.memoryLimitBytes)", reason: "must be a positive number of bytes")
        }
        warnOnceIfUnoptimized()
        let directory = URL(fileURLWithPath: folder)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { throw VoiceEmotionError.fileNotFound(path: folder) }
        guard isDirectory.boolValue else { throw VoiceEmotionError.unreadableFile(path: folder, reason: "not a folder (give the model folder)") }
        let configPath = directory.appendingPathComponent("config.json").path
        let preprocessorPath = directory.appendingPathComponent("preprocessor_config.json").path
        let weightsPath = directory.appendingPathComponent("model.safetensors").path
        let config: Wav2Vec2Config = try Self.decode(configPath)
        let preprocessor: Wav2Vec2PreprocessorConfig = try Self.decode(preprocessorPath)
        try config.validate(path: configPath)
        guard preprocessor.featureSize == 1 else {
            throw VoiceEmotionError.unsupportedConfig(path: preprocessorPath, field: "feature_size", value: "\(preprocessor.featureSize)")
        }
        guard preprocessor.samplingRate == modelSampleRate else {
            throw VoiceEmotionError.unsupportedConfig(path: preprocessorPath, field: "sampling_rate", value: "\(preprocessor.samplingRate)")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: weightsPath) } catch {
            if case .fileNotFound? = error as? VoiceEmotionError, let other = ["pytorch_model.bin", "model.pt", "model.ckpt"].first(where: {
                FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
            }) {
                throw VoiceEmotionError.unconvertedCheckpoint(path: weightsPath, found: other)
            }
            throw error
        }
        try self.init(folder: folder, config: config, preprocessor: preprocessor, reader: CheckpointReader(file: file), options: options)
    }

    /// Loads `folder` (a file URL).
    public init(folder: URL, options: Wav2Vec2Options = .init()) throws {
        try self.init(folder: folder.path, options: options)
    }

    /// Builds every component from `reader`: each names its own tensors under the model's scope.
    private init(folder: String, config: Wav2Vec2Config, preprocessor: Wav2Vec2PreprocessorConfig,
                 reader: CheckpointReader, options: Wav2Vec2Options) throws {
        let model = reader.root.scoped(config.modelType)  // "wav2vec2." or "hubert."
        model.ignore("masked_spec_embed")  // a training-only parameter
        head = try ClassificationHead(config: config, scope: reader.root, backbonePrefix: model.prefix, activation: options.legacyHeadActivation)
        featureEncoder = try FeatureEncoder(config: config, scope: model)
        positional = try PositionalConvEmbedding(config: config, scope: model)
        encoderNorm = try model.layerNorm("encoder.layer_norm", width: config.hiddenSize, epsilon: config.layerNormEps)
        var layers: [EncoderLayer] = []
        for n in 0..<config.numHiddenLayers {
            layers.append(try EncoderLayer(config: config, scope: model.scoped("encoder.layers.\(n)")))
        }
        self.layers = layers
        try reader.finish()
        weightMemory = WeightMemory(mappedBytes: reader.mappedBytes, copiedBytes: reader.copiedBytes)
        self.folder = folder
        self.options = options
        self.config = config
        self.preprocessor = preprocessor
        let dimensions: Set<String> = ["arousal", "dominance", "valence"]
        isRegression = config.problemType == "regression" || config.labels.allSatisfy { dimensions.contains($0.lowercased()) }
    }

    /// Every tensor (name, shape) a checkpoint of `config` with a projector + classifier head
    /// holds (weight norm stored as g and v), in the order the loader reads them: the list a
    /// random-weight model for benchmarks is written from, so it can never drift from the loader.
    package static func tensorShapes(_ config: Wav2Vec2Config) throws -> [(name: String, shape: [Int])] {
        try config.validate()
        let reader = CheckpointReader(recordingWithPresent: { name in
            !name.hasSuffix("pos_conv_embed.conv.weight") && !name.hasPrefix("classifier.dense") && !name.hasSuffix("masked_spec_embed")
        })
        _ = try Wav2Vec2Classifier(folder: "<recording>", config: config, preprocessor: .init(), reader: reader, options: .init())
        return reader.requested
    }

    /// A config file, strictly: a regular file, no duplicate keys, every field of its type.
    private static func decode<T: Decodable>(_ path: String) throws -> T {
        do { return try decodeJSONFile(T.self, path: path) } catch { throw configError(error, path: path) }
    }

    /// A config from bytes, as the loader decodes config files (the fuzz harness's entry point).
    package static func decodeConfig<T: Decodable>(_ type: T.Type, bytes: [UInt8], path: String) throws -> T {
        do { return try decodeJSON(T.self, bytes: bytes) } catch { throw configError(error, path: path) }
    }

    private static func configError(_ error: JSONFileError, path: String) -> VoiceEmotionError {
        switch error {
        case .file(.notFound): return .fileNotFound(path: path)
        case .file(let reason): return .unreadableFile(path: path, reason: reason.reason)
        default: return .invalidConfig(path: path, reason: error.reason)
        }
    }

    /// Label names in index order.
    public var labels: [String] { config.labels }

    /// Threads that work on attention heads at once, each with its own T × T scores.
    private var attentionParts: Int { min(BLAS.threadCount, config.numAttentionHeads) }

    /// Frees the activation buffers kept from finished calls (about `scratchBytes(samples:)` of
    /// the longest recent input); later calls allocate afresh. Safe to call at any time.
    public func releaseCachedBuffers() { scratchPool.drain() }

    /// Bytes of activation buffers currently kept for reuse.
    public var cachedBufferBytes: Int { scratchPool.idleCount * MemoryLayout<Float>.size }

    /// Bytes of activation memory one call needs for `samples` samples (the largest of the feature
    /// encoder's and the transformer's working sets; weights not included).
    /// `Int.max` for inputs far beyond any machine (more than 2^38 samples or 2^20 frames), so
    /// that the estimate itself cannot overflow.
    public func scratchBytes(samples: Int) -> Int {
        let t = config.frameCount(samples: max(0, samples)), h = config.hiddenSize
        // Config sizes are bounded by validate(); with these bounds every product below fits.
        guard samples <= 1 << 38, t <= 1 << 20 else { return .max }
        let encoder = featureEncoder.scratchCount(samples: samples)
        let transformer = (head.layerWeights == nil ? 1 : 2) * t * h
            + max(positional.scratchCount(frames: t), EncoderScratch.count(frames: t, hidden: h, intermediate: config.intermediateSize,
                                                                         parts: attentionParts))
        return 4 * (samples + t * h + max(encoder, transformer))
    }

    /// The longest input one `classify` call accepts under `options.memoryLimitBytes`.
    public var maximumSamples: Int {
        // scratchBytes grows with the length: the largest length within the limit, by bisection.
        var low = 0, high = 1 << 38
        while low < high {
            let middle = low + (high - low + 1) / 2
            if scratchBytes(samples: middle) <= options.memoryLimitBytes { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Classifies one utterance of 16 kHz mono samples (preprocessed here as the model's feature
    /// extractor does). Needs at least `config.minimumSamples` (400) samples and at most
    /// `maximumSamples` (the memory limit); NaN or infinite samples are refused, and so is a
    /// non-finite result (`nonFiniteOutput`) — never a label.
    public func classify(_ samples: [Float], sampleRate: Int = modelSampleRate) throws -> ClassificationResult {
        try classify(samples, sampleRate: sampleRate, shouldStop: nil)
    }

    /// `classify`, abandoned with `.cancelled` as soon as `shouldStop` says so (asked after the
    /// feature encoder and after each encoder layer): a live session stops an update this way
    /// when a finished segment is waiting for the model.
    package func classify(_ samples: [Float], sampleRate: Int = modelSampleRate, shouldStop: (() -> Bool)?) throws -> ClassificationResult {
        guard sampleRate == preprocessor.samplingRate else {
            throw VoiceEmotionError.unsupportedSampleRate(rate: sampleRate, supported: [preprocessor.samplingRate])
        }
        let frames = config.frameCount(samples: samples.count)
        guard frames > 0 else { throw VoiceEmotionError.inputTooShort(samples: samples.count, minimum: config.minimumSamples) }
        guard scratchBytes(samples: samples.count) <= options.memoryLimitBytes else {
            throw VoiceEmotionError.inputTooLong(samples: samples.count, maximumSamples: maximumSamples, limitBytes: options.memoryLimitBytes)
        }
        try samples.withUnsafeBufferPointer { (buffer) throws in
            try requireFiniteSamples(buffer, sampleRate: sampleRate, label: "<samples>")
        }
        var timings = ForwardTimings()
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        let input = preprocessor.preprocess(samples)
        let logits = try forward(input, frames: frames, shouldStop: shouldStop ?? { false }) { stage in
            switch stage {
            case 0: timings.featureEncoderSeconds = lap()
            case 1: timings.positionalConvSeconds = lap()
            case 2: timings.encoderLayersSeconds = lap()
            default: timings.headSeconds = lap()
            }
        }
        guard logits.allSatisfy(\.isFinite) else { throw VoiceEmotionError.nonFiniteOutput(stage: "logits") }
        let scores = isRegression ? logits : softmax(logits)
        return ClassificationResult(labels: labels, logits: logits, scores: scores, isRegression: isRegression,
                                    frames: frames, timings: timings)
    }

    /// The network on preprocessed samples; `stageDone(i)` is called after feature encoder (0),
    /// positional conv (1), encoder layers (2) and head (3).
    /// Throws `nonFiniteOutput` when the hidden states the head reads are not finite (a max
    /// pooling would otherwise hide a NaN).
    func forward(_ input: [Float], frames t: Int, shouldStop: () -> Bool = { false }, stageDone: (Int) -> Void) throws -> [Float] {
        let h = config.hiddenSize
        // Activation buffers come from the model's pool (see ScratchPool: fresh memory costs a
        // page fault per 4 KB) and go back to it at the end of the call.
        let hiddenBuffer = scratchPool.take(t * h)  // (T, H)
        let state = hiddenBuffer.pointer
        do {
            // The feature encoder's buffer (the largest of a call) is reused by the transformer.
            let scratch = scratchPool.take(featureEncoder.scratchCount(samples: input.count))
            let finished = withExtendedLifetime(scratch) {
                input.withUnsafeBufferPointer { x in
                    featureEncoder.encode(x.baseAddress!, count: x.count, output: state, scratch: scratch.pointer, shouldStop: shouldStop)
                }
            }
            scratchPool.give(scratch)
            if !finished {
                scratchPool.give(hiddenBuffer)
                throw VoiceEmotionError.cancelled
            }
        }
        stageDone(0)
        if shouldStop() {
            scratchPool.give(hiddenBuffer)
            throw VoiceEmotionError.cancelled
        }
        let weights = head.layerWeights
        let parts = attentionParts
        let scratchCount = max(positional.scratchCount(frames: t),
                               EncoderScratch.count(frames: t, hidden: h, intermediate: config.intermediateSize, parts: parts))
        // The largest first: the pool hands out the smallest idle buffer that fits.
        let scratch = scratchPool.take(scratchCount)
        let summedBuffer = scratchPool.take(weights == nil ? 0 : t * h)  // (T, H) weighted layer sum
        defer { scratchPool.give(hiddenBuffer, summedBuffer, scratch) }  // also keeps them alive until the end
        let sum = summedBuffer.pointer
        if weights != nil { sum.update(repeating: 0, count: t * h) }
        let base = scratch.pointer
        func accumulate(_ index: Int) {
            guard let weights else { return }
            let w = weights[index]
            for i in 0..<(t * h) { sum[i] += w * state[i] }
        }
        positional.addTo(state, frames: t, scratch: base)
        stageDone(1)
        if !config.doStableLayerNorm { encoderNorm.apply(input: state, rows: t, output: state) }
        // Hidden states of the weighted sum: the encoder input, then every layer's
        // output; for pre-LN models the last one after the final LayerNorm (as
        // transformers 4.x and the s3prl training code; transformers 5 takes it before).
        accumulate(0)
        let encoderScratch = EncoderScratch(base, frames: t, hidden: h, intermediate: config.intermediateSize, parts: parts)
        for (n, layer) in layers.enumerated() {
            if shouldStop() { throw VoiceEmotionError.cancelled }
            layer.apply(state, frames: t, scratch: encoderScratch)
            if n < layers.count - 1 { accumulate(n + 1) }
        }
        if config.doStableLayerNorm { encoderNorm.apply(input: state, rows: t, output: state) }
        accumulate(layers.count)
        stageDone(2)
        let headInput = weights == nil ? state : sum
        if firstNonFiniteIndex(headInput, count: t * h) != nil { throw VoiceEmotionError.nonFiniteOutput(stage: "hidden states") }
        let logits = head.logits(from: headInput, frames: t)
        stageDone(3)
        return logits
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

extension Wav2Vec2Classifier: EmotionModel {
    /// The fewest samples one call takes: one frame of the feature encoder.
    public var minimumSamples: Int { config.minimumSamples }

    /// The feature encoder's, the positional convolution's and the encoder layers' operations.
    public func estimatedFlops(samples: Int) -> Double {
        let flops = config.flops(samples: samples)
        return flops.featureEncoder + flops.positionalConv + flops.encoderLayers
    }

    /// `classify(samples, shouldStop:)`'s scores.
    public func scores(_ samples: [Float], shouldStop: (() -> Bool)?) throws -> [Float] {
        try classify(samples, sampleRate: modelSampleRate, shouldStop: shouldStop).scores
    }
}
