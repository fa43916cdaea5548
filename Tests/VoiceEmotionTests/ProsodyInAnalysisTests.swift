// Voice markers in the analysis (`EmotionAnalyzerOptions.prosody`): each segment analysed on its
// own agrees with the whole-file analysis of `ProsodyAnalysis`; absent unless asked for; no model needed.

import AudioInput
import Foundation
import Prosody
import Testing
import VoiceEmotion

@Suite struct ProsodyInAnalysisTests {
    let sample = liveRepository.appendingPathComponent("Docs/Samples/voice-memo.flac").path

    @Test func segmentsAgreeWithTheWholeFile() async throws {
        var options = EmotionAnalyzerOptions()
        options.prosody = true
        let analyzer = try EmotionAnalyzer(options: options)  // no model: the markers need none
        let result = try await analyzer.analyze(file: sample)
        let audio = try AudioLoader.load(path: sample, sampleRate: 16_000)
        let whole = ProsodyAnalysis.analyze(audio.samples, sampleRate: 16_000, segments: result.segments.map { ($0.startSeconds, $0.endSeconds) })
        #expect(result.segments.count == 8 && result.segments.allSatisfy { $0.prosody != nil } && result.stress == nil)
        for (segment, reference) in zip(result.segments, whole.segments) {
            let markers = try #require(segment.prosody)
            // The recording's own frames, from the segment and a 0.1 s margin: the same voicing and F0
            // (to rounding: here the path search reaches the same choices; the single-precision
            // transforms pair frames differently in the two paths: reached 1.4e-9 relative),
            // intensity within 1e-4 dB (reached: 7e-5).
            #expect(markers.voicedFraction == reference.voicedFraction, "\(segment.startSeconds)")
            if let f0 = markers.f0MeanHz { #expect(abs(f0 - reference.f0MeanHz!) / f0 < 1e-8, "\(segment.startSeconds)") }
            #expect(abs(markers.intensityMeanDb! - reference.intensityMeanDb!) < 1e-4)
            #expect(abs(markers.alphaRatioDb! - reference.alphaRatioDb!) < 1e-9 && abs(markers.slope0To500! - reference.slope0To500!) < 1e-9)
            // HNR: the same frames, the same mean and peak (from the streaming pass); pulses from the same pitch frames.
            #expect(abs(markers.hnrDb! - reference.hnrDb!) < 1e-6, "\(segment.startSeconds): HNR \(markers.hnrDb!) vs \(reference.hnrDb!)")
            // Syllables: the same nuclei (thresholds from all the speech in both); sounding time to rounding.
            #expect(markers.syllablesPerSecond == reference.syllablesPerSecond && abs((markers.articulationRate ?? 0) - (reference.articulationRate ?? 0)) < 1e-9,
                    "\(segment.startSeconds): \(String(describing: markers.syllablesPerSecond)) vs \(String(describing: reference.syllablesPerSecond))")
            if let jitter = markers.jitterLocal { #expect(abs(jitter - reference.jitterLocal!) < 1e-9 && abs(markers.shimmerLocal! - reference.shimmerLocal!) < 1e-9) }
        }
        let overall = try #require(result.prosody)
        #expect(abs(overall.f0MeanHz! - whole.summary.f0MeanHz!) / overall.f0MeanHz! < 1e-8 && abs(overall.intensityMeanDb! - whole.summary.intensityMeanDb!) < 1e-4)
        #expect(overall.pausesPerMinute == whole.summary.pausesPerMinute && overall.alphaRatioDb != nil)
        #expect(overall.syllablesPerSecond == whole.summary.syllablesPerSecond && abs(overall.articulationRate! - whole.summary.articulationRate!) < 1e-9)
        #expect(abs(overall.hnrDb! - whole.summary.hnrDb!) < 1e-6 && abs(overall.jitterLocal! - whole.summary.jitterLocal!) < 1e-9)
        // Same results from the samples in memory.
        let fromSamples = try await analyzer.analyze(samples: audio.samples, sampleRate: 16_000)
        #expect(fromSamples.prosody == result.prosody)
    }

    @Test func absentUnlessAskedFor() async throws {
        let result = try await EmotionAnalyzer().analyze(file: sample)
        #expect(result.prosody == nil && result.segments.allSatisfy { $0.prosody == nil })
    }
}

/// Voice markers as a measurement of pass 2: no third decode, a progress stage of their own that
/// ends at 1 only when they are done, and cancellation that reaches them.
@Suite struct MarkersInThePipelineTests {
    func copy(_ name: String) throws -> String {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("markers-\(UUID())-" + name)
        try FileManager.default.copyItem(atPath: path("Tests/AudioInputTests/Fixtures/memos/" + name), toPath: target.path)
        return target.path
    }

    /// An m4a (decoded by starting ffmpeg) is decoded twice with markers as without: once for
    /// the speech, once for every measurement of it (it used to be three times).
    @Test func markersCostNoExtraDecode() throws {
        var options = EmotionAnalyzerOptions()
        options.prosody = true
        let memo = try copy("memo_speech.m4a")
        defer { try? FileManager.default.removeItem(atPath: memo) }
        DecodePasses.shared.startCounting()
        let result = try EmotionAnalyzer(modelFolder: categoricalModel, options: options).analyzeBlocking(file: memo)
        #expect(result.prosody != nil && result.segments.allSatisfy { $0.prosody != nil })
        #expect(DecodePasses.shared.passes(of: memo) == 2)
    }

    /// Progress: monotonic, a `measuringVoice` stage, 1.0 only at the very end.
    @Test func progressHasAStageForMarkers() throws {
        var options = EmotionAnalyzerOptions()
        options.prosody = true
        var reports: [AnalysisProgress] = []
        _ = try EmotionAnalyzer(modelFolder: categoricalModel, options: options).analyzeBlocking(file: speechFile) { reports.append($0); return true }
        let fractions = reports.map(\.fraction)
        // 1.0 comes with the last segment's markers (and the closing report), never before.
        let firstOne = try #require(fractions.firstIndex(of: 1))
        #expect(fractions == fractions.sorted() && firstOne >= fractions.count - 2 && reports[firstOne].stage == .measuringVoice)
        #expect(reports.contains { $0.stage == .measuringVoice } && reports.last?.stage == .measuringVoice)
        // Without a model, the markers are pass 2's only work and still report as they go.
        var markersOnly: [AnalysisProgress] = []
        _ = try EmotionAnalyzer(options: options).analyzeBlocking(file: speechFile) { markersOnly.append($0); return true }
        #expect(markersOnly.filter { $0.stage == .measuringVoice }.count > 2 && markersOnly.last?.fraction == 1)
    }

    /// Cancelling while the markers are measured stops them at the next segment, from the
    /// progress handler and from task cancellation alike (`addProsody` used to poll a task it
    /// could not see).
    @Test func cancellingStopsTheMarkers() async throws {
        var options = EmotionAnalyzerOptions()
        options.prosody = true
        let analyzer = try EmotionAnalyzer(options: options)
        let long = path("Tests/SileroVADTests/Fixtures/speech_16k.flac")
        var measured = 0
        #expect(throws: VoiceEmotionError.cancelled) {
            try analyzer.analyzeBlocking(file: long) { report in
                if report.stage == .measuringVoice { measured += 1 }
                return measured < 2
            }
        }
        #expect(measured == 2)
        let task = Task { try await analyzer.analyze(file: long) }
        try await Task.sleep(nanoseconds: 30_000_000)
        task.cancel()
        await #expect(throws: VoiceEmotionError.cancelled) { try await task.value }
    }
}
