// Spectral balance against Fixtures/spectral_balance_reference.py (NumPy, from the eGeMAPS
// paper's definitions), on the voiced frames of Praat's pitch analysis.

import Foundation
import Prosody
import Testing

@Suite struct SpectralBalanceTests {
    @Test(arguments: IntensityTests.recordings) func matchesTheNumPyReference(_ name: String, _ path: String) throws {
        let (samples, rate) = try recording(path)
        let praatPitch = PitchContour(startTime: try doubles("\(name).pitch.first_time")[0], timeStep: 0.01, frequencies: try doubles("\(name).pitch.f0"))
        let balance = try #require(SpectralBalance.measure(samples, sampleRate: rate, pitch: praatPitch))
        let expected = try doubles("\(name).spectral_balance")
        let found = [balance.alphaRatioDb, balance.hammarbergDb, balance.slope0To500, balance.slope500To1500]
        for (a, b) in zip(found, expected) { #expect(abs(a - b) < 1e-6, "\(name): \(found) vs \(expected)") }
    }

    @Test func aPureToneAndSilence() {
        // A 200 Hz tone has its power below 1 kHz: a large positive alpha ratio; silence has no frames.
        let tone = (0..<16_000).map { Float(0.3 * sin(2 * Double.pi * 200 * Double($0) / 16_000)) }
        let balance = SpectralBalance.measure(tone, sampleRate: 16_000) { _ in true }
        #expect((balance?.alphaRatioDb ?? 0) > 40 && balance?.frames == 98)
        #expect(SpectralBalance.measure([Float](repeating: 0, count: 16_000), sampleRate: 16_000) { _ in true } == nil)
        #expect(SpectralBalance.measure([Float](repeating: 0, count: 100), sampleRate: 16_000) { _ in true } == nil)
    }
}
