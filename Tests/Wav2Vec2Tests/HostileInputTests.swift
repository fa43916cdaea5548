// Hostile and absurd model folders and inputs, one test per class of failure a probe found:
// traps from overflowing sizes, hangs on FIFOs, unbounded memory, silent NaN results and
// misleading messages. Each asserts the exact typed error.

import Foundation
import SafeTensors
import Testing
import VoiceEmotionCore
import Wav2Vec2

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// A copy of a fixture folder whose config.json has `field` set to a raw JSON literal (so
/// values JSONSerialization would not write, like 32.5 for an integer or 2^64, can be tested).
func configured(_ variant: String, _ field: String, _ literal: String) throws -> URL {
    let copy = try copyOf(variant)
    let url = copy.appendingPathComponent("config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    json[field] = nil
    let rest = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    try ("{\"\(field)\": \(literal), " + rest.dropFirst()).write(to: url, atomically: true, encoding: .utf8)
    return copy
}

/// Loading `folder` throws exactly `expected`.
func expectLoad(_ folder: URL, throws expected: VoiceEmotionError, sourceLocation: SourceLocation = #_sourceLocation) {
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(throws: expected, sourceLocation: sourceLocation) { try Wav2Vec2Classifier(folder: folder.path) }
}

/// Loading a copy of the fixture with `field` set to `literal` throws `configValueOutOfRange`
/// naming its config.json, the field, the value and the allowed range.
func expectOutOfRange(_ field: String, _ literal: String, reportedAs reported: String? = nil, value: String, allowed: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
    let copy = try configured("base_weighted", field, literal)
    expectLoad(copy, throws: .configValueOutOfRange(path: copy.appendingPathComponent("config.json").path, field: reported ?? field,
                                                    value: value, allowed: allowed), sourceLocation: sourceLocation)
}

@Suite struct OverflowingConfigTests {
    /// Each of these trapped (exit 132/134) in an overflowing product before it was range-checked.
    @Test func sizesThatOverflowAreOutOfRange() throws {
        let big = "9223372036854775807"  // 2^63 - 1
        try expectOutOfRange("num_hidden_layers", big, value: big, allowed: "1...128")
        try expectOutOfRange("conv_stride", "[5, 2, 2, 2, 2, 2, \(big)]", reportedAs: "conv_stride[6]", value: big, allowed: "1...1024")
        try expectOutOfRange("conv_stride", "[1000000000000000000, 2, 2, 2, 2, 2, 2]", reportedAs: "conv_stride[0]",
                             value: "1000000000000000000", allowed: "1...1024")
        // Every entry in range, but together one frame would need 1024^7 samples.
        try expectOutOfRange("conv_stride", "[1024, 1024, 1024, 1024, 1024, 1024, 1024]", reportedAs: "conv_kernel/conv_stride",
                             value: "one frame needs 1154049605686528010 samples", allowed: "at most 1000000 samples per frame")
        try expectOutOfRange("hidden_size", "1000000", value: "1000000", allowed: "1...8192")
    }

    @Test func minimumSamplesSaturatesInsteadOfTrapping() {
        var config = Wav2Vec2Config()
        config.convStride = [Int](repeating: 1 << 40, count: 7)
        #expect(config.minimumSamples == .max)
        #expect(Wav2Vec2Config().minimumSamples == 400)
    }
}

@Suite(.timeLimit(.minutes(1))) struct NonRegularFileTests {
    /// A FIFO in place of the weights blocked `open` forever (it waits for a writer).
    @Test func fifoWeightsAreRefusedAtOnce() throws {
        let copy = try copyOf("base_weighted")
        defer { try? FileManager.default.removeItem(at: copy) }
        let weights = copy.appendingPathComponent("model.safetensors").path
        try FileManager.default.removeItem(atPath: weights)
        #expect(mkfifo(weights, 0o600) == 0)
        #expect(throws: VoiceEmotionError.unreadableFile(path: weights, reason: "not a regular file")) {
            try Wav2Vec2Classifier(folder: copy.path)
        }
    }

    /// A FIFO config blocked too; a link to /dev/zero was reported as "no such file".
    @Test func fifoAndDeviceConfigsAreRefused() throws {
        let copy = try copyOf("base_weighted")
        defer { try? FileManager.default.removeItem(at: copy) }
        let config = copy.appendingPathComponent("config.json").path
        try FileManager.default.removeItem(atPath: config)
        #expect(mkfifo(config, 0o600) == 0)
        #expect(throws: VoiceEmotionError.unreadableFile(path: config, reason: "not a regular file")) { try Wav2Vec2Classifier(folder: copy.path) }
        try FileManager.default.removeItem(atPath: config)
        try FileManager.default.createSymbolicLink(atPath: config, withDestinationPath: "/dev/zero")
        #expect(throws: VoiceEmotionError.unreadableFile(path: config, reason: "not a regular file")) { try Wav2Vec2Classifier(folder: copy.path) }
    }
}

