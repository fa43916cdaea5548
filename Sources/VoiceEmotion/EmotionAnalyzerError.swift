// Errors of the analyzer: the underlying module's error, with the file it concerns.

import AudioInput
import SileroVAD
import Wav2Vec2

/// An error of `EmotionAnalyzer`; `description` names the file (or model folder) and the problem.
public enum EmotionAnalyzerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The audio could not be read (missing, empty, truncated, not audio...).
    case audio(AudioError)
    /// The bundled VAD could not be loaded, or VAD options are invalid.
    case voiceActivity(SileroVADError)
    /// The emotion model folder could not be loaded, or a window could not be classified.
    case model(folder: String, Wav2Vec2Error)
    /// An option is out of range.
    case invalidOption(name: String, reason: String)
    /// The progress handler asked to stop, or the task was cancelled.
    case cancelled

    /// A readable message naming the file (or field) and the problem.
    public var description: String {
        switch self {
        case .audio(let error): return "\(error)"
        case .voiceActivity(let error): return "\(error)"
        case .model(let folder, let error): return "model \(folder): \(error)"
        case .invalidOption(let name, let reason): return "invalid option \(name): \(reason)"
        case .cancelled: return "analysis cancelled"
        }
    }
}
