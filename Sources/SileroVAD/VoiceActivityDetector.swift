// The public face of the Silero VAD port: load weights (bundled by default), score chunks, find
// speech segments in whole recordings at any sample rate.

import AudioInput
import SafeTensors
import SileroVADWeights

/// Per-chunk probabilities and speech segments of one recording.
public struct VoiceActivityResult: Sendable, Codable, Equatable {
    /// The rate the detector ran at (8000 or 16000); segment indices count at this rate.
    public let sampleRate: Int
    /// Samples of the audio at `sampleRate`.
    public let audioLength: Int
    /// One speech probability per chunk (512 samples at 16 kHz, 256 at 8 kHz).
    public let probabilities: [Float]
    /// Speech segments, padded and merged as the official `get_speech_timestamps`.
    public let segments: [SpeechSegment]

    /// Seconds of audio.
    public var durationSeconds: Double { Double(audioLength) / Double(sampleRate) }
    /// Seconds covered by speech segments.
    public var speechSeconds: Double { segments.reduce(0) { $0 + $1.durationSeconds } }
}

/// Silero VAD v6.2 (16 kHz and 8 kHz models), running natively on TensorKernels.
///
/// Immutable and `Sendable`: load it once and share it. Each analysis creates its own small
/// `SileroVADSession`, so concurrent calls run in parallel safely.
public struct VoiceActivityDetector: Sendable {
    let network16k: SileroNetwork
    let network8k: SileroNetwork
    /// The weights file's metadata (source package version, licence).
    public let metadata: [String: String]
    /// Whether the STFT runs as an FFT (the loaded basis is exactly a Hann-windowed DFT).
    public var usesFFT: Bool { network16k.fft != nil && network8k.fft != nil }

    /// Loads weights from a converted safetensors file (see Weights/convert_silero_vad.py).
    /// Loading is strict: a missing, extra or mis-shaped tensor is an error naming it.
    public init(weightsPath: String) throws(SileroVADError) {
        try self.init(weightsPath: weightsPath, allowFFT: true)
    }