@Suite struct MemoryBudgetTests {
    /// One pass over 30 minutes needed a 65 GB block (attention is T² per thread): refused before
    /// anything is allocated, with the longest input that fits.
    @Test func longInputIsRefusedBeforeAllocating() throws {
        let model = try Wav2Vec2Classifier(folder: folder("base_weighted"))
        let maximum = model.maximumSamples
        #expect(model.scratchBytes(samples: maximum) <= model.options.memoryLimitBytes)
        #expect(model.scratchBytes(samples: maximum + 1) > model.options.memoryLimitBytes)
        let samples = 30 * 60 * 16000
        #expect(throws: VoiceEmotionError.inputTooLong(samples: samples, maximumSamples: maximum, limitBytes: 2 << 30)) {
            try model.classify([Float](repeating: 0, count: samples))
        }
        #expect(model.scratchBytes(samples: 1 << 40) == .max)
    }

    /// `conv_stride` all 1 is a valid config that took 8 GB for 2 s of audio: it loads, and
    /// 2 s are refused by the limit.
    @Test func unstridedConvsAreRefusedByTheLimit() throws {
        let copy = try configured("base_weighted", "conv_stride", "[1, 1, 1, 1, 1, 1, 1]")
        defer { try? FileManager.default.removeItem(at: copy) }
        let model = try Wav2Vec2Classifier(folder: copy.path)
        #expect(model.maximumSamples < 32000)
        #expect(throws: VoiceEmotionError.inputTooLong(samples: 32000, maximumSamples: model.maximumSamples, limitBytes: 2 << 30)) {
            try model.classify([Float](repeating: 0.1, count: 32000))
        }
    }

    @Test func aLowerLimitIsHonoured() throws {
        let model = try Wav2Vec2Classifier(folder: folder("base_weighted"), options: .init(memoryLimitBytes: 1 << 20))
        let maximum = model.maximumSamples
        #expect(maximum > 400 && maximum < 1_000_000)
        #expect(try model.classify([Float](repeating: 0.1, count: maximum)).frames > 0)
        #expect(throws: VoiceEmotionError.inputTooLong(samples: maximum + 1, maximumSamples: maximum, limitBytes: 1 << 20)) {
            try model.classify([Float](repeating: 0.1, count: maximum + 1))
        }
    }
}

@Suite struct NonFiniteTests {
    let weights = "model.safetensors"

    /// NaN or infinite weights printed NaN logits as "top: neu"; now they fail at load, named.
    @Test func nonFiniteWeightsFailAtLoad() throws {
        let projection = "wav2vec2.feature_projection.projection.weight"  // read in place from the mapped file
        var copy = try broken("base_weighted") { $0[projection]!.1[7] = .nan }
        expectLoad(copy, throws: .invalidWeightValues(path: copy.appendingPathComponent(weights).path, name: projection,
                                                      reason: "holds nan at element 7 (weights must be finite)"))
        let firstConv = "wav2vec2.feature_extractor.conv_layers.0.conv.weight"  // copied and repacked
        copy = try broken("base_weighted") { $0[firstConv]!.1[3] = -.infinity }
        expectLoad(copy, throws: .invalidWeightValues(path: copy.appendingPathComponent(weights).path, name: firstConv,
                                                      reason: "holds -inf at element 3 (weights must be finite)"))
    }

