// The native Silero VAD against the official silero-vad 6.2.3 package (TorchScript model):
// per-chunk probabilities within 5e-6, identical segments for several parameter sets, identical
// streaming events. References: Fixtures/vad_reference.json, made by Fixtures/make_vad_fixtures.py.

import AudioInput
import Foundation
import SafeTensors
import SileroVAD
import VoiceEmotionCore
import Testing
import TestSupport

let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

struct Reference: Decodable {
    struct File: Decodable {
        let sample_rate: Int
        let length: Int
        let probabilities: [Double]
        let segments: [String: [[Int]]]
        let segments_seconds: [String: [[Double]]]
        let collect_chunks_length: Int
        let iterator_events: [[Event]]
    }
    enum Event: Decodable, Equatable {
        case kind(String), sample(Int)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) { self = .sample(value) } else { self = .kind(try container.decode(String.self)) }
        }
    }
    struct Parameters: Decodable {
        let threshold: Double?, neg_threshold: Double?, min_speech_duration_ms: Double?, min_silence_duration_ms: Double?
        let speech_pad_ms: Double?, max_speech_duration_s: Double?, use_max_poss_sil_at_max_speech: Bool?
        let min_silence_at_max_speech: Double?

        var options: SpeechTimestampOptions {
            var o = SpeechTimestampOptions()
            if let threshold { o.threshold = threshold }
            o.negativeThreshold = neg_threshold
            if let min_speech_duration_ms { o.minSpeechDurationMs = min_speech_duration_ms }
            if let min_silence_duration_ms { o.minSilenceDurationMs = min_silence_duration_ms }
            if let speech_pad_ms { o.speechPadMs = speech_pad_ms }
            if let max_speech_duration_s { o.maxSpeechDurationSeconds = max_speech_duration_s }
            if let use_max_poss_sil_at_max_speech { o.useMaxPossibleSilenceAtMaxSpeech = use_max_poss_sil_at_max_speech }
            if let min_silence_at_max_speech { o.minSilenceAtMaxSpeechMs = min_silence_at_max_speech }
            return o
        }
    }
    let files: [String: File]
    let parameter_sets: [String: Parameters]
}

let reference = try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("vad_reference.json")))
let fileNames = ["speech_16k.flac", "speech_8k.flac", "silence_16k.flac", "noise_16k.flac", "clipped_16k.flac"]
let detector = try! VoiceActivityDetector.bundled()

/// Per-chunk probabilities against the official TorchScript model, absolute. The summation order,
/// and so the last bits, follows OpenBLAS's kernel, which follows the CPU. Worst over these checks
/// per kernel (scripts/parity-kernels.sh, 2026-12-05): Prescott 4.71e-6, Nehalem 5.13e-6,
/// Sandybridge 5.30e-6, Haswell 4.59e-6, Zen 4.59e-6, SkylakeX 5.90e-6, Cooperlake 5.54e-6.
/// 1e-5 leaves 1.7x over the worst (a 5e-6 bound failed on SkylakeX and Cooperlake).
let probabilityBound = 1e-5

func loadFixture(_ name: String) throws -> MonoAudio {
    try AudioLoader.load(path: fixtures.appendingPathComponent(name).path)
}

@Suite struct ProbabilityParityTests {
    /// Every chunk within `probabilityBound` of the official TorchScript model.
    @Test(arguments: fileNames)
    func matchesOfficialModel(_ name: String) throws {
        let audio = try loadFixture(name)
        let expected = reference.files[name]!
        #expect(audio.sampleRate == expected.sample_rate && audio.samples.count == expected.length)
        let probabilities = try detector.speechProbabilities(audio.samples, sampleRate: audio.sampleRate)
        #expect(probabilities.count == expected.probabilities.count)
        var worst = 0.0
        for (ours, official) in zip(probabilities, expected.probabilities) { worst = max(worst, abs(Double(ours) - official)) }
        ParityLog.record("silero.probabilities.\(name)", worst: worst, bound: probabilityBound)
        #expect(worst <= probabilityBound, "\(name): max abs probability difference \(worst)")
    }

