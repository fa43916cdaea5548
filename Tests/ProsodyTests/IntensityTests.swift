// Intensity against Praat 6.1.38 (parselmouth 0.4.7; Fixtures/make_prosody_fixtures.py): every
// frame of three recordings, at 16 and 8 kHz, with and without mean subtraction.

import AudioInput
import Foundation
import Prosody
import SafeTensors
import Testing

let prosodyFixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
let praat = try! SafeTensorsFile(path: prosodyFixtures.appendingPathComponent("praat_reference.safetensors").path)
let prosodyRepository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func doubles(_ name: String) throws -> [Double] {
    let bytes = try praat.rawBytes(name)
    return (0..<(bytes.count / 8)).map { bytes.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
}

func recording(_ path: String) throws -> (samples: [Float], rate: Int) {
    let audio = try AudioLoader.load(path: prosodyRepository.appendingPathComponent(path).path)
    return (audio.samples, audio.sampleRate)
}

@Suite struct IntensityTests {
    static let recordings = [("speech16k", "Tests/SileroVADTests/Fixtures/speech_16k.flac"),
                             ("speech8k", "Tests/SileroVADTests/Fixtures/speech_8k.flac"),
                             ("sample", "Docs/Samples/voice-memo.flac"),
                             ("synthetic", "Tests/ProsodyTests/Fixtures/synthetic_voice.flac")]

    @Test(arguments: recordings) func everyFrameMatchesPraat(_ name: String, _ path: String) throws {
        let (samples, rate) = try recording(path)
        for (suffix, minimumPitch, subtractMean) in [("intensity", 100.0, true), ("intensity75_raw", 75.0, false)] {
            let contour = Intensity.contour(samples, sampleRate: rate, minimumPitch: minimumPitch, subtractMean: subtractMean)
            let expected = try doubles("\(name).\(suffix).db")
            #expect(contour.decibels.count == expected.count)
            #expect(abs(contour.startTime - (try doubles("\(name).\(suffix).first_time"))[0]) < 1e-12)
            let largest = zip(contour.decibels, expected).map { abs($0 - $1) }.max() ?? .infinity
            // Praat's figures to 1e-6 dB on every frame (the issue asks for 0.05 dB).
            #expect(largest < 1e-6, "\(name) \(suffix): largest difference \(largest) dB")
        }
    }

    @Test func silenceAndShortInput() {
        let silence = Intensity.contour([Float](repeating: 0, count: 16_000), sampleRate: 16_000)
        #expect(silence.decibels.count == 117 && silence.decibels.allSatisfy { $0 == -300 })  // Praat: 117 frames of −300
        #expect(Intensity.contour([Float](repeating: 0.1, count: 800), sampleRate: 16_000).decibels.isEmpty)  // 50 ms < the 64 ms window
        #expect(Intensity.contour([], sampleRate: 16_000).decibels.isEmpty)
    }
}
