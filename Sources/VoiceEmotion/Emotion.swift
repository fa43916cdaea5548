// Typed labels for the label sets of the emotion checkpoints users run.

/// An emotion category. Known label spellings map to a case (ehcalabres' 8 labels; superb's
/// neu/hap/ang/sad); anything else is kept as `.other(label)`.
public enum Emotion: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The categories of ehcalabres' model; superb's neu/hap/ang/sad map to four of them.
    case angry, calm, disgust, fearful, happy, neutral, sad, surprised
    /// A label this library does not know, kept verbatim.
    case other(String)

    /// The emotion a model label names (case-insensitive; superb's abbreviations included).
    public init(label: String) {
        switch label.lowercased() {
        case "angry", "ang", "anger": self = .angry
        case "calm": self = .calm
        case "disgust", "dis", "disgusted": self = .disgust
        case "fearful", "fea", "fear": self = .fearful
        case "happy", "hap", "happiness", "joy": self = .happy
        case "neutral", "neu": self = .neutral
        case "sad", "sadness": self = .sad
        case "surprised", "sur", "surprise": self = .surprised
        default: self = .other(label)
        }
    }

    /// Canonical lower-case name ("angry", ...; the original label for `.other`).
    public var name: String {
        switch self {
        case .angry: return "angry"
        case .calm: return "calm"
        case .disgust: return "disgust"
        case .fearful: return "fearful"
        case .happy: return "happy"
        case .neutral: return "neutral"
        case .sad: return "sad"
        case .surprised: return "surprised"
        case .other(let label): return label
        }
    }

    /// The canonical name.
    public var description: String { name }

    /// Decodes from a label string.
    public init(from decoder: Decoder) throws {
        self.init(label: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes as the canonical name.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// One label's score.
public struct EmotionScore: Sendable, Codable, Equatable {
    /// The model's label, verbatim.
    public let label: String
    /// The typed emotion it names.
    public let emotion: Emotion
    /// Probability (classification models) or raw output (dimensional models).
    public let score: Double

    /// A score for a model label (the typed emotion is derived from the label).
    public init(label: String, score: Double) {
        self.label = label
        self.emotion = Emotion(label: label)
        self.score = score
    }
}

/// Arousal, dominance and valence from a dimensional (regression) model, nominally 0...1.
public struct EmotionDimensions: Sendable, Codable, Equatable {
    /// Activation, calm (0) to excited (1).
    public let arousal: Double
    /// Control, submissive (0) to dominant (1).
    public let dominance: Double
    /// Pleasantness, negative (0) to positive (1).
    public let valence: Double

    /// Dimensions from values.
    public init(arousal: Double, dominance: Double, valence: Double) {
        self.arousal = arousal
        self.dominance = dominance
        self.valence = valence
    }

    /// Reads the three dimensions from labelled scores, or nil if any is missing.
    public init?(_ scores: [EmotionScore]) {
        func value(_ name: String) -> Double? { scores.first { $0.label.lowercased() == name }?.score }
        guard let a = value("arousal"), let d = value("dominance"), let v = value("valence") else { return nil }
        arousal = a
        dominance = d
        valence = v
    }
}