    /// The matrix STFT (the basis as stored) and the FFT both hold the tolerance.
    @Test(arguments: ["speech_16k.flac", "speech_8k.flac"])
    func matrixSTFTPathMatchesToo(_ name: String) throws {
        #expect(detector.usesFFT)
        let matrix = try VoiceActivityDetector(weightsPath: try #require(BundledPath.path), allowFFT: false)
        #expect(!matrix.usesFFT)
        let audio = try loadFixture(name)
        let probabilities = try matrix.speechProbabilities(audio.samples, sampleRate: audio.sampleRate)
        let worst = zip(probabilities, reference.files[name]!.probabilities).reduce(0.0) { max($0, abs(Double($1.0) - $1.1)) }
        ParityLog.record("silero.matrix_stft.\(name)", worst: worst, bound: probabilityBound)
        #expect(probabilities.count == reference.files[name]!.probabilities.count && worst <= probabilityBound, "\(name): \(worst)")
    }

    @Test func sessionResetRepeatsExactly() throws {
        let audio = try loadFixture("speech_8k.flac")
        let session = try detector.makeSession(sampleRate: 8000)
        let chunks = stride(from: 0, to: 256 * 40, by: 256).map { Array(audio.samples[$0..<($0 + 256)]) }
        let first = try chunks.map { try session.probability(of: $0) }
        session.reset()
        let second = try chunks.map { try session.probability(of: $0) }
        #expect(first == second)
        let official = reference.files["speech_8k.flac"]!.probabilities.prefix(40)
        let worst = zip(first, official).reduce(0.0) { max($0, abs(Double($1.0) - $1.1)) }
        ParityLog.record("silero.session.speech_8k.flac", worst: worst, bound: probabilityBound)
        #expect(worst <= probabilityBound)
    }
}

@Suite struct SegmentationParityTests {
    static let sets = ["default", "tuned", "split", "split_legacy"]

    /// Identical segments in samples and in seconds (return_seconds=True, time_resolution 1).
    @Test(arguments: fileNames, sets)
    func identicalToOfficial(_ name: String, _ set: String) throws {
        let audio = try loadFixture(name)
        let expected = reference.files[name]!
        let options = reference.parameter_sets[set]!.options
        let result = try detector.analyze(audio.samples, sampleRate: audio.sampleRate, options: options)
        #expect(result.sampleRate == expected.sample_rate)
        #expect(result.segments.map { [$0.start, $0.end] } == expected.segments[set]!, "\(name) / \(set)")
        let seconds = result.segments.map { s -> [Double] in
            let pair = s.officialSeconds(resolution: 1, audioLength: result.audioLength)
            return [pair.start, pair.end]
        }
        #expect(seconds == expected.segments_seconds[set]!, "\(name) / \(set) in seconds")
    }

    @Test func splitSetsReallySplit() {
        // The max-speech parameter sets must exercise the splitting code: more segments than default.
        let speech = reference.files["speech_16k.flac"]!
        #expect(speech.segments["split"]!.count > speech.segments["default"]!.count)
        #expect(speech.segments["split_legacy"]!.count > speech.segments["default"]!.count)
    }

    @Test(arguments: fileNames)
    func collectChunksLength(_ name: String) throws {
        let audio = try loadFixture(name)
        let result = try detector.analyze(audio.samples, sampleRate: audio.sampleRate)
        #expect(collectSpeech(result.segments, from: audio.samples).count == reference.files[name]!.collect_chunks_length)
    }

    /// The detector takes 8 and 16 kHz samples only; resampling is the caller's (EmotionAnalyzer does it).
    @Test func otherRatesAreRefused() throws {
        #expect(throws: VoiceEmotionError.unsupportedSampleRate(rate: 44100, supported: [8000, 16000])) {
            try detector.analyze([Float](repeating: 0, count: 4410), sampleRate: 44100)
        }
    }
}

@Suite struct StreamingParityTests {
    /// Start/end events identical to the official VADIterator fed whole chunks, whatever the push sizes.
    @Test(arguments: fileNames, [0, 1, 2])
    func eventsMatchVADIterator(_ name: String, _ pattern: Int) throws {
        let audio = try loadFixture(name)
        let expected: [VoiceEvent] = reference.files[name]!.iterator_events.map { pair in
            guard case .kind(let kind) = pair[0], case .sample(let sample) = pair[1] else { fatalError("bad fixture") }
            return kind == "start" ? .start(sample: sample) : .end(sample: sample)
        }
        let stream = try StreamingVoiceDetector(detector: detector, sampleRate: audio.sampleRate)
        var events: [VoiceEvent] = []
        let sizes = [[512], [1, 100, 4000, 37, 512, 9999], [160]][pattern]  // whole chunks, ragged, 10 ms frames
        var offset = 0
        var i = 0
        while offset < audio.samples.count {
            let size = min(sizes[i % sizes.count], audio.samples.count - offset)
            events += try stream.push(Array(audio.samples[offset..<(offset + size)]))
            offset += size
            i += 1
        }
        #expect(events == expected)
        stream.reset()
        #expect(!stream.isSpeaking)
        #expect(try stream.push(Array(audio.samples)) == expected)
    }
}

