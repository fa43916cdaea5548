// Every way loading or running a Wav2Vec2 / HuBERT classifier can fail, as one typed error.

import Foundation
import SafeTensors

/// An error loading a model folder or classifying audio. `description` names the file or field.
public enum Wav2Vec2Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model folder or one of its files does not exist.
    case missingFile(path: String)
    /// A file exists but cannot be used: not a regular file (a FIFO, a device), too large, no permission.
    case unreadableFile(path: String, reason: String)
    /// config.json or preprocessor_config.json is not valid JSON of the expected shape: a syntax
    /// error, a duplicate key, or a field of the wrong type (`reason` names the field and value).
    case invalidConfig(path: String, reason: String)
    /// A config value that would change the computation and is not implemented.
    case unsupportedConfig(field: String, value: String)
    /// A config size outside the range this library accepts (`Wav2Vec2ConfigLimits`).
    case configValueOutOfRange(field: String, value: String, allowed: String)
    /// The weights file is not valid safetensors.
    case invalidWeights(SafeTensorsError)
    /// A tensor the config requires is missing.
    case missingTensor(path: String, name: String)
    /// A tensor has the wrong shape.
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// A tensor's values cannot be right: NaN or infinity, or a weight-norm direction of zeros.
    case invalidWeightValues(path: String, name: String, reason: String)
    /// Tensors in the file that the model does not use (wrong config or wrong checkpoint).
    case unusedTensors(path: String, names: [String])
    /// No known classification head; lists the non-backbone keys found.
    case unknownHead(path: String, keys: [String])
    /// Audio shorter than one frame (400 samples at 16 kHz).
    case inputTooShort(samples: Int, minimum: Int)
    /// Audio whose activations in one call would exceed the memory limit
    /// (`Wav2Vec2Options.memoryLimitBytes`); `maximumSamples` is the longest input that fits.
    case inputTooLong(samples: Int, maximumSamples: Int, limitBytes: Int)
    /// An input sample is NaN or infinite.
    case nonFiniteInput(sampleIndex: Int)
    /// The network produced NaN or infinity (`stage`: "hidden states" or "logits"): weights so
    /// large that Float overflows on this input. Never reported as a label.
    case nonFiniteOutput(stage: String)
    /// The model expects another sample rate.
    case unsupportedSampleRate(expected: Int, found: Int)

    /// A readable message naming the file (or field) and the problem.
    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case .unreadableFile(let path, let reason): return "\(path): cannot read: \(reason)"
        case .invalidConfig(let path, let reason): return "\(path): invalid config: \(reason)"
        case .unsupportedConfig(let field, let value): return "unsupported model config: \(field) = \(value) is not implemented"
        case .configValueOutOfRange(let field, let value, let allowed):
            return "model config \(field) = \(value) is out of range (allowed: \(allowed))"
        case .invalidWeights(let error): return "\(error)"
        case .missingTensor(let path, let name): return "\(path): tensor '\(name)' is missing"
        case .shapeMismatch(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected)"
        case .invalidWeightValues(let path, let name, let reason): return "\(path): tensor '\(name)' \(reason)"
        case .unusedTensors(let path, let names):
            return "\(path): \(names.count) tensors are not used by the configured model: \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", ..." : "")"
        case .unknownHead(let path, let keys):
            let listed = keys.isEmpty ? "none" : keys.prefix(8).joined(separator: ", ") + (keys.count > 8 ? ", ... (\(keys.count) in all)" : "")
            return "\(path): cannot identify the classification head; head keys found: \(listed) "
                + "(expected projector.* + classifier.*, or classifier.dense.* + classifier.output.*/classifier.out_proj.*)"
        case .inputTooShort(let samples, let minimum):
            return "audio too short: \(samples) samples, the model needs at least \(minimum) (one frame)"
        case .unsupportedSampleRate(let expected, let found): return "the model expects \(expected) Hz audio, got \(found) Hz"
        case .inputTooLong(let samples, let maximum, let limit):
            return "audio too long for one pass: \(samples) samples (\(seconds(samples)) s at 16 kHz) need more activation memory than the "
                + "\(megabytes(limit)) MB limit; at most \(maximum) samples (\(seconds(maximum)) s) fit. Split the audio into windows "
                + "(EmotionAnalyzer and `voice-emotion analyze` do), or raise the limit (memoryLimitBytes, --memory-limit-mb)"
        case .nonFiniteInput(let index):
            return "audio sample \(index) (\(seconds(index)) s at 16 kHz) is NaN or infinite"
        case .nonFiniteOutput(let stage):
            return "the model produced NaN or infinite \(stage): its weights overflow 32-bit floats on this input "
                + "(a corrupt or wrongly converted checkpoint); no label is given"
        }
    }
}

/// Seconds at 16 kHz, to two decimals, for messages.
private func seconds(_ samples: Int) -> String { String(format: "%.2f", Double(samples) / 16000) }

/// Bytes as whole megabytes (MiB), for messages.
private func megabytes(_ bytes: Int) -> Int { bytes >> 20 }
