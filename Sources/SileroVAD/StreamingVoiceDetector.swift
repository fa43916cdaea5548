// Streaming speech start/end events: a port of the official `VADIterator` (silero-vad 6.2.3)
// that accepts buffers of any size and runs the model on whole chunks as they fill.

import VoiceEmotionCore

/// A speech boundary found while streaming, in samples since the stream (re)started.
public enum VoiceEvent: Sendable, Equatable, Codable {
    /// Speech starts at this sample (already moved back by the speech padding).
    case start(sample: Int)
    /// Speech ends at this sample (the silence start plus the padding).
    case end(sample: Int)
}

/// Options of the streaming detector, with the official `VADIterator` defaults.
public struct StreamingOptions: Sendable, Codable, Equatable {
    /// Probability at or above which a chunk is speech; speech ends below `threshold - 0.15`.
    public var threshold: Double = 0.5
    /// Silence that must pass before speech ends.
    public var minSilenceDurationMs: Double = 100
    /// Padding applied to the reported start and end.
    public var speechPadMs: Double = 30

    /// The official defaults.
    public init() {}

    /// Throws `invalidOption` for a threshold outside 0...1 or a duration outside 0 ms...a day,
    /// in the words `SpeechTimestampOptions.validate()` uses.
    public func validate() throws {
        try SpeechTimestampOptions.validateThreshold("threshold", threshold)
        for (name, value) in [("minSilenceDurationMs", minSilenceDurationMs), ("speechPadMs", speechPadMs)] {
            try SpeechTimestampOptions.validateDuration(name, value)
        }
    }
}

/// Pushes audio of any length through a Silero VAD session and reports speech starts and ends
/// exactly as the official `VADIterator` fed the same audio in whole chunks (512 samples at 16 kHz).
///
/// Samples that do not fill a chunk wait for the next push. Not thread-safe: one per stream.
public final class StreamingVoiceDetector {
    /// The options in use.
    public let options: StreamingOptions
    private let session: SileroVADSession
    private var pending: [Float] = []
    private var probabilities: [Float] = []  // reused across pushes
    private var triggered = false
    private var tempEnd = 0
    private var currentSample = 0
    private let minSilenceSamples: Double
    private let speechPadSamples: Double

    /// Creates a detector for `sampleRate` (8000 or 16000) from loaded weights.
    public init(detector: VoiceActivityDetector, sampleRate: Int, options: StreamingOptions = .init()) throws {
        try options.validate()
        session = try detector.makeSession(sampleRate: sampleRate)
        self.options = options
        minSilenceSamples = Double(sampleRate) * options.minSilenceDurationMs / 1000
        speechPadSamples = Double(sampleRate) * options.speechPadMs / 1000
        pending.reserveCapacity(session.geometry.chunkSize)
    }

    /// Forgets all state (model, events, sample counter), as `VADIterator.reset_states()`.
    public func reset() {
        session.reset()
        pending.removeAll(keepingCapacity: true)
        triggered = false
        tempEnd = 0
        currentSample = 0
    }

    /// Whether the detector is currently inside speech.
    public var isSpeaking: Bool { triggered }

    /// Feeds samples at the detector's rate; returns the events of every chunk completed. A NaN
    /// or infinite sample is refused (`.nonFiniteSample`) before any of the block is used.
    public func push(_ samples: [Float]) throws -> [VoiceEvent] {
        try samples.withUnsafeBufferPointer { (buffer) throws in
            try requireFiniteSamples(buffer, sampleRate: session.geometry.sampleRate, label: "<stream>", offset: currentSample + pending.count)
        }
        let chunkSize = session.geometry.chunkSize
        var events: [VoiceEvent] = []
        var index = 0
        var scratch: Float = 0
        samples.withUnsafeBufferPointer { input in
            // Finish a partly filled chunk first, then run whole chunks straight from the input
            // (together, so the session can batch them).
            if !pending.isEmpty {
                let take = min(chunkSize - pending.count, input.count)
                pending.append(contentsOf: input[0..<take])
                index = take
                if pending.count == chunkSize {
                    pending.withUnsafeBufferPointer { session.process($0.baseAddress!, chunks: 1, probabilities: &scratch) }
                    pending.removeAll(keepingCapacity: true)
                    if let event = advance(scratch, chunkSize: chunkSize) { events.append(event) }
                }
            }
            let whole = (input.count - index) / chunkSize
            if whole > 0 {
                if probabilities.count < whole { probabilities = [Float](repeating: 0, count: whole) }
                probabilities.withUnsafeMutableBufferPointer {
                    session.process(input.baseAddress! + index, chunks: whole, probabilities: $0.baseAddress!)
                }
                for i in 0..<whole {
                    if let event = advance(probabilities[i], chunkSize: chunkSize) { events.append(event) }
                }
                index += whole * chunkSize
            }
            if index < input.count { pending.append(contentsOf: input[index...]) }
        }
        return events
    }

    /// The official `VADIterator.__call__` after inference (the counter advances first).
    private func advance(_ probability: Float, chunkSize: Int) -> VoiceEvent? {
        currentSample += chunkSize
        let p = Double(probability)
        if p >= options.threshold && tempEnd != 0 { tempEnd = 0 }
        if p >= options.threshold && !triggered {
            triggered = true
            return .start(sample: Int(max(0, Double(currentSample) - speechPadSamples - Double(chunkSize))))
        }
        if p < options.threshold - 0.15 && triggered {
            if tempEnd == 0 { tempEnd = currentSample }
            if Double(currentSample - tempEnd) < minSilenceSamples { return nil }
            let end = Double(tempEnd) + speechPadSamples - Double(chunkSize)
            tempEnd = 0
            triggered = false
            return .end(sample: Int(end))
        }
        return nil
    }
}
