// Speech segments from per-chunk probabilities: a line-by-line port of the official
// `get_speech_timestamps_from_probs` (silero-vad 6.2.3, utils_vad.py), including its float/int
// arithmetic, so segments are identical to the official function's given the same probabilities.

import Foundation
import VoiceEmotionCore

/// Segmentation options, with the official `get_speech_timestamps` defaults.
public struct SpeechTimestampOptions: Sendable, Codable, Equatable {
    /// Probability at or above which a chunk is speech.
    public var threshold: Double = 0.5
    /// Probability below which speech may end; nil means `max(threshold - 0.15, 0.01)`.
    public var negativeThreshold: Double? = nil
    /// Segments shorter than this are dropped.
    public var minSpeechDurationMs: Double = 250
    /// Segments longer than this are split (at the longest silence > `minSilenceAtMaxSpeechMs`
    /// inside them when `useMaxPossibleSilenceAtMaxSpeech`, else at the last such silence, else hard).
    public var maxSpeechDurationSeconds: Double = .infinity
    /// Silence that must pass before a segment ends.
    public var minSilenceDurationMs: Double = 100
    /// Padding added on each side of a segment.
    public var speechPadMs: Double = 30
    /// Shortest silence considered as a split point when a segment exceeds the maximum.
    public var minSilenceAtMaxSpeechMs: Double = 98
    /// Split overlong segments at the longest silence rather than the last one.
    public var useMaxPossibleSilenceAtMaxSpeech: Bool = true

    /// The official defaults.
    public init() {}

    /// The negative threshold in effect.
    public var effectiveNegativeThreshold: Double { negativeThreshold ?? max(threshold - 0.15, 0.01) }

    /// Longest duration option accepted, in milliseconds (a day): sample positions computed
    /// from larger ones would not fit an `Int`.
    public static let maximumDurationMs = 86_400_000.0

    /// Throws `invalidOption` unless `value` is a duration in 0...`maximumDurationMs`.
    static func validateDuration(_ name: String, _ value: Double) throws {
        guard value >= 0 && value <= maximumDurationMs else {
            throw VoiceEmotionError.invalidOption(name: name, value: "\(value)", reason: "must be a duration from 0 to \(Int(maximumDurationMs)) ms (a day)")
        }
    }

    /// The one check of a probability threshold, for every VAD option type (same words everywhere).
    static func validateThreshold(_ name: String, _ value: Double) throws {
        guard (0...1).contains(value) else { throw VoiceEmotionError.invalidOption(name: name, value: "\(value)", reason: "must be within 0...1") }
    }

    /// Throws `invalidOption` for a threshold outside 0...1, a duration outside 0 ms...a day, or
    /// a negative threshold above the threshold.
    public func validate() throws {
        try Self.validateThreshold("threshold", threshold)
        if let negativeThreshold {
            guard (0...1).contains(negativeThreshold) else {
                throw VoiceEmotionError.invalidOption(name: "negativeThreshold", value: "\(negativeThreshold)", reason: "must be within 0...1")
            }
            guard negativeThreshold <= threshold else {
                throw VoiceEmotionError.invalidOption(name: "negativeThreshold", value: "\(negativeThreshold)", reason: "must not exceed the threshold \(threshold)")
            }
        }
        for (name, value) in [("minSpeechDurationMs", minSpeechDurationMs), ("minSilenceDurationMs", minSilenceDurationMs),
                              ("speechPadMs", speechPadMs), ("minSilenceAtMaxSpeechMs", minSilenceAtMaxSpeechMs)] {
            try Self.validateDuration(name, value)
        }
        guard maxSpeechDurationSeconds > 0 && !maxSpeechDurationSeconds.isNaN else {
            throw VoiceEmotionError.invalidOption(name: "maxSpeechDurationSeconds", value: "\(maxSpeechDurationSeconds)", reason: "must be > 0 (infinity for no limit)")
        }
    }
}

/// A stretch of speech, in samples at the rate the detector ran at.
public struct SpeechSegment: Sendable, Codable, Equatable, Hashable {
    /// First sample.
    public var start: Int
    /// One past the last sample.
    public var end: Int
    /// The rate `start` and `end` count at.
    public var sampleRate: Int

    /// Creates a segment.
    public init(start: Int, end: Int, sampleRate: Int) {
        self.start = start
        self.end = end
        self.sampleRate = sampleRate
    }

    /// Start in seconds (exact).
    public var startSeconds: Double { Double(start) / Double(sampleRate) }
    /// End in seconds (exact).
    public var endSeconds: Double { Double(end) / Double(sampleRate) }
    /// Length in seconds.
    public var durationSeconds: Double { Double(end - start) / Double(sampleRate) }

    /// Start and end in seconds as the official `return_seconds=True` gives them: rounded to
    /// `resolution` decimals (Python `round`, ties to even on the exact binary value), start at
    /// least 0, end at most the audio length.
    public func officialSeconds(resolution: Int = 1, audioLength: Int) -> (start: Double, end: Double) {
        let length = Double(audioLength) / Double(sampleRate)
        return (max(pythonRound(startSeconds, resolution), 0), min(pythonRound(endSeconds, resolution), length))
    }
}

/// Python's `round(x, digits)`: correctly rounded through the exact decimal expansion, which
/// glibc's and Darwin's printf both produce.
func pythonRound(_ x: Double, _ digits: Int) -> Double {
    Double(String(format: "%.\(digits)f", x)) ?? x
}

