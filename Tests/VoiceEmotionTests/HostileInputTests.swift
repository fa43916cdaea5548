// The analyzer on hostile input: NaN samples and absurd options are typed errors, a model whose
// windows cannot fit the memory limit is refused at creation, and no NaN ever becomes a label.

import AudioInput  // floatWAVBytes (package)
import Foundation
import Testing
import VoiceEmotion

@Suite struct AnalyzerHostileInputTests {
    /// One NaN sample was reported as "dominant emotion: neutral, stress 0.00".
    @Test func nonFiniteSamplesAreErrors() throws {
        let analyzer = try EmotionAnalyzer(modelFolder: categoricalModel)
        var samples = try AudioLoader.load(path: speechFile, sampleRate: 16000).samples
        samples[40_000] = .nan
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<samples>", seconds: 2.5)) {
            try analyzer.analyzeBlocking(samples: samples, sampleRate: 16000)
        }
        // At another rate the check runs before resampling (which would smear the NaN).
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<samples>", seconds: 40_000.0 / 44100)) {
            try analyzer.analyzeBlocking(samples: samples, sampleRate: 44100)
        }
        // A float file holding an infinity.
        samples[40_000] = 0
        samples[64_000] = .infinity
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("inf-\(UUID()).wav").path
        _ = FileManager.default.createFile(atPath: file, contents: Data(floatWAVBytes(samples, rate: 16000)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: file, seconds: 4)) { try analyzer.analyzeBlocking(file: file) }
    }

    /// `--max-window-s 1e15` trapped converting to Int; the library option passed validation.
    @Test func absurdOptionsAreErrors() throws {
        var options = EmotionAnalyzerOptions()
        options.maximumWindowSeconds = 1e15
        #expect(throws: VoiceEmotionError.invalidOption(name: "maximumWindowSeconds", value: "1e+15", reason: "must be within 1...3600 seconds")) {
            try EmotionAnalyzer(options: options)
        }
        #expect(throws: VoiceEmotionError.invalidOption(name: "ComputeThreads", value: "1000000", reason: "must be within 1...1024")) {
            try ComputeThreads.set(1_000_000)
        }
        options = EmotionAnalyzerOptions()
        options.stressWeights = StressWeights(weights: [.angry: .infinity])
        #expect(throws: VoiceEmotionError.invalidOption(name: "stressWeights[angry]", value: "inf", reason: "weights must be finite")) {
            try EmotionAnalyzer(options: options)
        }
        options = EmotionAnalyzerOptions()
        options.speech.speechPadMs = 1e300
        #expect(throws: VoiceEmotionError.invalidOption(name: "speechPadMs", value: "1e+300", reason: "must be a duration from 0 to 86400000 ms (a day)")) {
            try EmotionAnalyzer(options: options)
        }
    }

    /// A window that cannot fit the memory limit is refused when the analyzer is created, with
    /// the window that would fit.
    @Test func windowsMustFitTheMemoryLimit() throws {
        var options = EmotionAnalyzerOptions()
        options.memoryLimitBytes = 1 << 20
        let model = try Wav2Vec2Classifier(folder: categoricalModel, options: .init(memoryLimitBytes: 1 << 20))
        let fits = Double(model.maximumSamples) / 16000
        #expect(fits >= 1 && fits < 20)
        #expect(throws: VoiceEmotionError.invalidOption(name: "maximumWindowSeconds", value: "20", reason: String(
            format: "a window this long needs more than the 1 MB memory limit with this model; at most %.1f s fit "
                + "(lower the window: maximumWindowSeconds; or raise the limit: memoryLimitBytes)", fits))) {
            try EmotionAnalyzer(modelFolder: categoricalModel, options: options)
        }
        options.maximumWindowSeconds = fits.rounded(.down)
        #expect(try EmotionAnalyzer(modelFolder: categoricalModel, options: options).analyzeBlocking(file: speechFile).hasSpeech)
    }

    /// The stress index never turns a non-finite number into 0.
    @Test func stressOfNonFiniteScoresIsNaN() throws {
        #expect(StressWeights.standard.stress([EmotionScore(label: "angry", score: .nan)]).isNaN)
        #expect(StressWeights(weights: [.angry: .infinity]).stress([EmotionScore(label: "angry", score: 0)]).isNaN)
        let dimensions = try #require(EmotionDimensions([EmotionScore(label: "arousal", score: .nan),
                                                         EmotionScore(label: "dominance", score: 0.5), EmotionScore(label: "valence", score: 0.5)]))
        #expect(StressWeights.stress(dimensions).isNaN)
    }
}
