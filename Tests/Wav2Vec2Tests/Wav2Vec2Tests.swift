// Wav2Vec2 / HuBERT classifiers against PyTorch transformers 5.24: logits within 1e-6 on every
// fixture variant and clip (Fixtures/make_wav2vec2_fixtures.py), plus strict loading and errors.

import Foundation
import SafeTensors
import TensorKernels
import Testing
import TestSupport
import VoiceEmotionCore
import Wav2Vec2

let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
let clips = try! SafeTensorsFile(path: fixtures.appendingPathComponent("clips.safetensors").path)
let reference = try! SafeTensorsFile(path: fixtures.appendingPathComponent("reference.safetensors").path)
let variants = ["base_weighted", "large_stable_f16", "legacy_xlsr", "legacy_regression", "hubert_weighted"]
let clipNames = ["clip0", "clip1", "clip2"]

func folder(_ variant: String) -> String { fixtures.appendingPathComponent(variant).path }

/// A writable copy of a fixture folder, for tests that break one file.
func copyOf(_ variant: String) throws -> URL {
    let destination = FileManager.default.temporaryDirectory.appendingPathComponent("w2v-\(UUID())")
    try FileManager.default.copyItem(at: fixtures.appendingPathComponent(variant), to: destination)
    return destination
}

/// A copy of a fixture folder whose model.safetensors is rewritten with `change` applied.
func broken(_ variant: String, _ change: (inout [String: ([Int], [Float])]) -> Void) throws -> URL {
    let copy = try copyOf(variant)
    let path = copy.appendingPathComponent("model.safetensors").path
    let file = try SafeTensorsFile(path: path)
    var tensors: [String: ([Int], [Float])] = [:]
    for name in file.tensorNames { tensors[name] = (try file.info(name).shape, try file.floats(name)) }
    change(&tensors)
    var writer = SafeTensorsWriter()
    for name in tensors.keys.sorted() { writer.add(name, shape: tensors[name]!.0, values: tensors[name]!.1) }
    try writer.write(to: path)
    return copy
}

/// Logits against PyTorch transformers, absolute. Worst over the variants per OpenBLAS kernel
/// (scripts/parity-kernels.sh, 2026-12-05; always legacy_xlsr): Prescott 2.68e-7, Nehalem,
/// Sandybridge, SkylakeX and Cooperlake 3.28e-7, Haswell and Zen 4.17e-7. 1e-6 leaves 2.4x.
let logitBound: Float = 1e-6

@Suite struct LogitParityTests {
    @Test(arguments: variants, clipNames)
    func logitsMatchPyTorch(_ variant: String, _ clip: String) throws {
        let model = try Wav2Vec2Classifier(folder: folder(variant))
        let samples = try clips.floats(clip)
        let result = try model.classify(samples)
        let expected = try reference.floats("\(variant).\(clip)")
        #expect(result.logits.count == expected.count)
        let worst = zip(result.logits, expected).map { abs($0 - $1) }.max() ?? .infinity
        ParityLog.record("wav2vec2.logits.\(variant).\(clip)", worst: Double(worst), bound: Double(logitBound))
        #expect(worst <= logitBound, "\(variant) \(clip): max abs logit difference \(worst)")
        #expect(result.frames == model.config.frameCount(samples: samples.count))
    }

    @Test func headsAndOutputsAreIdentified() throws {
        let legacy = try Wav2Vec2Classifier(folder: folder("legacy_xlsr"))
        #expect(legacy.headKind == .legacyDense && !legacy.isRegression)
        #expect(legacy.labels == ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"])
        let regression = try Wav2Vec2Classifier(folder: folder("legacy_regression"))
        let result = try regression.classify(try clips.floats("clip0"))
        #expect(regression.isRegression && result.scores == result.logits)
        let superb = try Wav2Vec2Classifier(folder: folder("base_weighted"))
        let scores = try superb.classify(try clips.floats("clip1")).scores
        #expect(superb.headKind == .projectorClassifier && abs(scores.reduce(0, +) - 1) < 1e-5)
        #expect(try Wav2Vec2Classifier(folder: folder("hubert_weighted")).config.modelType == "hubert")
    }

    /// The legacy head's activation is overridable; a different one changes the logits.
    @Test func legacyActivationOverride() throws {
        let samples = try clips.floats("clip0")
        let tanh = try Wav2Vec2Classifier(folder: folder("legacy_xlsr")).classify(samples).logits
        let relu = try Wav2Vec2Classifier(folder: folder("legacy_xlsr"), options: .init(legacyHeadActivation: .relu)).classify(samples).logits
        #expect(tanh != relu)
    }
}

