// Models without Python: pull a checkpoint from the hub into a local store (converted natively
// when it ships only pytorch_model.bin), list and remove what is installed. A folder counts as a
// model only when complete: downloads go to a hidden staging folder beside it (kept, so a later
// pull resumes) and the finished folder is renamed into place.

import Foundation
import TorchCheckpoint
import VoiceEmotionCore
import Wav2Vec2

/// Where a pull is.
public struct PullProgress: Sendable, Equatable {
    /// The file being fetched (or "converting" while pytorch_model.bin is converted).
    public let file: String
    /// Bytes of this file on disk.
    public let bytesReceived: Int64
    /// This file's size, when the server says.
    public let totalBytes: Int64?
    /// Average bytes per second of this file's transfer so far.
    public let bytesPerSecond: Double

    /// Seconds left for this file, when the size and a rate are known.
    public var secondsRemaining: Double? {
        guard let totalBytes, bytesPerSecond > 0 else { return nil }
        return Double(max(0, totalBytes - bytesReceived)) / bytesPerSecond
    }
}

/// A model folder in the store.
public struct InstalledModel: Sendable, Equatable {
    /// The folder name (a catalogue name, or `owner--repo`).
    public let name: String
    /// The folder.
    public let folder: URL
    /// Bytes of its files.
    public let bytes: Int64
    /// The catalogue entry, when it is one.
    public let catalog: CatalogModel?
}

/// A folder of emotion models, and the hub to fill it from.
public final class ModelStore: Sendable {
    /// The folder holding one sub-folder per model.
    public let folder: URL
    let hub: HubClient

    /// The default store: `$VOICE_EMOTION_MODELS`, else `~/.cache/voice-emotion/models`; the hub
    /// at `$HF_ENDPOINT` (default huggingface.co) with `$HF_TOKEN` or the hub's token file.
    public static var `default`: ModelStore { ModelStore(folder: defaultFolder) }

    /// `$VOICE_EMOTION_MODELS`, else `~/.cache/voice-emotion/models`.
    public static var defaultFolder: URL {
        if let path = ProcessInfo.processInfo.environment["VOICE_EMOTION_MODELS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/voice-emotion/models")
    }

    /// A store in `folder`, filled from the hub at `endpoint` (nil: `$HF_ENDPOINT`, else
    /// huggingface.co) with `token` (nil: `$HF_TOKEN`, else the hub's token file); requests give
    /// up after `connectTimeout` seconds without an answer.
    /// `stallTimeout`: a transfer that brings less than 64 kB in this many seconds is stopped
    /// (a trickling server would otherwise keep a pull alive for hours; it resumes later).
    public init(folder: URL, endpoint: URL? = nil, token: String? = nil, connectTimeout: Double = 30, stallTimeout: Double = 60) {
        self.folder = folder
        let environment = HubClient.fromEnvironment(connectTimeout: connectTimeout)
        var hub = HubClient(endpoint: endpoint ?? environment.endpoint, token: token ?? environment.token, connectTimeout: connectTimeout)
        hub.stallSeconds = stallTimeout
        self.hub = hub
    }

