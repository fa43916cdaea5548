// What an analysis returns: speech segments with their emotions and stress, and the recording's
// duration-weighted summary. All Codable, so results can be stored or sent as JSON.

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

    /// Length in seconds.
    public var durationSeconds: Double { endSeconds - startSeconds }
}

/// Seconds spent in each stage of one analysis.
public struct AnalysisTimings: Sendable, Codable, Equatable {
    /// Decoding and resampling (0 when samples were given).
    public var decodeSeconds: Double = 0
    /// Voice activity detection.
    public var vadSeconds: Double = 0
    /// Emotion model over all speech windows.
    public var emotionSeconds: Double = 0
    /// Wall time of the whole analysis.
    public var totalSeconds: Double = 0
}

/// The analysis of one recording.
public struct RecordingAnalysis: Sendable, Codable, Equatable {
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

    /// Whether any speech was found.
    public var hasSpeech: Bool { !segments.isEmpty }
    /// Fraction of the recording that is speech (0 for an empty recording).
    public var speechRatio: Double { durationSeconds > 0 ? speechSeconds / durationSeconds : 0 }
}

/// Where a long analysis is, for progress bars.
public struct AnalysisProgress: Sendable, Equatable {
    /// The stage running now.
    public enum Stage: String, Sendable, Codable {
        /// Reading and resampling the file.
        case decoding
        /// Running the voice activity detector.
        case detectingSpeech
        /// Running the emotion model over the speech windows.
        case classifyingEmotion
    }
    /// The stage running now.
    public let stage: Stage
    /// Overall fraction done, 0...1.
    public let fraction: Double
}
