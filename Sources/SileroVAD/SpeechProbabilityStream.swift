// Per-chunk speech probabilities of audio that arrives in blocks of any size (a file being
// decoded), identical to `VoiceActivityDetector.speechProbabilities` on the whole array: the
// chunks are grouped into the same slices from the start of the audio, so every product runs
// on the same rows and rounds the same way.

import VoiceEmotionCore

/// Feeds audio block by block to a Silero session; `finish()` returns the probabilities.
/// Holds mutable state (the session's LSTM state and the pending samples): use one stream per
/// recording, from one thread at a time; create streams freely, they share only the weights.
public final class SpeechProbabilityStream {
    /// Chunks processed per call: the grouping both this stream and `speechProbabilities` use.
    static let sliceChunks = 16 * SileroVADSession.blockChunks

    private let session: SileroVADSession
    private var pending: [Float] = []
    private var probabilities: [Float] = []
    /// Samples appended so far.
    public private(set) var sampleCount = 0
    /// Samples per chunk (512 at 16 kHz, 256 at 8 kHz).
    public var chunkSize: Int { session.geometry.chunkSize }
    /// Chunks scored so far.
    public var chunkCount: Int { probabilities.count }

    /// A stream for 16 or 8 kHz audio, from the start of a recording.
    public init(detector: VoiceActivityDetector, sampleRate: Int) throws {
        session = try detector.makeSession(sampleRate: sampleRate)
    }

    /// Appends samples; every complete slice of chunks is scored now. A NaN or infinite sample
    /// is refused (`.nonFiniteSample`) and nothing of the block is kept: it would turn
    /// the LSTM state, and every probability after it, into NaN.
    public func append(_ samples: UnsafeBufferPointer<Float>) throws {
        try requireFiniteSamples(samples, sampleRate: session.geometry.sampleRate, label: "<samples>", offset: sampleCount)
        sampleCount += samples.count
        pending.append(contentsOf: samples)
        let slice = Self.sliceChunks * session.geometry.chunkSize
        guard pending.count >= slice else { return }
        var consumed = 0
        pending.withUnsafeBufferPointer { buffer in
            while pending.count - consumed >= slice {
                score(buffer.baseAddress! + consumed, chunks: Self.sliceChunks)
                consumed += slice
            }
        }
        pending.removeFirst(consumed)
    }

    /// Scores what is left (whole chunks, then the last partial chunk zero-padded, as the
    /// official loop does) and returns one probability per chunk of everything appended.
    public func finish() -> [Float] {
        let chunk = session.geometry.chunkSize
        let whole = pending.count / chunk
        pending.withUnsafeBufferPointer { buffer in
            if whole > 0 { score(buffer.baseAddress!, chunks: whole) }
        }
        let rest = pending.count - whole * chunk
        if rest > 0 {
            var last = [Float](repeating: 0, count: chunk)
            for j in 0..<rest { last[j] = pending[whole * chunk + j] }
            last.withUnsafeBufferPointer { score($0.baseAddress!, chunks: 1) }
        }
        pending.removeAll()
        return probabilities
    }

    private func score(_ samples: UnsafePointer<Float>, chunks: Int) {
        let start = probabilities.count
        probabilities.append(contentsOf: repeatElement(0, count: chunks))
        probabilities.withUnsafeMutableBufferPointer { output in
            session.process(samples, chunks: chunks, probabilities: output.baseAddress! + start)
        }
    }
}
