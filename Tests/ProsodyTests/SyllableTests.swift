// Syllable nuclei against de Jong & Wempe's own Praat script (v2, 2010), run through parselmouth
// 0.4.7 / Praat 6.1.38 (Fixtures/make_syllable_fixtures.py): counts, times and sounding time.

import Foundation
import Prosody
import Testing

@Suite struct SyllableTests {
    struct Reference: Decodable {
        struct Recording: Decodable { let nuclei: Int; let duration_s: Double; let phonation_s: Double; let times: [Double] }
        let recordings: [String: Recording]
    }
    static let reference: Reference = {
        let url = prosodyRepository.appendingPathComponent("Tests/ProsodyTests/Fixtures/syllable_reference.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    @Test(arguments: IntensityTests.recordings) func countsMatchTheReferenceScript(_ name: String, _ path: String) throws {
        let (samples, rate) = try recording(path)
        let found = Syllables.detect(samples, sampleRate: rate)
        let expected = try #require(Self.reference.recordings[name])
        // Reached: the same count on every recording; nuclei at the script's times to a median of
        // 2 µs, all within 7.4 ms (a few peaks whose sinc-interpolated top we place differently);
        // sounding time equal to the script's two printed decimals. The issue asks for counts
        // within 1 per 10 s of speech.
        #expect(found.times.count == expected.nuclei, "\(name): \(found.times.count) nuclei, the script \(expected.nuclei)")
        let offsets = zip(found.times, expected.times).map { abs($0 - $1) }
        let sorted = offsets.sorted()
        if !sorted.isEmpty {
            #expect(sorted[sorted.count / 2] <= 1e-5 && sorted.last! <= 0.008, "\(name): offsets median \(sorted[sorted.count / 2]) s, largest \(sorted.last!) s")
        }
        #expect(abs(found.phonationSeconds - expected.phonation_s) <= 0.0051, "\(name): sounding \(found.phonationSeconds) s, the script \(expected.phonation_s) s")
    }
}
