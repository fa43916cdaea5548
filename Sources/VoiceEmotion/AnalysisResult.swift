// What an analysis returns: speech segments with their emotions and stress, and the recording's
// duration-weighted summary. Codable in one documented JSON schema (Docs/JSON.md), the one the
// CLI prints: snake_case keys, times in seconds rounded to the millisecond, scores and stress to
// six decimals, `scores` keyed by canonical emotion names with the model's own labels beside.

import Foundation

/// Emotion of one stretch of speech.
public struct SegmentAnalysis: Sendable, Codable, Equatable {
    /// Start in seconds from the beginning of the recording.
    public let startSeconds: Double
    /// End in seconds.
    public let endSeconds: Double
    /// Label scores in the model's label order; empty when no model is loaded or the segment is
    /// shorter than one model frame (400 samples).
    public let scores: [EmotionScore]
    /// Arousal/dominance/valence for dimensional models.
    public let dimensions: EmotionDimensions?
    /// Stress index 0...1 (a heuristic, see `StressWeights`), nil without scores.
    public let stress: Double?
    /// Model windows the segment was split into (long segments are cut to bound memory).
    public let windows: Int
    /// Voice markers, when `EmotionAnalyzerOptions.prosody` asked for them.
    public let prosody: ProsodySummary?

    /// Length in seconds.
    public var durationSeconds: Double { endSeconds - startSeconds }

    /// The highest-scoring emotion; nil without scores and for dimensional models.
    public var dominant: Emotion? { dimensions == nil ? scores.max { $0.score < $1.score }?.emotion : nil }

    /// A segment's results.
    public init(startSeconds: Double, endSeconds: Double, scores: [EmotionScore], dimensions: EmotionDimensions?,
                stress: Double?, windows: Int, prosody: ProsodySummary? = nil) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.scores = scores
        self.dimensions = dimensions
        self.stress = stress
        self.windows = windows
        self.prosody = prosody
    }

    enum CodingKeys: String, CodingKey {
        case startSeconds = "start_s", endSeconds = "end_s", scores, dominant, dimensions, stress, windows, prosody
    }

    /// Encodes in the documented schema (rounded; `scores` keyed by canonical name).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(JSONRounding.time(startSeconds), forKey: .startSeconds)
        try c.encode(JSONRounding.time(endSeconds), forKey: .endSeconds)
        try c.encode(ScoreMap(scores), forKey: .scores)
        try c.encode(dominant, forKey: .dominant)
        try c.encode(dimensions.map(JSONRounding.dimensions), forKey: .dimensions)
        try c.encode(stress.map(JSONRounding.score), forKey: .stress)
        try c.encode(windows, forKey: .windows)
        if let prosody { try c.encode(prosody, forKey: .prosody) }  // only when asked for
    }

    /// Decodes the documented schema. Scores come back in the order the decoder lists their keys
    /// (`RecordingAnalysis` restores the model's label order from its `labels`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        startSeconds = try c.decode(Double.self, forKey: .startSeconds)
        endSeconds = try c.decode(Double.self, forKey: .endSeconds)
        scores = try c.decode(ScoreMap.self, forKey: .scores).scores
        dimensions = try c.decodeIfPresent(EmotionDimensions.self, forKey: .dimensions)
        stress = try c.decodeIfPresent(Double.self, forKey: .stress)
        windows = try c.decodeIfPresent(Int.self, forKey: .windows) ?? 0
        prosody = try c.decodeIfPresent(ProsodySummary.self, forKey: .prosody)
    }

    /// The same segment with its scores under the model's `labels`, in their order.
    func relabelled(_ labels: [String]) -> SegmentAnalysis {
        SegmentAnalysis(startSeconds: startSeconds, endSeconds: endSeconds, scores: ScoreMap.restore(scores, labels: labels),
                        dimensions: dimensions, stress: stress, windows: windows, prosody: prosody)
    }
}

/// Seconds spent in each stage of one analysis.
public struct AnalysisTimings: Sendable, Codable, Equatable {
    /// Decoding and resampling (of both passes over a file; resampling given samples).
    public var decodeSeconds: Double = 0
    /// Voice activity detection.
    public var vadSeconds: Double = 0
    /// Emotion model over all speech windows.
    public var emotionSeconds: Double = 0
    /// Voice markers over the speech segments (0 unless `EmotionAnalyzerOptions.prosody`).
    public var prosodySeconds: Double = 0
    /// Wall time of the whole analysis.
    public var totalSeconds: Double = 0

