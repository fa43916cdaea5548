// EmotionAnalyzer end to end on the fixture audio and the small fixture models: segments are the
// VAD's, segment scores are the model's on the same samples, summaries follow their definitions.

import AudioInput  // floatWAVBytes (package); everything public comes with VoiceEmotion
import Foundation
import Testing
import VoiceEmotion

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func path(_ relative: String) -> String { repository.appendingPathComponent(relative).path }
let speechFile = path("Tests/SileroVADTests/Fixtures/clipped_16k.flac")
let silenceFile = path("Tests/SileroVADTests/Fixtures/silence_16k.flac")
let categoricalModel = path("Tests/Wav2Vec2Tests/Fixtures/base_weighted")
let dimensionalModel = path("Tests/Wav2Vec2Tests/Fixtures/legacy_regression")

@Suite struct EmotionLabelTests {
    @Test func knownLabelSetsAreTyped() {
        #expect(["neu", "hap", "ang", "sad"].map(Emotion.init(label:)) == [.neutral, .happy, .angry, .sad])
        let ehcalabres = ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"].map(Emotion.init(label:))
        #expect(ehcalabres == [.angry, .calm, .disgust, .fearful, .happy, .neutral, .sad, .surprised])
        #expect(Emotion(label: "bored") == .other("bored") && Emotion(label: "bored").name == "bored")
    }

    @Test func emotionEncodesAsItsName() throws {
        let data = try JSONEncoder().encode([Emotion.happy, .other("bored")])
        #expect(String(decoding: data, as: UTF8.self) == #"["happy","bored"]"#)
        #expect(try JSONDecoder().decode([Emotion].self, from: data) == [.happy, .other("bored")])
    }
}

@Suite struct StressTests {
    func scores(_ pairs: [(String, Double)]) -> [EmotionScore] {
        pairs.map { EmotionScore(label: $0.0, score: $0.1) }
    }

    /// The tutorial's formula: clamp(Σ weight × score, 0, 1).
    @Test func categoricalFormula() {
        let weights = StressWeights.standard
        #expect(weights.stress(scores([("angry", 1)])) == 0.8)
        #expect(weights.stress(scores([("happy", 1)])) == 0)  // -0.3 clamped
        #expect(abs(weights.stress(scores([("fearful", 0.5), ("sad", 0.3), ("happy", 0.2)])) - (0.5 + 0.15 - 0.06)) < 1e-12)
        #expect(weights.stress(scores([("fearful", 1), ("angry", 1)])) == 1)  // clamped
        #expect(abs(weights.stress(scores([("neu", 0.7), ("ang", 0.3)])) - (0.07 + 0.24)) < 1e-12)
        #expect(weights.stress(scores([("bored", 1)])) == 0)
        let custom = StressWeights(weights: [.sad: 1], otherWeight: 0.5)
        #expect(custom.stress(scores([("sad", 0.4), ("calm", 0.2)])) == 0.5)
    }

    @Test func dimensionalFormula() throws {
        let calm = try #require(EmotionDimensions(scores([("arousal", 0.2), ("dominance", 0.5), ("valence", 0.8)])))
        let agitated = try #require(EmotionDimensions(scores([("arousal", 0.9), ("dominance", 0.5), ("valence", 0.1)])))
        #expect(abs(StressWeights.stress(calm) - 0.2 * 0.2) < 1e-12)
        #expect(abs(StressWeights.stress(agitated) - 0.9 * 0.9) < 1e-12)
    }
}

