// A model family that is not Wav2Vec2 (TestSupport's FakeEmotionModel) through the analyzer and
// live analysis: they need only the `EmotionModel` protocol. (The journal's side is in
// VoiceEmotionJournalTests.)

import AudioInput
import Foundation
import TestSupport
import Testing
import VoiceEmotion

@Suite struct EmotionModelTests {
    @Test func anotherModelFamilyRunsThroughTheAnalyzer() throws {
        let model = FakeEmotionModel()
        let analyzer = try EmotionAnalyzer(model: model)
        let result = try analyzer.analyzeBlocking(file: speechFile)
        #expect(result.hasSpeech && model.callCount >= result.segments.count)
        #expect(result.scores.map(\.emotion.name) == ["calm", "angry"] && result.dominant != nil && result.stress != nil)
        // Each single-window segment's scores are the model's for exactly its samples.
        let audio = try AudioLoader.load(path: speechFile, sampleRate: 16_000).samples
        for segment in result.segments where segment.windows == 1 {
            let start = Int((segment.startSeconds * 16_000).rounded()), end = Int((segment.endSeconds * 16_000).rounded())
            #expect(abs(segment.scores[1].score - FakeEmotionModel.expectedAngry(audio[start..<end])) < 1e-12)
        }
        // The same analysis from samples in memory.
        let fromSamples = try analyzer.analyzeBlocking(samples: audio, sampleRate: 16_000)
        #expect(fromSamples.segments.map(\.scores) == result.segments.map(\.scores))
    }

    @Test func anotherModelFamilyRunsLive() async throws {
        let model = FakeEmotionModel()
        let analyzer = try EmotionAnalyzer(model: model)
        var options = LiveAnalysisOptions()
        options.maximumSpeechSeconds = 3600
        let speech = try AudioLoader.load(path: speechFile, sampleRate: 16_000).samples
        let events = try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options), speech)
        let ended = segments(events)
        #expect(!ended.isEmpty && ended.allSatisfy { $0.scores.map(\.emotion.name) == ["calm", "angry"] })
    }
}