    /// The repository and folder name for a catalogue name or `owner/repo`.
    public static func resolve(_ name: String) throws -> (repository: String, folderName: String, catalog: CatalogModel?) {
        if let entry = CatalogModel.named(name) { return (entry.repository, entry.name, entry) }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.unicodeScalars.allSatisfy(allowed.contains) }) else {
            throw VoiceEmotionError.unknownModel(name: name, known: CatalogModel.all.map(\.name))
        }
        return (name, parts.joined(separator: "--"), nil)
    }

    /// The folder a model is (or would be) installed in.
    public func folder(for name: String) throws -> URL { folder.appendingPathComponent(try Self.resolve(name).folderName) }

    /// Whether a folder holds a complete model (the two configs and the weights; the store puts
    /// them in place together, so a folder it wrote is either complete or absent).
    public static func isComplete(_ folder: URL) -> Bool {
        ["config.json", "preprocessor_config.json", "model.safetensors"].allSatisfy {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }

    /// The complete models in the store, by name.
    public func installed() -> [InstalledModel] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            let model = folder.appendingPathComponent(name)
            guard Self.isComplete(model) else { return nil }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: model.path)) ?? []
            let bytes = files.reduce(Int64(0)) { total, file in
                total + ((try? FileManager.default.attributesOfItem(atPath: model.appendingPathComponent(file).path)[.size] as? Int64) ?? 0)
            }
            return InstalledModel(name: name, folder: model, bytes: bytes, catalog: CatalogModel.named(name))
        }
    }

    /// An installed model by any name `models list` shows: a catalogue name, `owner/repo`, or
    /// its folder name (`owner--repo`); nil when none is installed under it.
    public func installed(_ name: String) -> InstalledModel? {
        let models = installed()
        if let exact = models.first(where: { $0.name == name }) { return exact }
        guard let folderName = try? Self.resolve(name).folderName else { return nil }
        return models.first { $0.name == folderName }
    }

    /// The folder for `--model`-style input: an existing folder as given, else the installed
    /// model of that name; otherwise an error that lists the installed models and says how to
    /// pull one or give a folder.
    public func locate(_ model: String) throws -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
            return URL(fileURLWithPath: model)
        }
        if let installed = installed(model) { return installed.folder }
        throw VoiceEmotionError.modelNotInstalled(name: model, installed: installed().map(\.name))
    }

    /// The model folder an analysis uses: `given` (a folder, or any name `installed()` shows;
    /// an unknown name is `.modelNotInstalled`), else `$VOICE_EMOTION_MODEL`, else the preferred
    /// installed model; nil when there is none (speech segments only). The policy every command
    /// and app shares.
    public func resolveModel(_ given: String?) throws -> String? {
        if let given { return try locate(given).path }
        if let folder = ProcessInfo.processInfo.environment["VOICE_EMOTION_MODEL"], !folder.isEmpty { return folder }
        return preferred()?.folder.path
    }

    /// The model to use when none is named: the first installed catalogue model, in catalogue
    /// order (the default model first), else the first other installed model by name.
    public func preferred() -> InstalledModel? {
        let models = installed()
        return CatalogModel.all.lazy.compactMap { entry in models.first { $0.name == entry.name } }.first ?? models.first
    }

    /// Removes an installed model (and any partial download of it).
    public func remove(_ name: String) throws {
        let placement = PullPlacement.store(try folder(for: name))
        let (target, staging) = (placement.target, placement.staging)
        guard FileManager.default.fileExists(atPath: target.path) || FileManager.default.fileExists(atPath: staging.path) else {
            throw VoiceEmotionError.fileNotFound(path: target.path)
        }
        for path in [target, staging, placement.lock] where FileManager.default.fileExists(atPath: path.path) {
            do { try FileManager.default.removeItem(at: path) } catch {
                throw VoiceEmotionError.writeFailed(path: path.path, reason: error.localizedDescription)
            }
        }
    }


    /// Downloads a model (catalogue name or `owner/repo`) into the store, or into `destination`,
    /// unless it is already there (then this returns at once, without the network; `force`
    /// downloads it again, replacing it only once the new copy is complete): config.json,
    /// preprocessor_config.json, then model.safetensors if the repository has it, else
    /// pytorch_model.bin, converted natively (the .bin is then deleted). Resumes an earlier
    /// partial download; verifies SHA-256 checksums the hub announces; checks that the result
    /// loads. Cancelling the task stops it with `.cancelled`, leaving no model folder.
    ///
    /// ```swift
    /// let folder = try await ModelStore.default.pull("ehcalabres") { print($0.bytesReceived) }
    /// let analyzer = try EmotionAnalyzer(modelFolder: folder)
    /// ```
    ///
    /// - Returns: the model folder.
    @discardableResult
    public func pull(_ name: String, revision: String? = nil, into destination: URL? = nil, force: Bool = false,
                     progress: (@Sendable (PullProgress) -> Void)? = nil) async throws -> URL {
        let (repository, folderName, entry) = try Self.resolve(name)
        let revision = revision ?? entry?.revision ?? "main"
        let placement = destination.map { PullPlacement.destination($0.standardizedFileURL.resolvingSymlinksInPath()) }
            ?? .store(folder.appendingPathComponent(folderName))
        let target = placement.target
        // Never delete or change what the store did not write: a --dest folder must be new,
        // empty, or a model this store installed from the same repository.
        switch placement.occupant() {
        case .nothing: break
        case .model(let installed) where installed == nil || installed == repository:
            if !force, Self.isComplete(target) { return target }
        case .model(let installed):
            throw VoiceEmotionError.destinationInUse(path: target.path, reason: "it holds another model (\(installed ?? "?"))")
        case .foreign(let what):
            throw VoiceEmotionError.destinationInUse(path: target.path, reason: what)
        }
        try placement.prepareStaging(repository: repository, revision: revision)
        let staging = placement.staging
        let lock = try PullLock(placement.lock, repository: repository)
        defer { lock.release() }
        for file in ["config.json", "preprocessor_config.json"] {
            let data = try await hub.get(repository: repository, revision: revision, file: file)
            do { try data.write(to: staging.appendingPathComponent(file), options: .atomic) } catch {
                throw VoiceEmotionError.writeFailed(path: staging.appendingPathComponent(file).path, reason: error.localizedDescription)
            }
        }
        var weights = "model.safetensors"
        if !(try await hub.head(repository: repository, revision: revision, file: weights)).exists {
            weights = "pytorch_model.bin"
            guard (try await hub.head(repository: repository, revision: revision, file: weights)).exists else {
                throw VoiceEmotionError.downloadFailed(repo: repository, file: "model.safetensors",
                                                       reason: "the repository has neither model.safetensors nor pytorch_model.bin")
            }
        }
        let weightsFile = weights
        let complete = staging.appendingPathComponent(weightsFile)
        if !FileManager.default.fileExists(atPath: complete.path) {
            let partial = staging.appendingPathComponent(weights + ".incomplete")
            let start = Date()
            let resumedFrom = (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int64) ?? 0
            try await hub.download(repository: repository, revision: revision, file: weights, to: partial) { received, total in
                let seconds = max(Date().timeIntervalSince(start), 1e-3)
                progress?(PullProgress(file: weightsFile, bytesReceived: received, totalBytes: total,
                                       bytesPerSecond: Double(received - resumedFrom) / seconds))
            }
            try PullPlacement.move(partial, to: complete)
        }
        do {
            if weights == "pytorch_model.bin" {
                // Progress in bytes of the .bin converted, so a bar shows it like the download.
                let size = (try? FileManager.default.attributesOfItem(atPath: complete.path)[.size] as? Int64) ?? 0
                let start = Date()
                try ModelConversion.convert(source: staging.path, destination: staging.path) { fraction in
                    let done = Int64(Double(size) * fraction)
                    progress?(PullProgress(file: "converting", bytesReceived: done, totalBytes: size,
                                           bytesPerSecond: Double(done) / max(Date().timeIntervalSince(start), 1e-3)))
                }
                try? FileManager.default.removeItem(at: complete)
            }
            _ = try Wav2Vec2Classifier(folder: staging.path)  // strict load: a model that cannot load is not installed
        } catch let error as VoiceEmotionError where error != .cancelled {
            // Complete files that do not make a model are dropped, so no later pull installs them.
            try? placement.discardStaging()
            throw error
        }
        try placement.install(repository: repository, revision: revision)
        return target
    }

    /// Converts a hub folder with `pytorch_model.bin` into `destination` (which may be the same
    /// folder): config.json, preprocessor_config.json and model.safetensors with the same tensor
    /// names, floats in F32 (or F16 with `halfPrecision`). No Python: the checkpoint's pickle is
    /// read by a restricted reader that runs nothing. `progress` gets the fraction done.
    public static func convert(source: URL, destination: URL, halfPrecision: Bool = false,
                               progress: ((Double) -> Void)? = nil) throws {
        try ModelConversion.convert(source: source.path, destination: destination.path,
                                    precision: halfPrecision ? .f16 : .f32, progress: progress)
    }

}

/// An exclusive lock beside a model's folder, so two pulls of one model (two processes, or two tasks)
/// never write the same partial file; the second is refused at once rather than left waiting.
private final class PullLock {
    private let descriptor: Int32

    init(_ path: URL, repository: String) throws {
        descriptor = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw VoiceEmotionError.writeFailed(path: path.path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw VoiceEmotionError.downloadFailed(repo: repository, file: "model",
                                                   reason: "another pull of this model is running; wait for it to finish")
        }
    }

    /// Unlocks (the empty lock file stays, hidden, until the model is removed).
    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
