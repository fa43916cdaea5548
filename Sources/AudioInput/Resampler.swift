// Streaming sample-rate conversion with libsoxr at HQ quality: the resampler librosa uses by
// default (through python-soxr), so 16 kHz audio here matches what Python users feed a model.

import VoiceEmotionCore

import CSoxr

/// A streaming mono resampler: push blocks with `process`, then call `finish` once.
///
/// Output matches python-soxr's `soxr.resample(x, from, to, quality="HQ")` on the concatenated
/// input: same libsoxr recipe (`SOXR_HQ`, float32 I/O) and the same output-length rule
/// (at most `floor(inputCount · to / from) + 1` samples).
public final class Resampler {
    /// Input rate in Hz.
    public let inputRate: Double
    /// Output rate in Hz.
    public let outputRate: Double
    private let soxr: soxr_t
    private var inputCount = 0
    private var outputCount = 0
    private var scratch: [Float] = []
    private var finished = false

    /// Names the audio in error messages.
    public let label: String

    /// Creates a resampler from `inputRate` to `outputRate`, both within `audioSampleRates`
    /// (1 kHz to 768 kHz); `label` names the audio in error messages.
    public init(from inputRate: Double, to outputRate: Double, label: String = "<samples>") throws {
        let range = Double(audioSampleRates.lowerBound)...Double(audioSampleRates.upperBound)
        guard range.contains(inputRate), range.contains(outputRate) else {
            let bad = range.contains(inputRate) ? outputRate : inputRate
            throw VoiceEmotionError.invalidSampleRate(path: label, rate: bad.isFinite ? Int(bad.rounded()) : 0)
        }
        self.label = label
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        guard let created = soxr_create(inputRate, outputRate, 1, &error, &io, &quality, nil), error == nil else {
            throw VoiceEmotionError.resamplingFailed(path: label, reason: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
        self.soxr = created
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    deinit { soxr_delete(soxr) }

    /// Resamples one block, appending the samples it releases to `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) throws {
        precondition(!finished, "Resampler: process after finish")
        inputCount += input.count
        try run(input.baseAddress, count: input.count, into: &output)
    }

    /// Flushes the filter's delay line, appending the remaining samples to `output`.
    public func finish(into output: inout [Float]) throws {
        guard !finished else { return }
        finished = true
        try run(nil, count: 0, into: &output)
    }

    /// The largest output python-soxr returns for the input seen so far.
    private var outputLimit: Int { Int(Double(inputCount) * outputRate / inputRate) + 1 }

    private func run(_ input: UnsafePointer<Float>?, count: Int, into output: inout [Float]) throws {
        var offset = 0
        // Input per call such that one call releases at most ~64 Ki samples, whatever the ratio:
        // the scratch buffer stays small (upsampling 1 kHz to 768 kHz multiplies by 768).
        let step = max(1, min(65_536, Int(65_536 * inputRate / outputRate)))
        repeat {
            let take = min(count - offset, step)
            let capacity = Int(Double(take) * outputRate / inputRate) + 1024
            if scratch.count < capacity { scratch = [Float](repeating: 0, count: capacity) }
            var consumed = 0
            var produced = 0
            let error: soxr_error_t? = scratch.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, input.map { UnsafeRawPointer($0 + offset) }, take, &consumed,
                             out.baseAddress, out.count, &produced)
            }
            if let error { throw VoiceEmotionError.resamplingFailed(path: label, reason: String(cString: error)) }
            let kept = max(0, min(produced, outputLimit - outputCount))
            output.append(contentsOf: scratch[0..<kept])
            outputCount += kept
            offset += consumed
            // While flushing, keep draining until soxr has nothing left.
            if input == nil && produced == 0 { break }
            if input != nil && consumed == 0 && produced == 0 { break }
        } while input == nil || offset < count
    }

    /// Resamples a whole signal in one call.
    public static func resample(
        _ samples: [Float], from inputRate: Double, to outputRate: Double, label: String = "<samples>"
    ) throws -> [Float] {
        let resampler = try Resampler(from: inputRate, to: outputRate, label: label)
        if inputRate == outputRate { return samples }
        var output: [Float] = []
        output.reserveCapacity(Int(Double(samples.count) * outputRate / inputRate) + 1)
        try samples.withUnsafeBufferPointer { (buffer) throws in try resampler.process(buffer, into: &output) }
        try resampler.finish(into: &output)
        return output
    }
}
