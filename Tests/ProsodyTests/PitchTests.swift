// Pitch against Praat 6.1.38's "To Pitch (ac)" with its defaults (parselmouth 0.4.7;
// Fixtures/make_prosody_fixtures.py): voicing decisions and F0 frame by frame.

import Foundation
import Prosody
import Testing

@Suite struct PitchTests {
    /// Voicing agreement, and |ΔF0|/F0 on frames both call voiced: median and 95th percentile.
    func compare(_ name: String, _ path: String) throws -> (agreement: Double, median: Double, p95: Double, voiced: Int) {
        let (samples, rate) = try recording(path)
        let contour = Pitch.contour(samples, sampleRate: rate)
        let expected = try doubles("\(name).pitch.f0")
        #expect(contour.frequencies.count == expected.count)
        #expect(abs(contour.startTime - (try doubles("\(name).pitch.first_time"))[0]) < 1e-12)
        let pairs = zip(contour.frequencies, expected)
        let agreement = Double(pairs.filter { ($0 > 0) == ($1 > 0) }.count) / Double(expected.count)
        let errors = pairs.filter { $0 > 0 && $1 > 0 }.map { abs($0 - $1) / $1 }.sorted()
        return (agreement, errors[errors.count / 2], errors[Int(Double(errors.count - 1) * 0.95)], errors.count)
    }

    @Test(arguments: IntensityTests.recordings) func framesMatchPraat(_ name: String, _ path: String) throws {
        let found = try compare(name, path)
        // Reached: agreement 99.77-100% (the 8 kHz recording the lowest), median 0.002-0.037%,
        // p95 0.007-0.23%; the issue asks for 97%, 0.1% and 1%.
        #expect(found.agreement >= 0.997 && found.voiced > 100, "\(name): voicing agreement \(found.agreement)")
        #expect(found.median <= 0.0005 && found.p95 <= 0.003, "\(name): |ΔF0|/F0 median \(found.median), p95 \(found.p95)")
    }
}
