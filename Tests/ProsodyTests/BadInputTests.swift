// Input that could upset the markers: a pure tone, clipped speech, 8 kHz audio with a ceiling
// above its Nyquist frequency, silence, 30 ms. Defined results, never NaN, never a crash.

import Foundation
import Prosody
import Testing

@Suite struct ProsodyBadInputTests {
    func finite(_ s: ProsodySummary) -> Bool {
        [s.f0MeanHz, s.f0SdSemitones, s.f0P50Semitones, s.voicedFraction, s.intensityMeanDb, s.intensitySdDb, s.alphaRatioDb,
         s.hammarbergDb, s.slope0To500, s.slope500To1500, s.loudnessPeaksPerSecond, s.jitterLocal, s.shimmerLocal, s.shimmerLocalDb,
         s.hnrDb, s.syllablesPerSecond, s.articulationRate].allSatisfy { $0.map(\.isFinite) ?? true }
    }

    @Test func pureToneIsItsOwnPitch() {
        let tone = (0..<32_000).map { Float(0.3 * sin(2 * Double.pi * 200 * Double($0) / 16_000)) }
        let result = ProsodyAnalysis.analyze(tone, sampleRate: 16_000, segments: [])
        #expect(result.summary.voicedFraction == 1 && abs(result.summary.f0MeanHz! - 200) < 0.05 && finite(result.summary))
        #expect(result.summary.f0SdSemitones! < 0.01)
        // A steady tone: no period-to-period perturbation to speak of, an HNR near Praat's 150 dB
        // ceiling... but no syllables (no dips).
        #expect(result.summary.jitterLocal! < 1e-4 && result.summary.shimmerLocal! < 1e-3 && result.summary.hnrDb! > 40)
        #expect(result.summary.syllablesPerSecond == 0)
    }

    @Test func clippedSpeechAndAnEightKilohertzCeiling() throws {
        let (samples, _) = try recording("Docs/Samples/voice-memo.flac")
        let clipped = samples.map { min(max($0 * 20, -0.99), 0.99) }
        let result = ProsodyAnalysis.analyze(clipped, sampleRate: 16_000, segments: [(0.7, 7.3)])
        #expect(finite(result.summary) && result.summary.f0MeanHz != nil)
        // A ceiling above 4 kHz at 8 kHz is lowered to the Nyquist frequency, not refused.
        let (narrow, rate) = try recording("Tests/SileroVADTests/Fixtures/speech_8k.flac")
        var options = PitchOptions()
        options.ceiling = 5_000
        let contour = Pitch.contour(narrow, sampleRate: rate, options: options)
        #expect(!contour.frequencies.isEmpty && contour.frequencies.allSatisfy { $0.isFinite && $0 <= 4_000 })
    }

    /// Finite samples near 1e18 (a float WAV can hold them) used to overflow the pitch frames'
    /// single-precision transforms while the other markers were reported; the pitch is
    /// scale-free, so the same speech times 2^60 has exactly the same F0 path.
    @Test func hugeFiniteSamplesKeepTheirPitch() throws {
        let (samples, rate) = try recording("Docs/Samples/voice-memo.flac")
        let speech = Array(samples.prefix(5 * rate))
        let huge = speech.map { $0 * 0x1p60 }
        #expect(huge.allSatisfy(\.isFinite) && huge.map(abs).max()! > 1e17)
        let original = Pitch.contour(speech, sampleRate: rate), scaled = Pitch.contour(huge, sampleRate: rate)
        #expect(original.frequencies.contains { $0 > 0 } && scaled.frequencies == original.frequencies)
        let result = ProsodyAnalysis.analyze(huge, sampleRate: rate, segments: [(0.7, 4.9)])
        #expect(finite(result.summary) && result.summary.f0MeanHz != nil)
    }

    @Test func silenceAndThirtyMilliseconds() {
        let silence = ProsodyAnalysis.analyze([Float](repeating: 0, count: 16_000), sampleRate: 16_000, segments: [(0.1, 0.9)])
        #expect(silence.summary.f0MeanHz == nil && silence.summary.intensityMeanDb == nil && silence.summary.alphaRatioDb == nil && finite(silence.summary))
        #expect(silence.summary.jitterLocal == nil && silence.summary.hnrDb == nil && silence.summary.syllablesPerSecond == 0
                && silence.summary.articulationRate == nil)
        let short = ProsodyAnalysis.analyzeSegment([Float](repeating: 0.2, count: 480), sampleRate: 16_000, offset: 0, recordingCount: 480,
                                                   start: 0, end: 0.03, recordingPeak: 0.2)
        #expect(short.f0Frames.isEmpty && short.intensityFrames.isEmpty && short.summary.f0MeanHz == nil && finite(short.summary))
    }

    @Test func settingsThatMakeNoFramesGiveNoFrames() {
        let speech = (0..<16_000).map { Float(0.3 * sin(Double($0) * 0.05)) }
        for floor in [0.0, -75, .infinity, .nan, 1e-9] {
            var pitch = PitchOptions()
            pitch.floor = floor
            #expect(Pitch.contour(speech, sampleRate: 16_000, options: pitch).frequencies.isEmpty, "floor \(floor)")
            var harmonicity = HarmonicityOptions()
            harmonicity.minimumPitch = floor
            #expect(Harmonicity.contour(speech, sampleRate: 16_000, options: harmonicity).decibels.isEmpty, "minimum pitch \(floor)")
        }
        var step = HarmonicityOptions()
        step.timeStep = 0
        #expect(Harmonicity.contour(speech, sampleRate: 16_000, options: step).decibels.isEmpty)
    }
}