    /// A weight-norm direction of zeros divided by a zero norm.
    @Test func zeroWeightNormDirectionIsNamed() throws {
        let v = "wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original1"
        let copy = try broken("base_weighted") { $0[v]!.1 = [Float](repeating: 0, count: $0[v]!.1.count) }
        expectLoad(copy, throws: .invalidWeightValues(path: copy.appendingPathComponent(weights).path, name: v,
                                                      reason: "gives a non-finite folded weight at kernel tap 0 (weight norm: g / ‖v‖ with ‖v‖ = 0.0)"))
    }

    /// Finite but huge weights overflow Float during the pass: an error, never a label.
    @Test func overflowingWeightsGiveAnErrorNotALabel() throws {
        let projection = "wav2vec2.feature_projection.projection.weight"
        let copy = try broken("base_weighted") { $0[projection]!.1 = [Float](repeating: 3e38, count: $0[projection]!.1.count) }
        defer { try? FileManager.default.removeItem(at: copy) }
        let model = try Wav2Vec2Classifier(folder: copy.path)
        #expect(throws: VoiceEmotionError.nonFiniteOutput(stage: "hidden states")) { try model.classify(try clips.floats("clip0")) }
    }

    @Test func nonFiniteSamplesAreRefused() throws {
        let model = try Wav2Vec2Classifier(folder: folder("base_weighted"))
        var samples = try clips.floats("clip0")
        samples[1234] = .nan
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<samples>", seconds: 1234.0 / 16000)) { try model.classify(samples) }
        samples[1234] = 0
        samples[99] = .infinity
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<samples>", seconds: 99.0 / 16000)) { try model.classify(samples) }
    }

    @Test func negativeEpsilonIsOutOfRange() throws {
        try expectOutOfRange("layer_norm_eps", "-1", value: "-1.0", allowed: "a number > 0 and <= 1")
    }
}

@Suite struct ConfigMessageTests {
    func invalid(_ folder: URL, _ reason: String) -> VoiceEmotionError {
        .invalidConfig(path: folder.appendingPathComponent("config.json").path, reason: reason)
    }

    /// Foundation reported these as "The given data was not valid JSON"; now the field and value.
    @Test func wrongTypesNameTheField() throws {
        var copy = try configured("base_weighted", "hidden_size", "32.5")
        expectLoad(copy, throws: invalid(copy, "hidden_size = 32.5: expected an integer"))
        copy = try configured("base_weighted", "hidden_size", "18446744073709551616")
        expectLoad(copy, throws: invalid(copy, "hidden_size = 1.8446744073709552e+19: expected a signed 64-bit integer"))
        copy = try configured("base_weighted", "layer_norm_eps", "1e300")
        expectLoad(copy, throws: invalid(copy, "layer_norm_eps = 1e+300: expected a number within the range of a 32-bit float (±3.4e38)"))
        copy = try configured("base_weighted", "conv_dim", "[16, 16, \"16\", 16, 16, 16, 16]")
        expectLoad(copy, throws: invalid(copy, "conv_dim[2] = \"16\": expected an integer"))
        copy = try configured("base_weighted", "do_stable_layer_norm", "1")
        expectLoad(copy, throws: invalid(copy, "do_stable_layer_norm = 1: expected true or false"))
    }

    /// JSONDecoder kept the last of two equal keys silently.
    @Test func duplicateKeysAreErrors() throws {
        let copy = try configured("base_weighted", "hidden_size", "32, \"hidden_size\": 64")
        expectLoad(copy, throws: invalid(copy, "duplicate key 'hidden_size'"))
    }

    /// `num_conv_pos_embeddings: 0` was reported as `num_conv_pos_embedding_groups`.
    @Test func eachFieldIsNamedForItself() throws {
        try expectOutOfRange("num_conv_pos_embeddings", "0", value: "0", allowed: "1...1024")
        try expectOutOfRange("num_conv_pos_embedding_groups", "5", value: "5", allowed: "a divisor of hidden_size 32")
        try expectOutOfRange("num_attention_heads", "0", value: "0", allowed: "1...32")
    }

    /// Unknown fields and nulls behave as with transformers: ignored, and defaults.
    @Test func unknownFieldsAndNullsAreAccepted() throws {
        let copy = try configured("base_weighted", "problem_type", "null")
        defer { try? FileManager.default.removeItem(at: copy) }
        let model = try Wav2Vec2Classifier(folder: copy.path)
        #expect(model.config.problemType == nil)
    }
}