@Suite struct StrictLoadingTests {
    @Test func missingTensorIsNamed() throws {
        let name = "wav2vec2.encoder.layers.1.feed_forward.output_dense.bias"
        let copy = try broken("base_weighted") { $0[name] = nil }
        defer { try? FileManager.default.removeItem(at: copy) }
        #expect(throws: VoiceEmotionError.missingTensor(path: copy.appendingPathComponent("model.safetensors").path, name: name)) {
            try Wav2Vec2Classifier(folder: copy.path)
        }
    }

    @Test func misshapenTensorIsNamed() throws {
        let name = "wav2vec2.feature_projection.projection.weight"
        let copy = try broken("base_weighted") { $0[name] = ([16, 32], [Float](repeating: 0, count: 512)) }
        defer { try? FileManager.default.removeItem(at: copy) }
        #expect(throws: VoiceEmotionError.shapeMismatch(path: copy.appendingPathComponent("model.safetensors").path, name: name, expected: [32, 16], found: [16, 32])) {
            try Wav2Vec2Classifier(folder: copy.path)
        }
    }

    @Test func unusedTensorIsAnError() throws {
        let copy = try broken("legacy_xlsr") { $0["wav2vec2.encoder.layers.9.extra"] = ([2], [1, 2]) }
        defer { try? FileManager.default.removeItem(at: copy) }
        #expect(throws: VoiceEmotionError.unexpectedTensors(path: copy.appendingPathComponent("model.safetensors").path, names: ["wav2vec2.encoder.layers.9.extra"])) {
            try Wav2Vec2Classifier(folder: copy.path)
        }
    }

    /// Never a random head: a checkpoint without a known head lists the keys it has.
    @Test func unknownHeadListsKeys() throws {
        let copy = try broken("legacy_xlsr") { t in
            t["classifier.final.weight"] = t.removeValue(forKey: "classifier.output.weight")
            t["classifier.final.bias"] = t.removeValue(forKey: "classifier.output.bias")
        }
        defer { try? FileManager.default.removeItem(at: copy) }
        #expect {
            try Wav2Vec2Classifier(folder: copy.path)
        } throws: { error in
            guard case .unknownHead(_, let keys) = error as? VoiceEmotionError else { return false }
            return keys.contains("classifier.final.weight") && keys.contains("classifier.dense.weight")
        }
    }

    @Test func unsupportedConfigIsAnError() throws {
        for (field, value) in [("hidden_act", "\"relu\""), ("feat_extract_norm", "\"batch\""), ("add_adapter", "true"), ("model_type", "\"wavlm\"")] {
            let copy = try copyOf("base_weighted")
            defer { try? FileManager.default.removeItem(at: copy) }
            let configURL = copy.appendingPathComponent("config.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
            json[field] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
            try JSONSerialization.data(withJSONObject: json).write(to: configURL)
            #expect {
                try Wav2Vec2Classifier(folder: copy.path)
            } throws: { error in
                guard case .unsupportedConfig(_, field, _) = error as? VoiceEmotionError else { return false }
                return true
            }
        }
    }

    @Test func missingFolderFilesAndBadJSON() throws {
        #expect(throws: VoiceEmotionError.fileNotFound(path: "/no/such/model")) { try Wav2Vec2Classifier(folder: "/no/such/model") }
        let copy = try copyOf("base_weighted")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.removeItem(at: copy.appendingPathComponent("model.safetensors"))
        #expect(throws: VoiceEmotionError.fileNotFound(path: copy.appendingPathComponent("model.safetensors").path)) { try Wav2Vec2Classifier(folder: copy.path) }
        try "{ not json".write(to: copy.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect {
            try Wav2Vec2Classifier(folder: copy.path)
        } throws: { error in
            guard case .invalidConfig(let path, _) = error as? VoiceEmotionError else { return false }
            return path.hasSuffix("config.json")
        }
    }
}

@Suite struct InputTests {
    @Test func tooShortAndWrongRate() throws {
        let model = try Wav2Vec2Classifier(folder: folder("base_weighted"))
        #expect(model.config.minimumSamples == 400)
        #expect(throws: VoiceEmotionError.inputTooShort(samples: 399, minimum: 400)) { try model.classify([Float](repeating: 0.1, count: 399)) }
        #expect(throws: VoiceEmotionError.inputTooShort(samples: 0, minimum: 400)) { try model.classify([]) }
        #expect(throws: VoiceEmotionError.unsupportedSampleRate(rate: 8000, supported: [16000])) { try model.classify([Float](repeating: 0, count: 800), sampleRate: 8000) }
        #expect(try model.classify([Float](repeating: 0.1, count: 400)).frames == 1)
    }