@Suite struct AnalyzerTests {
    @Test func segmentsAreTheVADsAndScoresTheModels() throws {
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel)
        let result = try analyzer.analyzeBlocking(file: speechFile)
        let audio = try AudioLoader.load(path: speechFile, sampleRate: 16000)
        let vad = try VoiceActivityDetector.bundled().analyze(audio.samples, sampleRate: 16000)
        #expect(result.segments.map { $0.startSeconds } == vad.segments.map(\.startSeconds))
        #expect(result.segments.map { $0.endSeconds } == vad.segments.map(\.endSeconds))
        #expect(result.hasSpeech && abs(result.speechSeconds - vad.speechSeconds) < 1e-9)
        let model = try Wav2Vec2Classifier(folder: categoricalModel)
        for (segment, span) in zip(result.segments, vad.segments) {
            let direct = try model.classify(Array(audio.samples[span.start..<span.end]))
            #expect(segment.windows == 1)
            #expect(segment.scores.map(\.score) == direct.scores.map(Double.init))
            #expect(abs(segment.scores.reduce(0) { $0 + $1.score } - 1) < 1e-5)
            #expect(segment.stress == StressWeights.standard.stress(segment.scores))
        }
        // Recording scores: duration-weighted mean of the segments'.
        let total = result.segments.reduce(0) { $0 + $1.durationSeconds }
        for (i, score) in result.scores.enumerated() {
            let expected = result.segments.reduce(0) { $0 + $1.scores[i].score * $1.durationSeconds } / total
            #expect(abs(score.score - expected) < 1e-12)
        }
        #expect(result.dominant == result.scores.max { $0.score < $1.score }?.emotion)
        #expect(result.stress == StressWeights.standard.stress(result.scores))
        #expect(result.timings.totalSeconds >= result.timings.vadSeconds + result.timings.emotionSeconds)
        // JSON round trip: the model's label order and labels come back; values to the documented rounding.
        let decoded = try JSONDecoder().decode(RecordingAnalysis.self, from: JSONEncoder().encode(result))
        #expect(decoded.scores.map(\.label) == result.scores.map(\.label) && decoded.segments.count == result.segments.count)
        #expect(zip(decoded.scores, result.scores).allSatisfy { abs($0.score - $1.score) <= 5e-7 })
        #expect(decoded.segments.first?.scores.map(\.label) == result.segments.first?.scores.map(\.label))
        #expect(try JSONDecoder().decode(RecordingAnalysis.self, from: JSONEncoder().encode(decoded)) == decoded)
    }

    /// Long segments are cut into windows; the segment's scores are their length-weighted mean.
    @Test func longSegmentsAreSplitIntoWindows() throws {
        var options = EmotionAnalyzerOptions()
        options.maximumWindowSeconds = 1
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel, options: options)
        let result = try analyzer.analyzeBlocking(file: speechFile)
        let longest = try #require(result.segments.max { $0.durationSeconds < $1.durationSeconds })
        #expect(longest.durationSeconds > 2 && longest.windows == Int((longest.durationSeconds).rounded(.up)))
        let audio = try AudioLoader.load(path: speechFile, sampleRate: 16000)
        let model = try Wav2Vec2Classifier(folder: categoricalModel)
        let start = Int((longest.startSeconds * 16000).rounded()), end = Int((longest.endSeconds * 16000).rounded())
        let step = (end - start) / longest.windows
        var expected = [Double](repeating: 0, count: model.labels.count)
        for w in 0..<longest.windows {
            let first = start + w * step, last = w == longest.windows - 1 ? end : first + step
            let scores = try model.classify(Array(audio.samples[first..<last])).scores
            for i in expected.indices { expected[i] += Double(scores[i]) * Double(last - first) / Double(end - start) }
        }
        for (ours, theirs) in zip(longest.scores.map(\.score), expected) { #expect(abs(ours - theirs) < 1e-9) }
    }

    /// A file is analysed in two streaming passes; the result equals the analysis of the decoded
    /// samples exactly. The file (83 s at 24 kHz, float WAV) spans several VAD slices, is resampled,
    /// and its segments are cut into 3 s windows.
    @Test func streamedFileMatchesDecodedSamples() throws {
        let speech = try AudioLoader.load(path: path("Tests/SileroVADTests/Fixtures/speech_16k.flac")).samples
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ve-\(UUID()).wav").path
        try Data(floatWAVBytes(speech + speech, rate: 24000)).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var options = EmotionAnalyzerOptions()
        options.maximumWindowSeconds = 3
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel, options: options)
        let streamed = try analyzer.analyzeBlocking(file: file)
        let decoded = try AudioLoader.load(path: file, sampleRate: 16000)
        #expect(decoded.durationSeconds > 80)
        let whole = try analyzer.analyzeBlocking(samples: decoded.samples, sampleRate: 16000)
        #expect(streamed.segments == whole.segments && streamed.scores == whole.scores)
        #expect(streamed.durationSeconds == whole.durationSeconds && streamed.speechSeconds == whole.speechSeconds)
        #expect(streamed.segments.count >= 4 && streamed.segments.reduce(0) { $0 + $1.windows } > streamed.segments.count)
    }

    @Test func cachedMemoryCanBeReleased() throws {
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel)
        #expect(analyzer.cachedMemoryBytes == 0)
        let first = try analyzer.analyzeBlocking(file: speechFile)
        #expect(analyzer.cachedMemoryBytes > 0)
        analyzer.releaseCachedMemory()
        #expect(analyzer.cachedMemoryBytes == 0)
        #expect(try analyzer.analyzeBlocking(file: speechFile).segments == first.segments)
    }

    @Test func silenceSaysNoSpeech() throws {
        let result = try EmotionAnalyzer(modelFolder: categoricalModel).analyzeBlocking(file: silenceFile)
        #expect(!result.hasSpeech && result.segments.isEmpty && result.scores.isEmpty)
        #expect(result.stress == nil && result.dominant == nil && result.speechRatio == 0 && result.durationSeconds == 3)
        let empty = try EmotionAnalyzer(modelFolder: nil).analyzeBlocking(samples: [], sampleRate: 16000)
        #expect(!empty.hasSpeech && empty.speechRatio == 0 && empty.durationSeconds == 0)
    }

    @Test func withoutModelStillFindsSpeech() throws {
        let result = try EmotionAnalyzer(modelFolder: nil).analyzeBlocking(file: speechFile)
        #expect(result.hasSpeech && result.speechRatio > 0.3)
        #expect(result.segments.allSatisfy { $0.scores.isEmpty && $0.stress == nil } && result.stress == nil)
    }

    @Test func dimensionalModelsGetDimensionsAndTheirStress() throws {
        let result = try EmotionAnalyzer(modelFolder: dimensionalModel).analyzeBlocking(file: speechFile)
        let dimensions = try #require(result.dimensions)
        #expect(result.dominant == nil)
        #expect(result.stress == StressWeights.stress(dimensions))
        #expect(result.segments.allSatisfy { $0.dimensions != nil })
    }

    @Test func samplesAtOtherRatesAreResampled() throws {
        let audio = try AudioLoader.load(path: speechFile, sampleRate: 44100)
        let result = try EmotionAnalyzer(modelFolder: nil).analyzeBlocking(samples: audio.samples, sampleRate: 44100)
        #expect(result.hasSpeech && abs(result.durationSeconds - 8) < 0.01)
    }

    @Test func errorsNameTheFileOrFolder() throws {
        let analyzer = try EmotionAnalyzer()
        #expect(throws: VoiceEmotionError.fileNotFound(path: "/no/such/memo.wav")) { try analyzer.analyzeBlocking(file: "/no/such/memo.wav") }
        #expect(throws: VoiceEmotionError.fileNotFound(path: "/no/such/model")) { try EmotionAnalyzer(modelFolder: "/no/such/model") }
        var options = EmotionAnalyzerOptions()
        options.maximumWindowSeconds = 0
        #expect(throws: VoiceEmotionError.invalidOption(name: "maximumWindowSeconds", value: "0", reason: "must be within 1...3600 seconds")) {
            try EmotionAnalyzer(options: options)
        }
        options = EmotionAnalyzerOptions()
        options.speech.threshold = 2
        #expect(throws: VoiceEmotionError.invalidOption(name: "threshold", value: "2.0", reason: "must be within 0...1")) {
            try EmotionAnalyzer(options: options)
        }
    }

    /// A model folder holding only the PyTorch checkpoint says how to convert it.
    @Test func unconvertedFolderSuggestsTheConverter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bin-only-\(UUID())")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: categoricalModel), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.moveItem(at: folder.appendingPathComponent("model.safetensors"), to: folder.appendingPathComponent("pytorch_model.bin"))
        let error = VoiceEmotionError.unconvertedCheckpoint(path: folder.appendingPathComponent("model.safetensors").path, found: "pytorch_model.bin")
        #expect(throws: error) { try EmotionAnalyzer(modelFolder: folder) }
        // In library terms (an app's user has no shell; the CLI adds the command), and as an
        // app's localizedDescription.
        #expect(error.description.hasSuffix("convert it first (ModelStore.convert)") && !error.description.contains("voice-emotion"))
        #expect((error as Error).localizedDescription == error.description)
    }
}