    /// Zero timings.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case decodeSeconds = "decode_s", vadSeconds = "vad_s", emotionSeconds = "emotion_s", prosodySeconds = "prosody_s", totalSeconds = "total_s"
    }

    /// Decodes what `encode` writes; `prosody_s`, added later, may be missing (0).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        decodeSeconds = try c.decode(Double.self, forKey: .decodeSeconds)
        vadSeconds = try c.decode(Double.self, forKey: .vadSeconds)
        emotionSeconds = try c.decode(Double.self, forKey: .emotionSeconds)
        prosodySeconds = try c.decodeIfPresent(Double.self, forKey: .prosodySeconds) ?? 0
        totalSeconds = try c.decode(Double.self, forKey: .totalSeconds)
    }

    /// Encodes each time rounded to the millisecond.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(JSONRounding.time(decodeSeconds), forKey: .decodeSeconds)
        try c.encode(JSONRounding.time(vadSeconds), forKey: .vadSeconds)
        try c.encode(JSONRounding.time(emotionSeconds), forKey: .emotionSeconds)
        try c.encode(JSONRounding.time(prosodySeconds), forKey: .prosodySeconds)
        try c.encode(JSONRounding.time(totalSeconds), forKey: .totalSeconds)
    }
}

/// The analysis of one recording.
public struct RecordingAnalysis: Sendable, Codable, Equatable {
    /// The file analysed; nil for samples handed over in memory.
    public let file: String?
    /// When the recording was made (a date tag of the file, else its modification time); nil for
    /// samples in memory.
    public let recordedAt: RecordingTime?
    /// Length of the recording in seconds.
    public let durationSeconds: Double
    /// Seconds covered by speech segments.
    public let speechSeconds: Double
    /// Speech segments in time order.
    public let segments: [SegmentAnalysis]
    /// Duration-weighted mean of the segments' scores (label order of the model); empty without
    /// speech or without a model.
    public let scores: [EmotionScore]
    /// Duration-weighted arousal/dominance/valence for dimensional models.
    public let dimensions: EmotionDimensions?
    /// The highest-scoring emotion (classification models with speech only).
    public let dominant: Emotion?
    /// Stress index 0...1 of the recording (from `scores`), nil without speech or model.
    public let stress: Double?
    /// Time per stage.
    public let timings: AnalysisTimings
    /// Voice markers over all the speech (frames pooled from the segments) and the pauses
    /// between segments, when `EmotionAnalyzerOptions.prosody` asked for them.
    public let prosody: ProsodySummary?

    /// Whether any speech was found.
    public var hasSpeech: Bool { !segments.isEmpty }
    /// Fraction of the recording that is speech (0 for an empty recording).
    public var speechRatio: Double { durationSeconds > 0 ? speechSeconds / durationSeconds : 0 }

    /// A recording's results.
    public init(file: String?, recordedAt: RecordingTime? = nil, durationSeconds: Double, speechSeconds: Double,
                segments: [SegmentAnalysis], scores: [EmotionScore], dimensions: EmotionDimensions?, dominant: Emotion?,
                stress: Double?, timings: AnalysisTimings, prosody: ProsodySummary? = nil) {
        self.file = file
        self.recordedAt = recordedAt
        self.durationSeconds = durationSeconds
        self.speechSeconds = speechSeconds
        self.segments = segments
        self.scores = scores
        self.dimensions = dimensions
        self.dominant = dominant
        self.stress = stress
        self.timings = timings
        self.prosody = prosody
    }

    /// The same results attributed to another source: every field kept but `file` and
    /// `recordedAt` (e.g. a memo read from standard input through a temporary file).
    public func attributed(toFile file: String?, recordedAt: RecordingTime?) -> RecordingAnalysis {
        RecordingAnalysis(file: file, recordedAt: recordedAt, durationSeconds: durationSeconds, speechSeconds: speechSeconds,
                          segments: segments, scores: scores, dimensions: dimensions, dominant: dominant, stress: stress,
                          timings: timings, prosody: prosody)
    }

    enum CodingKeys: String, CodingKey {
        case file, recordedAt = "recorded_at", recordedAtSource = "recorded_at_source", recordedAtTag = "recorded_at_tag"
        case durationSeconds = "duration_s", speechSeconds = "speech_s", speechRatio = "speech_ratio", segments, labels
        case scores, dominant, dimensions, stress, timings, prosody
    }