@Suite struct ProbabilityStreamTests {
    /// Audio fed in blocks of any size (a file being decoded) gives bit-identical probabilities to
    /// the whole array, across several slices of chunks and with a partial last chunk.
    @Test func blocksOfAnySizeMatchTheWholeArray() throws {
        let speech = try loadFixture("speech_16k.flac").samples
        let audio = speech + speech.prefix(40_001)  // > one 2048-chunk slice, ragged end
        let expected = try detector.speechProbabilities(audio, sampleRate: 16000)
        #expect(expected.count == (audio.count + 511) / 512)
        var generator = SplitMix64(seed: 20261127)
        for _ in 0..<3 {
            let stream = try SpeechProbabilityStream(detector: detector, sampleRate: 16000)
            var offset = 0
            try audio.withUnsafeBufferPointer { buffer in
                while offset < buffer.count {
                    let n = min(Int.random(in: 1...70_000, using: &generator), buffer.count - offset)
                    try stream.append(UnsafeBufferPointer(rebasing: buffer[offset..<(offset + n)]))
                    offset += n
                }
            }
            #expect(stream.sampleCount == audio.count)
            #expect(stream.finish() == expected)
        }
    }
}

@Suite struct ValidationTests {
    @Test func invalidOptionsAreTypedErrors() {
        var o = SpeechTimestampOptions()
        o.threshold = 1.5
        #expect(throws: VoiceEmotionError.invalidOption(name: "threshold", value: "1.5", reason: "must be within 0...1")) { try o.validate() }
        o = SpeechTimestampOptions()
        o.negativeThreshold = 0.7
        #expect(throws: VoiceEmotionError.invalidOption(name: "negativeThreshold", value: "0.7", reason: "must not exceed the threshold 0.5")) {
            try o.validate()
        }
        let duration = "must be a duration from 0 to 86400000 ms (a day)"
        o = SpeechTimestampOptions()
        o.minSilenceDurationMs = -1
        #expect(throws: VoiceEmotionError.invalidOption(name: "minSilenceDurationMs", value: "-1.0", reason: duration)) { try o.validate() }
        o = SpeechTimestampOptions()
        o.speechPadMs = -30
        #expect(throws: VoiceEmotionError.invalidOption(name: "speechPadMs", value: "-30.0", reason: duration)) { try o.validate() }
        o = SpeechTimestampOptions()
        o.maxSpeechDurationSeconds = 0
        let maxSpeech = VoiceEmotionError.invalidOption(name: "maxSpeechDurationSeconds", value: "0.0", reason: "must be > 0 (infinity for no limit)")
        #expect(throws: maxSpeech) { try o.validate() }
        #expect(throws: maxSpeech) { try detector.analyze([0, 0, 0], sampleRate: 16000, options: o) }
        var s = StreamingOptions()
        s.threshold = -0.1
        #expect(throws: VoiceEmotionError.invalidOption(name: "threshold", value: "-0.1", reason: "must be within 0...1")) {
            try StreamingVoiceDetector(detector: detector, sampleRate: 16000, options: s)
        }
    }

    @Test func unsupportedRatesAndChunkSizes() throws {
        #expect(throws: VoiceEmotionError.unsupportedSampleRate(rate: 44100, supported: [8000, 16000])) { try detector.makeSession(sampleRate: 44100) }
        #expect(throws: VoiceEmotionError.unsupportedSampleRate(rate: 0, supported: [8000, 16000])) { try detector.analyze([0.1], sampleRate: 0) }
        #expect(throws: VoiceEmotionError.unsupportedSampleRate(rate: 22050, supported: [8000, 16000])) {
            try speechSegments(probabilities: [], sampleRate: 22050, audioLength: 0)
        }
        let session = try detector.makeSession(sampleRate: 16000)
        #expect(throws: VoiceEmotionError.chunkSizeMismatch(expected: 512, found: 100)) { try session.probability(of: [Float](repeating: 0, count: 100)) }
    }

    @Test func emptyAudioHasNoSpeech() throws {
        let result = try detector.analyze([], sampleRate: 16000)
        #expect(result.probabilities.isEmpty && result.segments.isEmpty && result.speechSeconds == 0)
    }

    @Test func bundledWeightsCarryProvenance() {
        #expect(detector.metadata["source"]?.contains("silero-vad 6.2.3") == true)
        #expect(detector.metadata["license"]?.hasPrefix("MIT") == true)
    }
}