@Suite struct ProgressTests {
    @Test func progressRisesToOneAndCanCancel() throws {
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel)
        var fractions: [Double] = []
        _ = try analyzer.analyzeBlocking(file: speechFile) { fractions.append($0.fraction); return true }
        #expect(fractions.first == 0 && fractions.last == 1 && fractions == fractions.sorted())
        // Without a model (and for silence) progress still ends at 1.
        for (folder, file) in [(nil, speechFile), (categoricalModel, silenceFile)] as [(String?, String)] {
            var last = 0.0
            _ = try EmotionAnalyzer(modelFolder: folder).analyzeBlocking(file: file) { last = $0.fraction; return true }
            #expect(last == 1, "\(folder ?? "no model") \(file)")
        }
        #expect(throws: VoiceEmotionError.cancelled) {
            try analyzer.analyzeBlocking(file: speechFile) { $0.stage != .classifyingEmotion }
        }
    }

    /// Progress moves with the work: pass 1 takes a share below 1 when a model runs (all of it
    /// when none does), then one report per window and a last one at 1.
    @Test func progressIsWeightedByStageCost() throws {
        var fractions: [(stage: AnalysisProgress.Stage, fraction: Double)] = []
        let result = try EmotionAnalyzer(modelFolder: categoricalModel).analyzeBlocking(file: speechFile) {
            fractions.append(($0.stage, $0.fraction))
            return true
        }
        let afterSpeech = try #require(fractions.last { $0.stage == .detectingSpeech }).fraction
        #expect(afterSpeech > 0 && afterSpeech < 1)
        let windows = result.segments.reduce(0) { $0 + $1.windows }
        #expect(fractions.filter { $0.stage == .classifyingEmotion }.count == windows + 1)
        #expect(fractions.map(\.fraction) == fractions.map(\.fraction).sorted() && fractions.last?.fraction == 1)
        var vadOnly: [AnalysisProgress] = []
        _ = try EmotionAnalyzer().analyzeBlocking(file: speechFile) { vadOnly.append($0); return true }
        #expect(vadOnly.last { $0.stage == .detectingSpeech }?.fraction == 1)
    }

    @Test func asyncAnalysisAndCancellation() async throws {
        let analyzer = try EmotionAnalyzer(modelFolder: URL(fileURLWithPath: categoricalModel))
        let result = try await analyzer.analyze(file: URL(fileURLWithPath: speechFile))
        #expect(result.hasSpeech && result.file == speechFile)
        let task = Task { try await analyzer.analyze(file: path("Tests/SileroVADTests/Fixtures/speech_16k.flac")) }
        task.cancel()
        await #expect(throws: VoiceEmotionError.cancelled) { try await task.value }
    }
}