    /// Encodes in the documented schema: `labels` lists the model's own labels in its order
    /// (the keys of `scores` are their canonical names).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(recordedAt?.iso8601, forKey: .recordedAt)
        try c.encode(recordedAt?.source, forKey: .recordedAtSource)
        try c.encode(recordedAt?.tag, forKey: .recordedAtTag)
        try c.encode(JSONRounding.time(durationSeconds), forKey: .durationSeconds)
        try c.encode(JSONRounding.time(speechSeconds), forKey: .speechSeconds)
        try c.encode(JSONRounding.score(speechRatio), forKey: .speechRatio)
        try c.encode(segments, forKey: .segments)
        let labels = scores.isEmpty ? segments.first { !$0.scores.isEmpty }?.scores ?? [] : scores
        try c.encode(labels.map(\.label), forKey: .labels)
        try c.encode(ScoreMap(scores), forKey: .scores)
        try c.encode(dominant, forKey: .dominant)
        try c.encode(dimensions.map(JSONRounding.dimensions), forKey: .dimensions)
        try c.encode(stress.map(JSONRounding.score), forKey: .stress)
        try c.encode(timings, forKey: .timings)
        if let prosody { try c.encode(prosody, forKey: .prosody) }  // only when asked for
    }

    /// Decodes the documented schema, restoring the model's label order from `labels`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decodeIfPresent(String.self, forKey: .file)
        recordedAt = try RecordingTime(iso8601: c.decodeIfPresent(String.self, forKey: .recordedAt),
                                       source: c.decodeIfPresent(RecordingTime.Source.self, forKey: .recordedAtSource),
                                       tag: c.decodeIfPresent(String.self, forKey: .recordedAtTag))
        durationSeconds = try c.decode(Double.self, forKey: .durationSeconds)
        speechSeconds = try c.decode(Double.self, forKey: .speechSeconds)
        let labels = try c.decodeIfPresent([String].self, forKey: .labels) ?? []
        segments = try c.decode([SegmentAnalysis].self, forKey: .segments).map { $0.relabelled(labels) }
        scores = ScoreMap.restore(try c.decode(ScoreMap.self, forKey: .scores).scores, labels: labels)
        dimensions = try c.decodeIfPresent(EmotionDimensions.self, forKey: .dimensions)
        dominant = try c.decodeIfPresent(Emotion.self, forKey: .dominant)
        stress = try c.decodeIfPresent(Double.self, forKey: .stress)
        timings = try c.decodeIfPresent(AnalysisTimings.self, forKey: .timings) ?? AnalysisTimings()
        prosody = try c.decodeIfPresent(ProsodySummary.self, forKey: .prosody)
    }
}

/// Where a long analysis is, for progress bars.
public struct AnalysisProgress: Sendable, Equatable {
    /// The stage running now.
    public enum Stage: String, Sendable, Codable {
        /// Opening the audio (the first report, fraction 0).
        case decoding
        /// Decoding the audio through the voice activity detector (pass 1).
        case detectingSpeech
        /// Decoding again and running the emotion model over the speech windows (pass 2).
        case classifyingEmotion
        /// Measuring the voice markers of the speech segments (pass 2, with `prosody`).
        case measuringVoice
    }
    /// The stage running now.
    public let stage: Stage
    /// Overall fraction done, 0...1, weighted by each stage's cost: never goes back.
    public let fraction: Double
}

// MARK: - JSON helpers

/// Rounding applied when results are encoded: what the numbers mean, without float noise.
enum JSONRounding {
    /// Seconds to the millisecond (decimal rounding of the exact value, as printf does, so JSON
    /// and the human report agree).
    static func time(_ seconds: Double) -> Double { rounded(seconds, "%.3f") }
    /// Scores, stress and ratios to six decimals.
    static func score(_ value: Double) -> Double { rounded(value, "%.6f") }
    private static func rounded(_ value: Double, _ format: String) -> Double {
        value.isFinite ? Double(String(format: format, value)) ?? value : value
    }
    static func dimensions(_ d: EmotionDimensions) -> EmotionDimensions {
        EmotionDimensions(arousal: score(d.arousal), dominance: score(d.dominance), valence: score(d.valence))
    }
}

/// A coding key for the dynamic keys of score maps.
struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Scores as a JSON object keyed by canonical emotion name (the model's label when two labels
/// share a name), in the model's label order. Decoded, each score is labelled by its key until
/// `restore` puts the model's labels back.
struct ScoreMap: Codable {
    let scores: [EmotionScore]

    init(_ scores: [EmotionScore]) { self.scores = scores }

    /// The JSON key of each label: its canonical name, unless an earlier label already took it.
    static func keys(_ labels: [String]) -> [String] {
        var taken = Set<String>()
        return labels.map { label in
            let name = Emotion(label: label).name
            return taken.insert(name).inserted ? name : (taken.insert(label).inserted ? label : "\(label)#\(taken.count)")
        }
    }

    /// Decoded scores (labelled by their keys) under the model's `labels`, in their order; as
    /// they are when they do not match the labels.
    static func restore(_ decoded: [EmotionScore], labels: [String]) -> [EmotionScore] {
        let byKey = Dictionary(decoded.map { ($0.label, $0.score) }, uniquingKeysWith: { a, _ in a })
        let restored = zip(labels, keys(labels)).compactMap { label, key in byKey[key].map { EmotionScore(label: label, score: $0) } }
        return restored.count == decoded.count && !labels.isEmpty ? restored : decoded
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: NameKey.self)
        for (key, score) in zip(Self.keys(scores.map(\.label)), scores) {
            try c.encode(JSONRounding.score(score.score), forKey: NameKey(stringValue: key))
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: NameKey.self)
        scores = try c.allKeys.map { EmotionScore(label: $0.stringValue, score: try c.decode(Double.self, forKey: $0)) }
    }
}
