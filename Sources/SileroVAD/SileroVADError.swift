// Every way voice activity detection can fail, as one typed error.

import AudioInput
import SafeTensors

/// An error loading the Silero VAD weights, validating options, or running the detector.
public enum SileroVADError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bundled weights resource could not be found; lists every path searched.
    case bundledWeightsNotFound(searched: [String])
    /// The weights file is not a valid safetensors file.
    case invalidWeightsFile(SafeTensorsError)
    /// A tensor the model needs is not in the weights file.
    case missingTensor(file: String, name: String)
    /// The weights file holds a tensor the model does not use (wrong or newer file).
    case unexpectedTensor(file: String, name: String)
    /// A tensor has the wrong shape.
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])
    /// A tensor holds NaN or infinity.
    case invalidWeightValues(file: String, name: String, reason: String)
    /// The model runs at 8000 or 16000 Hz only (other rates are resampled by `analyze`).
    case unsupportedSampleRate(Int)
    /// A chunk of the wrong length was given to a session.
    case chunkSizeMismatch(expected: Int, found: Int)
    /// An option is out of range; `reason` says which range.
    case invalidOption(name: String, value: Double, reason: String)
    /// Resampling the input to 16 kHz failed.
    case resampling(AudioError)
    /// The audio file could not be read (the underlying error names the file).
    case audio(AudioError)

    /// A readable message naming the file (or field) and the problem.
    public var description: String {
        switch self {
        case .bundledWeightsNotFound(let searched):
            return "bundled Silero VAD weights not found; searched: \(searched.joined(separator: ", "))"
        case .invalidWeightsFile(let error): return "Silero VAD weights: \(error)"
        case .missingTensor(let file, let name): return "\(file): Silero VAD tensor '\(name)' is missing"
        case .unexpectedTensor(let file, let name): return "\(file): unexpected tensor '\(name)' (not part of Silero VAD v6.2)"
        case .shapeMismatch(let file, let name, let expected, let found):
            return "\(file): Silero VAD tensor '\(name)' has shape \(found), expected \(expected)"
        case .invalidWeightValues(let file, let name, let reason): return "\(file): Silero VAD tensor '\(name)' \(reason)"
        case .unsupportedSampleRate(let rate): return "Silero VAD runs at 8000 or 16000 Hz, not \(rate) Hz"
        case .chunkSizeMismatch(let expected, let found): return "Silero VAD chunk has \(found) samples, expected \(expected)"
        case .invalidOption(let name, let value, let reason): return "invalid VAD option \(name) = \(value): \(reason)"
        case .resampling(let error): return "\(error)"
        case .audio(let error): return "\(error)"
        }
    }
}
