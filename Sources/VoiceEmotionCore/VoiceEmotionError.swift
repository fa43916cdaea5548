// The one error vocabulary of every module: audio, weights, configs, models, options.

import Foundation

/// Every way VoiceEmotion can fail. Cases that concern a file carry its `path` (or a label such
/// as `<samples>` for audio handed over in memory); `description` is one line that names the file
/// or field, the problem and, where there is one, the fix.
public enum VoiceEmotionError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Files

    /// Nothing at the path.
    case fileNotFound(path: String)
    /// The path exists but cannot be used: a directory, a FIFO or device, no permission, too large.
    case unreadableFile(path: String, reason: String)
    /// A file could not be written (no permission, disk full).
    case writeFailed(path: String, reason: String)

    // MARK: Audio

    /// Not audio any decoder here reads (wrong format, corrupt header, a text file).
    case unsupportedAudio(path: String, reason: String)
    /// The header promised more audio than the file holds.
    case truncatedAudio(path: String, expectedFrames: Int, decodedFrames: Int)
    /// Decoding failed part-way through the data.
    case corruptAudio(path: String, reason: String)
    /// A valid file that holds no samples.
    case emptyAudio(path: String)
    /// A sample rate outside 1 kHz...768 kHz (`AudioLoader.sampleRates`).
    case invalidSampleRate(path: String, rate: Int)
    /// A NaN or infinite sample; `seconds` is where, from the start of the audio.
    case nonFiniteSample(path: String, seconds: Double)
    /// The resampler (libsoxr) reported an error.
    case resamplingFailed(path: String, reason: String)
    /// A container libsndfile does not read (`format`), and the ffmpeg program that would is not
    /// installed (`searched`: where it was looked for).
    case ffmpegNotFound(path: String, format: String, searched: String)

    // MARK: Weights

    /// A weights file that is not valid safetensors (`reason` names the tensor when there is one).
    case invalidWeightsFile(path: String, reason: String)
    /// A tensor the model needs is not in the file.
    case missingTensor(path: String, name: String)
    /// Tensors in the file that the model does not use (a different model or config).
    case unexpectedTensors(path: String, names: [String])
    /// A tensor with the wrong shape.
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// A tensor whose values cannot be right: NaN or infinity, a weight-norm direction of zeros.
    case invalidWeightValues(path: String, name: String, reason: String)
    /// No known classification head; lists the non-backbone tensor names found.
    case unknownHead(path: String, keys: [String])
    /// The Silero VAD weights bundled with the package could not be found; lists the paths searched.
    case bundledWeightsNotFound(searched: [String])
    /// A model folder without `model.safetensors` but with a checkpoint in another format.
    case unconvertedCheckpoint(path: String, found: String)
    /// A PyTorch checkpoint (`pytorch_model.bin`) that is not a valid torch >= 1.6 zip of a
    /// state dict (`reason` names the entry or tensor).
    case invalidTorchCheckpoint(path: String, reason: String)
    /// A PyTorch checkpoint whose pickle refers to something other than tensors and their
    /// storages (`global`, e.g. `os.system`): refused, never imported or called.
    case unsafePickle(path: String, global: String)

    // MARK: Downloads

    /// A model name that is neither in the catalogue nor `owner/repo`.
    case unknownModel(name: String, known: [String])
    /// `models pull --dest` into a folder that holds something the store did not write
    /// (`reason` says what); nothing in it was changed.
    case destinationInUse(path: String, reason: String)
    /// A model asked for by name that is neither a folder nor installed (`installed`: the names
    /// that are).
    case modelNotInstalled(name: String, installed: [String])
    /// A file of a hub repository could not be fetched (`reason`: offline, HTTP status, disk full).
    case downloadFailed(repo: String, file: String, reason: String)
    /// A downloaded file whose SHA-256 is not the one the hub announced.
    case checksumMismatch(repo: String, file: String, expected: String, found: String)

    // MARK: Configs

    /// `config.json` or `preprocessor_config.json` is not valid JSON of the expected shape (a
    /// syntax error, a duplicate key, a field of the wrong type: `reason` names field and value).
    case invalidConfig(path: String, reason: String)
    /// A config value that changes the computation in a way this library does not implement.
    case unsupportedConfig(path: String, field: String, value: String)
    /// A config size outside the range this library accepts (`Wav2Vec2ConfigLimits`).
    case configValueOutOfRange(path: String, field: String, value: String, allowed: String)

    // MARK: Running

    /// Audio at a rate a model does not run at (`supported` lists the rates it does).
    case unsupportedSampleRate(rate: Int, supported: [Int])
    /// Audio shorter than one model frame.
    case inputTooShort(samples: Int, minimum: Int)
    /// Audio whose activations in one model call would exceed the memory limit; `maximumSamples`
    /// is the longest input that fits.
    case inputTooLong(samples: Int, maximumSamples: Int, limitBytes: Int)
    /// A chunk of the wrong length given to a VAD session.
    case chunkSizeMismatch(expected: Int, found: Int)
    /// The model produced NaN or infinity (`stage`: "hidden states" or "logits"). Never a label.
    case nonFiniteOutput(stage: String)

    // MARK: Journal

    /// The journal file cannot be opened or used (not SQLite, locked for too long, damaged).
    case journalUnavailable(path: String, reason: String)
    /// The journal was written by a newer VoiceEmotion whose schema this one does not know.
    case journalFromNewerVersion(path: String, unknownMigrations: [String])
    /// No recording in the journal has this id.
    case journalRecordingNotFound(id: Int64)

    // MARK: Options and control

    /// An option outside its range; `reason` says which range.
    case invalidOption(name: String, value: String, reason: String)
    /// A progress handler returned false, or the task was cancelled.
    case cancelled

    /// The file (or label) the error concerns, when there is one.
    public var path: String? {
        switch self {
        case .fileNotFound(let path), .unreadableFile(let path, _), .writeFailed(let path, _), .unsupportedAudio(let path, _),
             .truncatedAudio(let path, _, _), .corruptAudio(let path, _), .emptyAudio(let path),
             .invalidSampleRate(let path, _), .nonFiniteSample(let path, _), .resamplingFailed(let path, _), .ffmpegNotFound(let path, _, _),
             .invalidWeightsFile(let path, _), .missingTensor(let path, _), .unexpectedTensors(let path, _),
             .shapeMismatch(let path, _, _, _), .invalidWeightValues(let path, _, _), .unknownHead(let path, _),
             .unconvertedCheckpoint(let path, _), .invalidTorchCheckpoint(let path, _), .unsafePickle(let path, _),
             .invalidConfig(let path, _), .unsupportedConfig(let path, _, _),
             .configValueOutOfRange(let path, _, _, _), .journalUnavailable(let path, _), .journalFromNewerVersion(let path, _),
             .destinationInUse(let path, _):
            return path
        case .unknownModel, .modelNotInstalled, .downloadFailed, .checksumMismatch, .bundledWeightsNotFound, .unsupportedSampleRate, .inputTooShort, .inputTooLong, .chunkSizeMismatch,
             .nonFiniteOutput, .invalidOption, .cancelled, .journalRecordingNotFound:
            return nil
        }
    }

    /// One line naming the file (or field), the problem and the fix where there is one.
    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case .unreadableFile(let path, let reason): return "\(path): cannot read: \(reason)"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        case .unsupportedAudio(let path, let reason): return "\(path): not a supported audio file: \(reason)"
        case .truncatedAudio(let path, let expected, let decoded):
            return "\(path): truncated audio: the header promises \(expected) frames, the file holds \(decoded)"
        case .corruptAudio(let path, let reason): return "\(path): corrupt audio data: \(reason)"
        case .emptyAudio(let path): return "\(path): the file holds no audio samples"
        case .invalidSampleRate(let path, let rate):
            return "\(path): sample rate \(rate) Hz is outside the supported \(audioSampleRates.lowerBound)...\(audioSampleRates.upperBound) Hz"
        case .nonFiniteSample(let path, let seconds):
            return "\(path): the audio holds a NaN or infinite sample at \(String(format: "%.6f", seconds)) s (a corrupt float file)"
        case .resamplingFailed(let path, let reason): return "\(path): resampling failed: \(reason)"
        case .ffmpegNotFound(let path, let format, let searched):
            return "\(path): \(format) needs the ffmpeg program, which was not found (looked for \(searched)); install it: "
                + "apt install ffmpeg (Debian, Ubuntu) or brew install ffmpeg (macOS). WAV, FLAC, MP3, Ogg and AIFF need nothing."
        case .invalidWeightsFile(let path, let reason): return "\(path): not a valid safetensors file: \(reason)"
        case .missingTensor(let path, let name): return "\(path): tensor '\(name)' is missing"
        case .unexpectedTensors(let path, let names):
            return "\(path): \(names.count) tensors are not used by the configured model: \(list(names)) (a different model or config?)"
        case .shapeMismatch(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected)"
        case .invalidWeightValues(let path, let name, let reason): return "\(path): tensor '\(name)' \(reason)"
        case .unknownHead(let path, let keys):
            return "\(path): cannot identify the classification head; head tensors found: \(keys.isEmpty ? "none" : list(keys)) "
                + "(expected projector.* + classifier.*, or classifier.dense.* + classifier.output.*/classifier.out_proj.*)"
        case .bundledWeightsNotFound(let searched):
            return "the bundled Silero VAD weights were not found; searched: \(searched.joined(separator: ", "))"
        case .unconvertedCheckpoint(let path, let found):
            return "\(path): no such file, but the folder has \(found): convert it first (ModelStore.convert)"
        case .invalidTorchCheckpoint(let path, let reason): return "\(path): not a readable PyTorch checkpoint: \(reason)"
        case .unsafePickle(let path, let global):
            return "\(path): refused: its pickle refers to \(global), which is not part of a state dict of tensors "
                + "(nothing was imported or run; a checkpoint from an untrusted source?)"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)': give one of \(known.joined(separator: ", ")), or a hub repository as owner/name"
        case .destinationInUse(let path, let reason):
            return "\(path): not installing a model here: \(reason); give a new or empty folder (nothing in it was changed)"
        case .modelNotInstalled(let name, let installed):
            return "no model '\(name)': it is not a folder, and no installed model has that name ("
                + (installed.isEmpty ? "none is installed" : "installed: " + installed.joined(separator: ", ")) + ")"
        case .downloadFailed(let repo, let file, let reason): return "\(repo): cannot download \(file): \(reason)"
        case .checksumMismatch(let repo, let file, let expected, let found):
            return "\(repo): \(file) arrived damaged: its SHA-256 is \(found), the hub announced \(expected) (try again)"
        case .invalidConfig(let path, let reason): return "\(path): invalid config: \(reason)"
        case .unsupportedConfig(let path, let field, let value): return "\(path): \(field) = \(value) is not implemented"
        case .configValueOutOfRange(let path, let field, let value, let allowed):
            return "\(path): \(field) = \(value) is out of range (allowed: \(allowed))"
        case .unsupportedSampleRate(let rate, let supported):
            return "the model runs at \(supported.map { "\($0) Hz" }.joined(separator: " or ")), not \(rate) Hz (resample first)"
        case .inputTooShort(let samples, let minimum):
            return "audio too short: \(samples) samples, the model needs at least \(minimum) (one frame)"
        case .inputTooLong(let samples, let maximum, let limit):
            return "audio too long for one model pass: \(samples) samples (\(seconds(samples)) s at 16 kHz) need more activation memory "
                + "than the \(limit >> 20) MB limit; at most \(maximum) samples (\(seconds(maximum)) s) fit. Split the audio into "
                + "windows (EmotionAnalyzer does), or raise the limit (memoryLimitBytes)"
        case .chunkSizeMismatch(let expected, let found): return "a VAD chunk has \(found) samples, expected \(expected)"
        case .nonFiniteOutput(let stage):
            return "the model produced NaN or infinite \(stage): its weights overflow 32-bit floats on this input "
                + "(a corrupt or wrongly converted checkpoint); no label is given"
        case .journalUnavailable(let path, let reason): return "\(path): cannot use the journal: \(reason)"
        case .journalFromNewerVersion(let path, let unknown):
            return "\(path): this journal was written by a newer VoiceEmotion (schema \(list(unknown))); update VoiceEmotion to read it"
        case .journalRecordingNotFound(let id): return "no recording with id \(id) in the journal"
        case .invalidOption(let name, let value, let reason): return "invalid option \(name) = \(value): \(reason)"
        case .cancelled: return "cancelled"
        }
    }
}

/// At most eight names, then how many in all.
private func list(_ names: [String]) -> String {
    names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", ... (\(names.count) in all)" : "")
}

/// Seconds at 16 kHz, to two decimals, for messages.
private func seconds(_ samples: Int) -> String { String(format: "%.2f", Double(samples) / Double(modelSampleRate)) }

#if canImport(Foundation)
import Foundation

/// An app's `error.localizedDescription` reads the same one line as `description`.
extension VoiceEmotionError: LocalizedError {
    /// The one-line description: the file or field, the problem and, in library terms, the fix.
    public var errorDescription: String? { description }
}
#endif
