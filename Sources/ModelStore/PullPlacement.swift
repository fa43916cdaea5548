// Where a pull stages its files and how it puts them in place — without ever deleting or
// changing what the store did not write. In the store, a model's folder is the store's own; a
// folder given with `--dest` may be anything (the working folder, another model, a user's
// documents), so the store installs there only when the folder is new, empty, or marked as a
// model it installed itself, and it stages inside that folder, touching nothing beside it.

import Foundation
import VoiceEmotionCore

/// A pull's target folder, its staging folder and its lock.
struct PullPlacement {
    /// The name of the marker a pull leaves in every folder it installs: the repository and
    /// revision it came from. Only a folder with this marker is ever replaced by a later pull.
    static let markerName = ".voice-emotion-model"
    /// The name of the stamp in a staging folder: what its files were downloaded for, so a
    /// later pull of another repository or revision never installs them.
    static let stampName = ".voice-emotion-pull"

    /// The model folder.
    let target: URL
    /// Where files are downloaded and converted before they are put in place.
    let staging: URL
    /// The lock that keeps two pulls of one model apart.
    let lock: URL
    /// Whether `target` is inside the store (else a `--dest` folder).
    let inStore: Bool

    /// The placement for a model in the store.
    static func store(_ target: URL) -> PullPlacement {
        let parent = target.deletingLastPathComponent()
        return PullPlacement(target: target, staging: parent.appendingPathComponent("." + target.lastPathComponent + ".partial"),
                             lock: parent.appendingPathComponent("." + target.lastPathComponent + ".lock"), inStore: true)
    }

    /// The placement for a `--dest` folder: staging and lock inside it.
    static func destination(_ target: URL) -> PullPlacement {
        PullPlacement(target: target, staging: target.appendingPathComponent(".voice-emotion-partial"),
                      lock: target.appendingPathComponent(".voice-emotion.lock"), inStore: false)
    }

    /// What is in the target folder now.
    enum Occupant: Equatable {
        /// Nothing: it does not exist, or it is an empty folder (or holds only our own staging and lock).
        case nothing
        /// A model this store installed (its marker names the repository), or, in the store, a
        /// complete model folder an earlier version installed without a marker.
        case model(repository: String?)
        /// Anything else: never deleted or changed.
        case foreign(String)
    }

    /// What occupies the target; `foreign` says what, for the error.
    func occupant() -> Occupant {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return .nothing }
        guard isDirectory.boolValue else { return .foreign("it is a file, not a folder") }
        let ours: Set<String> = [staging.lastPathComponent, lock.lastPathComponent]
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []).filter { !ours.contains($0) }
        if entries.isEmpty { return .nothing }
        if let marker = try? String(contentsOf: target.appendingPathComponent(Self.markerName), encoding: .utf8) {
            return .model(repository: marker.split(separator: "\n").first.map(String.init))
        }
        if inStore, ModelStore.isComplete(target) { return .model(repository: nil) }
        let shown = entries.sorted().prefix(3).joined(separator: ", ") + (entries.count > 3 ? ", …" : "")
        return .foreign("it holds files the model store did not write (\(shown))")
    }

    /// Creates the staging folder, emptying it first when its files were downloaded for another
    /// repository or revision (a failed pull of revision `bad` must not feed a pull of `main`).
    func prepareStaging(repository: String, revision: String) throws {
        let stamp = "\(repository)\n\(revision)\n"
        let stampFile = staging.appendingPathComponent(Self.stampName)
        if FileManager.default.fileExists(atPath: staging.path),
           (try? String(contentsOf: stampFile, encoding: .utf8)) != stamp {
            try discardStaging()
        }
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try Data(stamp.utf8).write(to: stampFile, options: .atomic)
        } catch {
            throw VoiceEmotionError.writeFailed(path: staging.path, reason: error.localizedDescription)
        }
    }

    /// Removes the staging folder (the store's own hidden folder: its name is ours).
    func discardStaging() throws {
        guard FileManager.default.fileExists(atPath: staging.path) else { return }
        do { try FileManager.default.removeItem(at: staging) } catch {
            throw VoiceEmotionError.writeFailed(path: staging.path, reason: error.localizedDescription)
        }
    }

    /// Puts the staged model in place and marks it. In the store the staging folder is renamed
    /// over the target (an earlier copy is moved aside first and removed once the new one is in
    /// place); in a `--dest` folder each staged file is renamed into it, so nothing outside it is
    /// touched and nothing in it but the model's own files is replaced.
    func install(repository: String, revision: String) throws {
        try? FileManager.default.removeItem(at: staging.appendingPathComponent(Self.stampName))
        do {
            try Data("\(repository)\n\(revision)\n".utf8).write(to: staging.appendingPathComponent(Self.markerName), options: .atomic)
        } catch {
            throw VoiceEmotionError.writeFailed(path: staging.appendingPathComponent(Self.markerName).path, reason: error.localizedDescription)
        }
        if inStore {
            if FileManager.default.fileExists(atPath: target.path) {
                let old = target.deletingLastPathComponent().appendingPathComponent("." + target.lastPathComponent + ".old-\(UUID().uuidString)")
                try Self.move(target, to: old)
                try Self.move(staging, to: target)
                try? FileManager.default.removeItem(at: old)
            } else {
                try Self.move(staging, to: target)
            }
            return
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
        // The marker last: a folder is marked as the store's only once every file is in it.
        for file in files.sorted(by: { ($0 == Self.markerName ? 1 : 0, $0) < ($1 == Self.markerName ? 1 : 0, $1) }) {
            try Self.move(staging.appendingPathComponent(file), to: target.appendingPathComponent(file))
        }
        try? FileManager.default.removeItem(at: staging)
    }

    static func move(_ source: URL, to destination: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            throw VoiceEmotionError.writeFailed(path: destination.path, reason: String(cString: strerror(errno)))
        }
    }
}