    /// `allowFFT: false` applies the STFT basis as a matrix even when it is a Hann DFT (tests
    /// check that both paths agree with the official model).
    package init(weightsPath: String, allowFFT: Bool) throws(SileroVADError) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: weightsPath) } catch { throw .invalidWeightsFile(error) }
        let expected = Set((SileroTensors.expected(prefix: "16k", window: 256) + SileroTensors.expected(prefix: "8k", window: 128)).map(\.name))
        if let extra = file.tensorNames.first(where: { !expected.contains($0) }) {
            throw .unexpectedTensor(file: weightsPath, name: extra)
        }
        network16k = try SileroNetwork(file: file, geometry: .rate16k, allowFFT: allowFFT)
        network8k = try SileroNetwork(file: file, geometry: .rate8k, allowFFT: allowFFT)
        metadata = file.metadata
    }

    private static let bundledDetector: Result<VoiceActivityDetector, SileroVADError> = {
        guard let path = BundledSileroWeights.locate() else {
            return .failure(.bundledWeightsNotFound(searched: BundledSileroWeights.candidatePaths))
        }
        return Result { () throws(SileroVADError) in try VoiceActivityDetector(weightsPath: path) }
    }()

    /// The detector with the weights bundled in this package (loaded once per process).
    public static func bundled() throws(SileroVADError) -> VoiceActivityDetector {
        try bundledDetector.get()
    }

    /// A fresh session (zero state) for 8000 or 16000 Hz audio.
    public func makeSession(sampleRate: Int) throws(SileroVADError) -> SileroVADSession {
        switch sampleRate {
        case 16000: return SileroVADSession(network: network16k)
        case 8000: return SileroVADSession(network: network8k)
        default: throw .unsupportedSampleRate(sampleRate)
        }
    }

    /// Per-chunk probabilities of 8 or 16 kHz audio, as the official loop computes them: state reset,
    /// then `ceil(count / chunk)` chunks, the last zero-padded.
    ///
    /// - Parameter progress: called after each chunk with the fraction done; return false to stop
    ///   early (the probabilities so far are returned).
    public func speechProbabilities(
        _ samples: [Float], sampleRate: Int, progress: ((Double) -> Bool)? = nil
    ) throws(SileroVADError) -> [Float] {
        // Slices of the array through the same stream a decoded file goes through, so both give
        // identical probabilities; progress and cancellation between slices.
        let stream = try SpeechProbabilityStream(detector: self, sampleRate: sampleRate)
        let slice = SpeechProbabilityStream.sliceChunks * stream.chunkSize
        var done = 0
        let result = samples.withUnsafeBufferPointer { input in
            Result { () throws(SileroVADError) -> [Float] in
                while done < input.count {
                    let n = min(slice, input.count - done)
                    try stream.append(UnsafeBufferPointer(rebasing: input[done..<(done + n)]))
                    done += n
                    if done < input.count, let progress, !progress(Double(done) / Double(input.count)) {
                        return stream.finish()  // stopped on a slice boundary: nothing partial is pending
                    }
                }
                let probabilities = stream.finish()
                _ = progress?(1)
                return probabilities
            }
        }
        return try result.get()
    }

    /// Probabilities and speech segments of a recording at any rate: 16 kHz and 8 kHz audio run
    /// as they are; any other rate is first resampled to 16 kHz (libsoxr HQ).
    public func analyze(
        _ samples: [Float], sampleRate: Int, options: SpeechTimestampOptions = .init(),
        progress: ((Double) -> Bool)? = nil
    ) throws(SileroVADError) -> VoiceActivityResult {
        try options.validate()
        var audio = samples
        var rate = sampleRate
        if rate != 16000 && rate != 8000 {
            // Checked before resampling, which would smear one NaN over its neighbours.
            do {
                try samples.withUnsafeBufferPointer { (buffer) throws(AudioError) in
                    try AudioLoader.requireFinite(buffer, sampleRate: rate, label: "<samples>")
                }
            } catch { throw .audio(error) }
            do { audio = try Resampler.resample(samples, from: Double(rate), to: 16000) } catch { throw .resampling(error) }
            rate = 16000
        }
        let probabilities = try speechProbabilities(audio, sampleRate: rate, progress: progress)
        let segments = try speechSegments(probabilities: probabilities, sampleRate: rate, audioLength: audio.count, options: options)
        return VoiceActivityResult(sampleRate: rate, audioLength: audio.count, probabilities: probabilities, segments: segments)
    }

    /// Probabilities and speech segments of an audio file, decoded block by block and never
    /// held whole: at 8 kHz when the file has that rate, otherwise at 16 kHz (resampled as
    /// `AudioLoader` does). Identical to `analyze` on the decoded samples.
    ///
    /// - Parameter progress: called with the fraction of the file decoded; return false to stop
    ///   (the probabilities so far are then returned, without segments).
    public func analyze(
        file path: String, options: SpeechTimestampOptions = .init(), progress: ((Double) -> Bool)? = nil
    ) throws(SileroVADError) -> VoiceActivityResult {
        try options.validate()
        let info: AudioFormatInfo
        do { info = try AudioLoader.info(path: path) } catch { throw .audio(error) }
        let rate = info.sampleRate == 8000 ? 8000 : 16000
        let stream = try SpeechProbabilityStream(detector: self, sampleRate: rate)
        var stopped = false
        var failure: SileroVADError?
        let summary: AudioStreamSummary
        do {
            summary = try AudioLoader.stream(path: path, sampleRate: rate, progress: { fraction in
                if let progress, !progress(fraction) { stopped = true }
            }) { block in
                do throws(SileroVADError) { try stream.append(block) } catch {
                    failure = error
                    return false
                }
                return !stopped
            }
        } catch { throw .audio(error) }
        if let failure { throw failure }
        let probabilities = stream.finish()
        let segments = stopped ? [] : try speechSegments(probabilities: probabilities, sampleRate: rate,
                                                         audioLength: summary.samples, options: options)
        return VoiceActivityResult(sampleRate: rate, audioLength: summary.samples, probabilities: probabilities, segments: segments)
    }
}
