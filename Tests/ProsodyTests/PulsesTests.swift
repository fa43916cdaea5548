// Glottal pulses, jitter and shimmer against Praat 6.1.38 ("To PointProcess (periodic, cc)" with
// 75-600 Hz, jitter (local), shimmer (local, local_dB) with its defaults; parselmouth 0.4.7;
// Fixtures/make_prosody_fixtures.py).

import Foundation
import Prosody
import Testing

@Suite struct PulsesTests {
    @Test(arguments: IntensityTests.recordings) func pulsesJitterAndShimmerMatchPraat(_ name: String, _ path: String) throws {
        let (samples, rate) = try recording(path)
        let pulses = Pulses.find(samples, sampleRate: rate, pitch: Pitch.contour(samples, sampleRate: rate))
        let praat = try doubles("\(name).pulses")
        // Praat's pulses that have one of ours within 0.25 ms.
        let matched = praat.filter { t in
            var low = 0, high = pulses.count
            while low < high { let m = (low + high) / 2; if pulses[m] < t { low = m + 1 } else { high = m } }
            return [low - 1, low].contains { $0 >= 0 && $0 < pulses.count && abs(pulses[$0] - t) <= 0.00025 }
        }.count
        let measured = Perturbation(pulses: pulses, samples: samples, sampleRate: rate)
        let expected = try doubles("\(name).voice_quality")
        let jitter = try #require(measured.jitterLocal), shimmer = try #require(measured.shimmerLocal), decibels = try #require(measured.shimmerLocalDb)
        print("pulses \(name): \(pulses.count) vs \(praat.count), matched \(Double(matched) / Double(praat.count)); jitter \(jitter) vs \(expected[1]), shimmer \(shimmer) vs \(expected[2]), dB \(decibels) vs \(expected[3])")
        // Praat's own pulses give its jitter exactly, and its shimmer to the window the amplitude is measured over.
        let onPraats = Perturbation(pulses: praat, samples: samples, sampleRate: rate)
        #expect(abs(onPraats.jitterLocal! - expected[1]) <= 1e-12 * expected[1], "\(name): jitter on Praat's pulses")
        #expect(abs(onPraats.shimmerLocal! - expected[2]) <= 0.003 * expected[2] && abs(onPraats.shimmerLocalDb! - expected[3]) <= 0.003 * expected[3],
                "\(name): shimmer on Praat's pulses \(onPraats.shimmerLocal!), \(onPraats.shimmerLocalDb!) dB")
        // Reached on the synthetic voice: every pulse within 0.25 ms, jitter +0.08%, shimmer −0.06%,
        // −0.16% in dB (the issue asks for 5%). On speech: 93-95% of pulses, jitter −1 to −4.4%,
        // shimmer −0.8 to −1.1%, −0.03 to −1.4% in dB (the issue asks for 10%); the pulses that
        // differ are at the edges of voiced stretches.
        let synthetic = name == "synthetic"
        #expect(Double(matched) / Double(praat.count) >= (synthetic ? 1 : 0.92), "\(name): pulses matched")
        #expect(abs(jitter - expected[1]) / expected[1] <= (synthetic ? 0.002 : 0.05), "\(name): jitter \(jitter) vs \(expected[1])")
        #expect(abs(shimmer - expected[2]) / expected[2] <= (synthetic ? 0.002 : 0.015), "\(name): shimmer \(shimmer) vs \(expected[2])")
        #expect(abs(decibels - expected[3]) / expected[3] <= (synthetic ? 0.003 : 0.02), "\(name): shimmer dB \(decibels) vs \(expected[3])")
    }
}
