// Every way loading or running a Wav2Vec2 / HuBERT classifier can fail, as one typed error.

import SafeTensors

/// An error loading a model folder or classifying audio. `description` names the file or field.
public enum Wav2Vec2Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model folder or one of its files does not exist.
    case missingFile(path: String)
    /// config.json or preprocessor_config.json is not valid JSON of the expected shape.
    case invalidConfig(path: String, reason: String)
    /// A config value that would change the computation and is not implemented.
    case unsupportedConfig(field: String, value: String)
    /// The weights file is not valid safetensors.
    case invalidWeights(SafeTensorsError)
    /// A tensor the config requires is missing.
    case missingTensor(path: String, name: String)
    /// A tensor has the wrong shape.
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// Tensors in the file that the model does not use (wrong config or wrong checkpoint).
    case unusedTensors(path: String, names: [String])
    /// No known classification head; lists the non-backbone keys found.
    case unknownHead(path: String, keys: [String])
    /// Audio shorter than one frame (400 samples at 16 kHz).
    case inputTooShort(samples: Int, minimum: Int)
    /// The model expects another sample rate.
    case unsupportedSampleRate(expected: Int, found: Int)

    /// A readable message naming the file (or field) and the problem.
    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case .invalidConfig(let path, let reason): return "\(path): invalid config: \(reason)"
        case .unsupportedConfig(let field, let value): return "unsupported model config: \(field) = \(value) is not implemented"
        case .invalidWeights(let error): return "\(error)"
        case .missingTensor(let path, let name): return "\(path): tensor '\(name)' is missing"
        case .shapeMismatch(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected)"
        case .unusedTensors(let path, let names):
            return "\(path): \(names.count) tensors are not used by the configured model: \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", ..." : "")"
        case .unknownHead(let path, let keys):
            return "\(path): cannot identify the classification head; head keys found: \(keys.isEmpty ? "none" : keys.joined(separator: ", ")) "
                + "(expected projector.* + classifier.*, or classifier.dense.* + classifier.output.*/classifier.out_proj.*)"
        case .inputTooShort(let samples, let minimum):
            return "audio too short: \(samples) samples, the model needs at least \(minimum) (one frame)"
        case .unsupportedSampleRate(let expected, let found): return "the model expects \(expected) Hz audio, got \(found) Hz"
        }
    }
}