    @Test func silenceGivesFiniteScores() throws {
        // Zeros: do_normalize divides by sqrt(0 + 1e-7), never by zero.
        let result = try Wav2Vec2Classifier(folder: folder("legacy_xlsr")).classify([Float](repeating: 0, count: 16000))
        #expect(result.scores.allSatisfy(\.isFinite) && result.frames == 49)
    }

    @Test func frameCounts() {
        let config = Wav2Vec2Config()
        #expect(config.frameCount(samples: 16000) == 49 && config.frameCount(samples: 400) == 1 && config.frameCount(samples: 399) == 0)
    }
}

@Suite struct MemoryTests {
    /// Activation buffers are reused across calls (their contents left over from another input)
    /// and by concurrent calls: results are bit-identical to a fresh model's, whatever ran before.
    @Test func reusedBuffersGiveIdenticalResults() throws {
        let clipsData = try clipNames.map { try clips.floats($0) }
        let fresh = try clipsData.map { try Wav2Vec2Classifier(folder: folder("base_weighted")).classify($0).logits }
        let model = try Wav2Vec2Classifier(folder: folder("base_weighted"))
        #expect(model.cachedBufferBytes == 0)
        for round in 0..<2 {
            for index in [2, 0, 1] {
                #expect(try model.classify(clipsData[index]).logits == fresh[index], "round \(round) clip \(index)")
            }
        }
        #expect(model.cachedBufferBytes > 0)
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            results.set(i, (try? model.classify(clipsData[i % 3]).logits) ?? [])
        }
        for i in 0..<6 { #expect(results.get(i) == fresh[i % 3], "concurrent call \(i)") }
        model.releaseCachedBuffers()
        #expect(model.cachedBufferBytes == 0)
        #expect(try model.classify(clipsData[0]).logits == fresh[0])
    }

    /// F32 checkpoints: every matrix of the encoder layers, projection and head is read in place
    /// from the mapped file; only conv kernels, norms and biases are copied. F16: all copied.
    @Test func f32MatricesAreMappedNotCopied() throws {
        let path = folder("base_weighted")
        let file = try SafeTensorsFile(path: path + "/model.safetensors")
        let matrices = file.tensorNames.filter { name in
            let info = file.tensors[name]!
            return info.shape.count == 2 && name.hasSuffix(".weight") && info.dtype == .float32
        }
        let matrixBytes = matrices.map { file.tensors[$0]!.byteRange.count }.reduce(0, +)
        #expect(matrices.count >= 6 * 2 + 3, "fixture should have per-layer matrices: \(matrices)")
        let model = try Wav2Vec2Classifier(folder: path)
        #expect(model.weightMemory.mappedBytes == matrixBytes)
        #expect(model.weightMemory.copiedBytes > 0)
        let half = try Wav2Vec2Classifier(folder: folder("large_stable_f16"))
        #expect(half.weightMemory.mappedBytes == 0 && half.weightMemory.copiedBytes > 0)
    }

    /// The documented growth: linear in the length (the convs' buffers, ~10 MB per second for
    /// 512 channels) plus one T × T attention-score matrix per thread working on heads.
    @Test func scratchGrowsLinearlyWithLength() throws {
        let model = try Wav2Vec2Classifier(folder: folder("legacy_xlsr"))  // 16 conv channels
        let tenSeconds = model.scratchBytes(samples: 160_000), twentySeconds = model.scratchBytes(samples: 320_000)
        let parts = min(BLAS.threadCount, model.config.numAttentionHeads)
        let (t10, t20) = (model.config.frameCount(samples: 160_000), model.config.frameCount(samples: 320_000))
        let quadratic = 4 * parts * (t20 * t20 - 2 * t10 * t10)  // what doubling adds beyond linear growth
        #expect(twentySeconds > tenSeconds)
        #expect(twentySeconds - 2 * tenSeconds <= quadratic, "growth beyond linear exceeds the scores' T² term")
        // One minute through the small fixture model runs (the call must handle >= 60 s).
        let minute = (0..<960_000).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        #expect(try model.classify(minute).frames == 2999)
    }
}

/// Results written from concurrent calls.
final class LockedResults: @unchecked Sendable {
    private var values: [Int: [Float]] = [:]
    private let lock = NSLock()
    func set(_ index: Int, _ value: [Float]) { lock.lock(); values[index] = value; lock.unlock() }
    func get(_ index: Int) -> [Float]? { lock.lock(); defer { lock.unlock() }; return values[index] }
}
