// HNR against Praat 6.1.38's "To Harmonicity (cc)" with its defaults (parselmouth 0.4.7;
// Fixtures/make_prosody_fixtures.py): which frames are voiced, the dB of each, and the mean.

import Foundation
import Prosody
import Testing

@Suite struct HarmonicityTests {
    @Test(arguments: IntensityTests.recordings) func framesAndMeanMatchPraat(_ name: String, _ path: String) throws {
        let (samples, rate) = try recording(path)
        let contour = Harmonicity.contour(samples, sampleRate: rate)
        let expected = try doubles("\(name).hnr.db")
        #expect(contour.decibels.count == expected.count)
        #expect(abs(contour.startTime - (try doubles("\(name).hnr.first_time"))[0]) < 1e-12)
        let pairs = zip(contour.decibels, expected)
        let agreement = Double(pairs.filter { ($0 != nil) == ($1 > -200) }.count) / Double(expected.count)
        let errors = pairs.compactMap { mine, praat in mine.flatMap { praat > -200 ? abs($0 - praat) : nil } }.sorted()
        let median = errors[errors.count / 2], p95 = errors[Int(Double(errors.count - 1) * 0.95)]
        let mean = try #require(contour.mean), praatMean = try doubles("\(name).voice_quality")[0]
        #expect(agreement >= 0.99, "\(name): voicing agreement \(agreement)")
        #expect(median <= 0.2 && p95 <= 2, "\(name): |ΔHNR| median \(median) dB, p95 \(p95) dB")
        #expect(abs(mean - praatMean) / praatMean <= 0.03, "\(name): mean HNR \(mean) dB, Praat \(praatMean) dB")
    }
}
