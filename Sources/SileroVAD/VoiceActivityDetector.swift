// The public face of the Silero VAD port: load weights (bundled by default), score chunks, find
// speech segments in recordings at 8 or 16 kHz.

import SafeTensors
import SileroVADWeights
import VoiceEmotionCore

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

    /// A result from its parts.
    public init(sampleRate: Int, audioLength: Int, probabilities: [Float], segments: [SpeechSegment]) {
        self.sampleRate = sampleRate
        self.audioLength = audioLength
        self.probabilities = probabilities
        self.segments = segments
    }

    /// Seconds of audio.
    public var durationSeconds: Double { Double(audioLength) / Double(sampleRate) }
    /// Seconds covered by speech segments.
    public var speechSeconds: Double { segments.reduce(0) { $0 + $1.durationSeconds } }
}

/// Silero VAD v6.2 (16 kHz and 8 kHz models), running natively on the package's kernels. It
/// takes samples at 8 or 16 kHz (decode and resample files with `AudioInput`, or let
/// `EmotionAnalyzer` do it).
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
    /// Loading is strict: a missing, extra, mis-shaped or non-finite tensor is an error naming it.
    public init(weightsPath: String) throws {
        try self.init(weightsPath: weightsPath, allowFFT: true)
    }

    /// `allowFFT: false` applies the STFT basis as a matrix even when it is a Hann DFT (tests
    /// check that both paths agree with the official model).
    package init(weightsPath: String, allowFFT: Bool) throws {
        let reader = CheckpointReader(file: try SafeTensorsFile(path: weightsPath))
        network16k = try SileroNetwork(scope: reader.root.scoped(SileroGeometry.rate16k.prefix), geometry: .rate16k, allowFFT: allowFFT)
        network8k = try SileroNetwork(scope: reader.root.scoped(SileroGeometry.rate8k.prefix), geometry: .rate8k, allowFFT: allowFFT)
        try reader.finish()
        metadata = reader.file?.metadata ?? [:]
    }

    /// Every tensor (name, shape) of a Silero VAD weights file, in the order the loader reads them.
    package static func tensorShapes() -> [(name: String, shape: [Int])] {
        let reader = CheckpointReader(recordingWithPresent: { _ in true })
        for geometry in [SileroGeometry.rate16k, .rate8k] {
            _ = try? SileroNetwork(scope: reader.root.scoped(geometry.prefix), geometry: geometry, allowFFT: false)
        }
        return reader.requested
    }

    private static let bundledDetector: Result<VoiceActivityDetector, any Error> = {
        guard let path = BundledSileroWeights.locate() else {
            return .failure(VoiceEmotionError.bundledWeightsNotFound(searched: BundledSileroWeights.candidatePaths))
        }
        return Result { () throws in try VoiceActivityDetector(weightsPath: path) }
    }()

    /// The detector with the weights bundled in this package (loaded once per process).
    public static func bundled() throws -> VoiceActivityDetector {
        try bundledDetector.get()
    }

    /// A fresh session (zero state) for 8000 or 16000 Hz audio.
    public func makeSession(sampleRate: Int) throws -> SileroVADSession {
        SileroVADSession(network: try SileroGeometry.forRate(sampleRate) == .rate8k ? network8k : network16k)
    }

    /// Per-chunk probabilities of 8 or 16 kHz audio, as the official loop computes them: state reset,
    /// then `ceil(count / chunk)` chunks, the last zero-padded.
    ///
    /// - Parameter progress: called after each slice of chunks with the fraction done; return
    ///   false to stop (the call then throws `.cancelled`).
    public func speechProbabilities(
        _ samples: [Float], sampleRate: Int, progress: ((Double) -> Bool)? = nil
    ) throws -> [Float] {
        // Slices of the array through the same stream a decoded file goes through, so both give
        // identical probabilities; progress and cancellation between slices.
        let stream = try SpeechProbabilityStream(detector: self, sampleRate: sampleRate)
        let slice = SpeechProbabilityStream.sliceChunks * stream.chunkSize
        var done = 0
        let result = samples.withUnsafeBufferPointer { input in
            Result { () throws -> [Float] in
                while done < input.count {
                    let n = min(slice, input.count - done)
                    try stream.append(UnsafeBufferPointer(rebasing: input[done..<(done + n)]))
                    done += n
                    if let progress, !progress(Double(done) / Double(input.count)) { throw VoiceEmotionError.cancelled }
                }
                return stream.finish()
            }
        }
        return try result.get()
    }

    /// Probabilities and speech segments of a recording at 8 or 16 kHz.
    ///
    /// - Parameter progress: as for `speechProbabilities`; returning false throws `.cancelled`.
    public func analyze(
        _ samples: [Float], sampleRate: Int, options: SpeechTimestampOptions = .init(),
        progress: ((Double) -> Bool)? = nil
    ) throws -> VoiceActivityResult {
        try options.validate()
        let probabilities = try speechProbabilities(samples, sampleRate: sampleRate, progress: progress)
        let segments = try speechSegments(probabilities: probabilities, sampleRate: sampleRate, audioLength: samples.count, options: options)
        return VoiceActivityResult(sampleRate: sampleRate, audioLength: samples.count, probabilities: probabilities, segments: segments)
    }
}
