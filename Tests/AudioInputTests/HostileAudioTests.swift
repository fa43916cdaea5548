// Hostile audio: absurd sample rates (a 64 KB WAV claiming 1 Hz drove a decode to 8 GB), NaN and
// infinite samples (reported as "neutral, stress 0.00"), cut-off files whose length is unknown
// (shown as 576460752303423 s), many channels, and extreme resampling ratios.

import AudioInput
import VoiceEmotionCore
import Foundation
import Testing
import TestSupport

@Suite struct SampleRateRangeTests {
    /// Headers claiming 1 Hz or 8 Hz are refused at open, before any resampling.
    @Test func absurdHeaderRatesAreRefused() throws {
        for rate in [1, 8, 999, 768_001] {
            let bytes = floatWAVBytes([Float](repeating: 0.1, count: 16000), rate: rate)
            #expect(throws: VoiceEmotionError.invalidSampleRate(path: "low.wav", rate: rate)) { try AudioLoader.info(bytes: bytes, label: "low.wav") }
            let path = temporaryFile(bytes, suffix: ".wav")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: VoiceEmotionError.invalidSampleRate(path: path, rate: rate)) {
                try AudioLoader.stream(path: path, sampleRate: 16000) { _ in true }
            }
        }
        #expect(try AudioLoader.info(bytes: floatWAVBytes([0.1, 0.2], rate: 1000)).sampleRate == 1000)
    }

    @Test func resamplerRatesOutsideTheRangeAreErrors() throws {
        for rate in [1e-300, 999.9, 768_000.5, .infinity, -.infinity] {
            #expect(throws: VoiceEmotionError.invalidSampleRate(path: "<samples>", rate: rate.isFinite ? Int(rate.rounded()) : 0)) {
                try Resampler(from: rate, to: 16000)
            }
        }
        #expect(throws: VoiceEmotionError.invalidSampleRate(path: fixture("tone_44k.wav"), rate: 1)) { try AudioLoader.load(path: fixture("tone_44k.wav"), sampleRate: 1) }
    }

    /// The largest ratio (1 kHz -> 768 kHz) is fed in small steps so no single call releases more
    /// than ~64 Ki samples; the output is the same whatever the block sizes.
    @Test func extremeRatiosAreChunkInvariant() throws {
        var generator = SplitMix64(seed: 7)
        let input = (0..<3000).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        for (from, to) in [(1000.0, 768_000.0), (768_000.0, 1000.0), (1000.0, 16000.0)] {
            let whole = try Resampler.resample(input, from: from, to: to)
            #expect(whole.count == Int(Double(input.count) * to / from) + 1 || whole.count == Int(Double(input.count) * to / from))
            let resampler = try Resampler(from: from, to: to)
            var blocks: [Float] = []
            var offset = 0
            try input.withUnsafeBufferPointer { buffer in
                while offset < buffer.count {
                    let n = min(Int.random(in: 1...700, using: &generator), buffer.count - offset)
                    try resampler.process(UnsafeBufferPointer(rebasing: buffer[offset..<(offset + n)]), into: &blocks)
                    offset += n
                }
            }
            try resampler.finish(into: &blocks)
            #expect(blocks == whole, "\(from) -> \(to) Hz")
        }
    }
}

@Suite struct NonFiniteSampleTests {
    /// One NaN or infinity in a float file: a typed error naming the file and the time.
    @Test func nonFiniteSamplesAreNamedWithTheirTime() throws {
        var samples = (0..<32000).map { Float(sin(Double($0) * 0.01)) * 0.3 }
        samples[12345] = .nan
        let path = temporaryFile(floatWAVBytes(samples, rate: 16000), suffix: ".wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: path, seconds: 12345.0 / 16000)) { try AudioLoader.load(path: path, sampleRate: 16000) }
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: path, seconds: 12345.0 / 16000)) {
            try AudioLoader.stream(path: path, sampleRate: 8000) { _ in true }
        }
        samples[12345] = 0
        samples[31_999] = -.infinity
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "mem.wav", seconds: 31_999.0 / 16000)) {
            try AudioLoader.load(bytes: floatWAVBytes(samples, rate: 16000), label: "mem.wav")
        }
    }

    /// +inf in one channel and -inf in the other average to NaN: caught after the downmix, at the
    /// frame's time (past the first block, so the offset counts).
    @Test func nonFiniteInAnyChannelIsCaught() throws {
        var interleaved = [Float](repeating: 0.25, count: 2 * 100_000)
        interleaved[2 * 70_000] = .infinity
        interleaved[2 * 70_000 + 1] = -.infinity
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "stereo.wav", seconds: 70_000.0 / 44100)) {
            try AudioLoader.load(bytes: floatWAVBytes(interleaved, rate: 44100, channels: 2), label: "stereo.wav")
        }
    }

    @Test func requireFiniteReportsTheFirstIndexWithTheOffset() throws {
        var samples = [Float](repeating: 1, count: 100)
        samples[37] = .nan
        samples[60] = .infinity
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "x", seconds: 1037.0 / 1000)) {
            try samples.withUnsafeBufferPointer { try AudioLoader.requireFinite($0, sampleRate: 1000, label: "x", offset: 1000) }
        }
        try [Float](repeating: .greatestFiniteMagnitude, count: 33).withUnsafeBufferPointer {
            try AudioLoader.requireFinite($0, sampleRate: 1000, label: "x")
        }
    }
}

@Suite struct UnknownLengthTests {
    /// libsndfile reports SF_COUNT_MAX frames for an Ogg file cut off before its last page: the
    /// length is unknown (nil), not 2^63 frames.
    @Test func cutOffOggHasNoLength() throws {
        let bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("tone_44k.ogg")))
        let info = try AudioLoader.info(bytes: Array(bytes.prefix(4000)), label: "cut.ogg")
        #expect(info.frames == nil && info.durationSeconds == nil && info.sampleRate == 44100)
        let whole = try AudioLoader.info(path: fixture("tone_44k.ogg"))
        #expect(whole.frames == 22050 && whole.durationSeconds == 0.5)
    }
}

@Suite struct ManyChannelTests {
    /// 64 channels: blocks shrink so the interleaved buffer stays small; the result is still
    /// the channel mean of every frame.
    @Test func manyChannelsDownmixToTheMean() throws {
        let channels = 64, frames = 20_000
        var generator = SplitMix64(seed: 11)
        let interleaved = (0..<(channels * frames)).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let audio = try AudioLoader.load(bytes: floatWAVBytes(interleaved, rate: 16000, channels: channels), label: "64.wav")
        #expect(audio.samples.count == frames)
        let expected = (0..<frames).map { f in
            var sum: Float = 0
            for c in 0..<channels { sum += interleaved[f * channels + c] }
            return sum * (1 / Float(channels))
        }
        #expect(audio.samples == expected)
    }
}