@Suite struct StrictLoadingTests {
    /// The bundled file, rewritten with one change.
    func variant(_ change: (inout [String: ([Int], [Float])]) -> Void) throws -> String {
        let source = try SafeTensorsFile(path: try #require(BundledPath.path))
        var tensors: [String: ([Int], [Float])] = [:]
        for name in source.tensorNames { tensors[name] = (try source.info(name).shape, try source.floats(name)) }
        change(&tensors)
        var writer = SafeTensorsWriter()
        for name in tensors.keys.sorted() { writer.add(name, shape: tensors[name]!.0, values: tensors[name]!.1) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vad-\(UUID()).safetensors").path
        try writer.write(to: path)
        return path
    }

    @Test func missingExtraAndMisshapenTensorsAreNamed() throws {
        let missing = try variant { $0["8k.decoder.rnn.bias_hh"] = nil }
        #expect(throws: VoiceEmotionError.missingTensor(path: missing, name: "8k.decoder.rnn.bias_hh")) { try VoiceActivityDetector(weightsPath: missing) }
        let extra = try variant { $0["16k.decoder.extra"] = ([1], [0]) }
        #expect(throws: VoiceEmotionError.unexpectedTensors(path: extra, names: ["16k.decoder.extra"])) { try VoiceActivityDetector(weightsPath: extra) }
        let misshapen = try variant { $0["16k.encoder.2.reparam_conv.bias"] = ([32], [Float](repeating: 0, count: 32)) }
        #expect(throws: VoiceEmotionError.shapeMismatch(path: misshapen, name: "16k.encoder.2.reparam_conv.bias", expected: [64], found: [32])) {
            try VoiceActivityDetector(weightsPath: misshapen)
        }
        let nan = try variant { $0["16k.decoder.rnn.weight_hh"]!.1[5] = .nan }
        #expect(throws: VoiceEmotionError.invalidWeightValues(path: nan, name: "16k.decoder.rnn.weight_hh", reason: "holds nan at element 5 (weights must be finite)")) {
            try VoiceActivityDetector(weightsPath: nan)
        }
        for path in [missing, extra, misshapen, nan] { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: VoiceEmotionError.fileNotFound(path: "/no/such/weights.safetensors")) { try VoiceActivityDetector(weightsPath: "/no/such/weights.safetensors") }
    }
}

import SileroVADWeights
enum BundledPath { static var path: String? { BundledSileroWeights.locate() } }

@Suite struct HostileVADInputTests {
    /// A NaN would poison the LSTM state and every probability after it: refused, with its time.
    @Test func nonFiniteSamplesAreRefused() throws {
        let stream = try StreamingVoiceDetector(detector: detector, sampleRate: 16000)
        _ = try stream.push([Float](repeating: 0, count: 1000))
        var block = [Float](repeating: 0, count: 600)
        block[100] = .nan
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<stream>", seconds: 1100.0 / 16000)) { try stream.push(block) }
        var samples = [Float](repeating: 0, count: 20_000)
        samples[16_000] = -.infinity
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<samples>", seconds: 1)) { try detector.analyze(samples, sampleRate: 16000) }
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<samples>", seconds: 2)) { try detector.analyze(Array(samples.prefix(16_001)), sampleRate: 8000) }
    }

    /// A finite but huge padding trapped converting the end sample to Int.
    @Test func hugeDurationsAreOutOfRange() {
        var options = StreamingOptions()
        options.speechPadMs = 1e300
        #expect(throws: VoiceEmotionError.invalidOption(name: "speechPadMs", value: "1e+300", reason: "must be a duration from 0 to 86400000 ms (a day)")) {
            try StreamingVoiceDetector(detector: detector, sampleRate: 16000, options: options)
        }
    }
}