@Suite struct SpeechDetectionTests {
    /// Files are decoded block by block into the VAD (8 kHz files at 8 kHz, others at 16 kHz);
    /// the result equals the detector on the decoded samples.
    @Test(arguments: ["speech_16k.flac", "speech_8k.flac", "silence_16k.flac"])
    func streamedFileEqualsLoadedSamples(_ name: String) throws {
        let file = path("Tests/SileroVADTests/Fixtures/\(name)")
        let audio = try AudioLoader.load(path: file)
        let expected = try VoiceActivityDetector.bundled().analyze(audio.samples, sampleRate: audio.sampleRate)
        #expect(try EmotionAnalyzer().detectSpeech(file: file) == expected)
    }

    /// Other rates are resampled to 16 kHz (not decimated like the official wrapper) and report 16 kHz.
    @Test func otherRatesRunAt16k() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vad44-\(UUID()).wav").path
        let samples = try AudioLoader.load(path: speechFile, sampleRate: 44100).samples
        try Data(floatWAVBytes(samples, rate: 44100)).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try EmotionAnalyzer().detectSpeech(file: file)
        #expect(result.sampleRate == 16000)
        let direct = try AudioLoader.load(path: file, sampleRate: 16000).samples
        #expect(result.probabilities == (try VoiceActivityDetector.bundled().speechProbabilities(direct, sampleRate: 16000)))
    }

    @Test func missingFileIsNamed() {
        #expect(throws: VoiceEmotionError.fileNotFound(path: "/no/such/file.flac")) { try EmotionAnalyzer().detectSpeech(file: "/no/such/file.flac") }
    }
}

@Suite struct MemoFormatAnalysisTests {
    /// An m4a (AAC at 48 kHz, as phones record) analyses like the FLAC it was encoded from, within
    /// the codec's loss: the same segments to within one VAD chunk (reached: identical), scores
    /// and stress within 1e-4 (reached: 3.5e-5 with the small test model).
    @Test func m4aAnalysesLikeItsSource() throws {
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel)
        let m4a = try analyzer.analyzeBlocking(file: path("Tests/AudioInputTests/Fixtures/memos/memo_speech.m4a"))
        let source = try analyzer.analyzeBlocking(file: speechFile)
        #expect(m4a.recordedAt?.source == .fileTime && m4a.segments.count == source.segments.count)
        for (a, b) in zip(m4a.segments, source.segments) {
            #expect(abs(a.startSeconds - b.startSeconds) <= 0.032 && abs(a.endSeconds - b.endSeconds) <= 0.032, "\(a) vs \(b)")
            #expect(zip(a.scores, b.scores).allSatisfy { abs($0.score - $1.score) <= 1e-4 })
        }
        #expect(abs((m4a.stress ?? -1) - (source.stress ?? 1)) <= 1e-4 && m4a.dominant == source.dominant)
    }
}
