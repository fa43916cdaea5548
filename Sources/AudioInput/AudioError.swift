// Every way reading audio can fail, as one typed error whose message names the file.

import Foundation

/// An error decoding or resampling audio. `description` names the file and the problem.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at the path.
    case fileNotFound(path: String)
    /// The path exists but cannot be read (a directory, no permission).
    case unreadable(path: String, reason: String)
    /// libsndfile does not recognise the data as audio (wrong format, corrupt header, a text file).
    case unsupportedFormat(path: String, reason: String)
    /// The header promised more audio than the file holds.
    case truncated(path: String, expectedFrames: Int, decodedFrames: Int)
    /// Decoding failed part-way through the data.
    case corrupt(path: String, reason: String)
    /// The file is valid but holds no samples.
    case empty(path: String)
    /// A sample rate outside `AudioLoader.sampleRates` (1 kHz to 768 kHz).
    case invalidSampleRate(path: String, rate: Int)
    /// A sample is NaN or infinite (float files can hold them); `seconds` is where, from the start.
    case nonFiniteSample(path: String, seconds: Double)
    /// The resampler reported an error.
    case resampling(path: String, reason: String)

    /// A readable message naming the file (or field) and the problem.
    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .unsupportedFormat(let path, let reason): return "\(path): not a supported audio file: \(reason)"
        case .truncated(let path, let expected, let decoded):
            return "\(path): truncated audio: header promises \(expected) frames, file holds \(decoded)"
        case .corrupt(let path, let reason): return "\(path): corrupt audio data: \(reason)"
        case .empty(let path): return "\(path): the file holds no audio samples"
        case .invalidSampleRate(let path, let rate):
            return "\(path): sample rate \(rate) Hz is outside the supported \(AudioLoader.sampleRates.lowerBound)...\(AudioLoader.sampleRates.upperBound) Hz"
        case .nonFiniteSample(let path, let seconds):
            return "\(path): the audio holds a NaN or infinite sample at \(String(format: "%.6f", seconds)) s (a corrupt float file)"
        case .resampling(let path, let reason): return "\(path): resampling failed: \(reason)"
        }
    }

    /// The file (or label) the error concerns.
    public var path: String {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _), .unsupportedFormat(let path, _),
             .truncated(let path, _, _), .corrupt(let path, _), .empty(let path),
             .invalidSampleRate(let path, _), .nonFiniteSample(let path, _), .resampling(let path, _):
            return path
        }
    }
}
