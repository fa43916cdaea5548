// The stress index: a heuristic mapping of emotion scores to 0...1. Not a clinical measure.

/// How emotion scores become a stress index in 0...1.
///
/// **A heuristic, not a clinical or diagnostic measure.** Categorical models use the weighted
/// sum of the tutorial this library grew from: `clamp(Σ weight(label) · p(label), 0, 1)` with
/// angry 0.8, fearful 1.0, sad 0.5, disgust 0.6, neutral 0.1, calm 0.0, happy -0.3 and 0 for any
/// other label. Dimensional models (arousal, dominance, valence ≈ 0...1) use
/// `clamp(arousal, 0, 1) · clamp(1 - valence, 0, 1)`: high only when arousal is high *and*
/// valence low (agitated and unpleasant), low for calm or pleasant speech.
public struct StressWeights: Sendable, Codable, Equatable {
    /// Weight per emotion; emotions not listed weigh `otherWeight`.
    public var weights: [Emotion: Double]
    /// Weight of labels not in `weights` (0 by default).
    public var otherWeight: Double

    /// The tutorial's weights.
    public static let standard = StressWeights(weights: [
        .angry: 0.8, .fearful: 1.0, .sad: 0.5, .disgust: 0.6, .neutral: 0.1, .calm: 0.0, .happy: -0.3,
    ], otherWeight: 0)

    /// Custom weights.
    public init(weights: [Emotion: Double], otherWeight: Double = 0) {
        self.weights = weights
        self.otherWeight = otherWeight
    }

    /// The weight of one emotion.
    public func weight(_ emotion: Emotion) -> Double { weights[emotion] ?? otherWeight }

    /// Stress of categorical scores: `clamp(Σ weight · score, 0, 1)`; NaN when a score or a
    /// weight is not finite (never a made-up 0: `EmotionAnalyzer` refuses such weights and
    /// such scores before they get here).
    public func stress(_ scores: [EmotionScore]) -> Double {
        let sum = scores.reduce(0) { $0 + weight($1.emotion) * $1.score }
        return sum.isFinite ? min(max(sum, 0), 1) : .nan
    }

    /// Stress of dimensional scores: `clamp(arousal, 0, 1) · clamp(1 - valence, 0, 1)`; NaN when
    /// a dimension is not finite.
    public static func stress(_ dimensions: EmotionDimensions) -> Double {
        guard dimensions.arousal.isFinite, dimensions.valence.isFinite else { return .nan }
        let arousal = min(max(dimensions.arousal, 0), 1), unpleasant = min(max(1 - dimensions.valence, 0), 1)
        return arousal * unpleasant
    }
}