/// Python's `//` on integers (floor division).
private func floorDivide(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Speech segments from per-chunk probabilities (chunk i covers samples `window·i ..< window·(i+1)`),
/// exactly as the official `get_speech_timestamps_from_probs`.
///
/// - Parameters:
///   - probabilities: one per chunk, from a session reset at the start of the audio.
///   - sampleRate: 16000 (512-sample chunks) or 8000 (256-sample chunks).
///   - audioLength: samples in the audio (the last chunk may have been zero-padded).
public func speechSegments(
    probabilities: [Float], sampleRate: Int, audioLength: Int, options: SpeechTimestampOptions = .init()
) throws -> [SpeechSegment] {
    try options.validate()
    let geometry = try SileroGeometry.forRate(sampleRate)
    let window = geometry.chunkSize
    let rate = Double(sampleRate)
    let minSpeechSamples = rate * options.minSpeechDurationMs / 1000
    let speechPadSamples = rate * options.speechPadMs / 1000
    let maxSpeechSamples = rate * options.maxSpeechDurationSeconds - Double(window) - 2 * speechPadSamples
    let minSilenceSamples = rate * options.minSilenceDurationMs / 1000
    let minSilenceSamplesAtMaxSpeech = rate * options.minSilenceAtMaxSpeechMs / 1000
    let threshold = options.threshold
    let negativeThreshold = options.effectiveNegativeThreshold
    let useMaxPossible = options.useMaxPossibleSilenceAtMaxSpeech

    var triggered = false
    var speeches: [(start: Int, end: Int)] = []
    var currentStart: Int?  // the official `current_speech` dict holds only 'start' between appends
    var tempEnd = 0         // 0 means "none", as in the reference (sample 0 can never be a temp end)
    var prevEnd = 0
    var nextStart = 0
    var possibleEnds: [(end: Int, duration: Int)] = []

    for (i, p) in probabilities.enumerated() {
        let probability = Double(p)
        let currentSample = window * i

        // Speech returns after a tentative end: remember that silence as a split candidate.
        if probability >= threshold && tempEnd != 0 {
            let silence = currentSample - tempEnd
            if Double(silence) > minSilenceSamplesAtMaxSpeech { possibleEnds.append((tempEnd, silence)) }
            tempEnd = 0
            if nextStart < prevEnd { nextStart = currentSample }
        }

        if probability >= threshold && !triggered {
            triggered = true
            currentStart = currentSample
            continue
        }

        if triggered, let start = currentStart, Double(currentSample - start) > maxSpeechSamples {
            if useMaxPossible && !possibleEnds.isEmpty {
                // Python's max() keeps the first of equal maxima.
                var best = possibleEnds[0]
                for candidate in possibleEnds.dropFirst() where candidate.duration > best.duration { best = candidate }
                prevEnd = best.end
                speeches.append((start, prevEnd))
                currentStart = nil
                nextStart = prevEnd + best.duration
                if nextStart < prevEnd + currentSample {
                    currentStart = nextStart
                } else {
                    triggered = false
                }
                prevEnd = 0; nextStart = 0; tempEnd = 0
                possibleEnds = []
            } else if prevEnd != 0 {
                speeches.append((start, prevEnd))
                currentStart = nil
                if nextStart < prevEnd {
                    triggered = false
                } else {
                    currentStart = nextStart
                }
                prevEnd = 0; nextStart = 0; tempEnd = 0
                possibleEnds = []
            } else {
                speeches.append((start, currentSample))
                currentStart = nil
                prevEnd = 0; nextStart = 0; tempEnd = 0
                triggered = false
                possibleEnds = []
                continue
            }
        }

        if probability < negativeThreshold && triggered {
            if tempEnd == 0 { tempEnd = currentSample }
            let silenceNow = currentSample - tempEnd
            if !useMaxPossible && Double(silenceNow) > minSilenceSamplesAtMaxSpeech { prevEnd = tempEnd }
            if Double(silenceNow) < minSilenceSamples { continue }
            if let start = currentStart, Double(tempEnd - start) > minSpeechSamples { speeches.append((start, tempEnd)) }
            currentStart = nil
            prevEnd = 0; nextStart = 0; tempEnd = 0
            triggered = false
            possibleEnds = []
            continue
        }
    }

    if let start = currentStart, Double(audioLength - start) > minSpeechSamples {
        speeches.append((start, audioLength))
    }

    // Padding: the official loop mutates the next segment's start while visiting the current one.
    let length = Double(audioLength)
    for i in speeches.indices {
        if i == 0 { speeches[i].start = Int(max(0, Double(speeches[i].start) - speechPadSamples)) }
        if i != speeches.count - 1 {
            let silence = speeches[i + 1].start - speeches[i].end
            if Double(silence) < 2 * speechPadSamples {
                speeches[i].end += floorDivide(silence, 2)
                speeches[i + 1].start = max(0, speeches[i + 1].start - floorDivide(silence, 2))
            } else {
                speeches[i].end = Int(min(length, Double(speeches[i].end) + speechPadSamples))
                speeches[i + 1].start = Int(max(0, Double(speeches[i + 1].start) - speechPadSamples))
            }
        } else {
            speeches[i].end = Int(min(length, Double(speeches[i].end) + speechPadSamples))
        }
    }
    return speeches.map { SpeechSegment(start: $0.start, end: $0.end, sampleRate: sampleRate) }
}

/// The official `collect_chunks`: the samples of every segment, concatenated (indices clamped to the audio).
public func collectSpeech(_ segments: [SpeechSegment], from samples: [Float]) -> [Float] {
    var speech: [Float] = []
    speech.reserveCapacity(segments.reduce(0) { $0 + max(0, $1.end - $1.start) })
    for segment in segments {
        let start = min(max(segment.start, 0), samples.count)
        let end = min(max(segment.end, start), samples.count)
        speech.append(contentsOf: samples[start..<end])
    }
    return speech
}
