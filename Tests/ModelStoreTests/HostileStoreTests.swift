// The model store against what the second hostile-input round found: a --dest that held other
// files (it was emptied), a failed pull's weights installed by the next pull of another
// revision, and the token carried to another origin. Each test failed before its fix.

import Foundation
import ModelStore
import TestSupport
import Testing
import VoiceEmotionCore

@Suite(.serialized, .timeLimit(.minutes(2))) struct HostileStoreTests {
    /// A folder's entries (recursively, relative), to see that nothing changed.
    func listing(_ folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
    }

    func temporaryFolder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// `--dest .` used to empty the working folder; `--dest models/` wiped another model. Now a
    /// folder that holds anything the store did not write is refused and left exactly as it was,
    /// and nothing beside it is created.
    @Test func destinationsThatHoldOtherFilesAreRefusedUntouched() async throws {
        let hub = try FakeHub(["o/m": baseWeighted, "o/other": baseWeighted])
        let (store, storeFolder) = hub.store()
        let parent = try temporaryFolder("dest")
        defer { try? FileManager.default.removeItem(at: parent); try? FileManager.default.removeItem(at: storeFolder) }
        // A user's folder with their documents.
        let documents = parent.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: documents.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: documents.appendingPathComponent("notes.txt"))
        try Data("also mine".utf8).write(to: documents.appendingPathComponent("sub/config.json"))
        // A model folder the user converted themselves (complete, but not the store's).
        let own = parent.appendingPathComponent("own-model")
        try FileManager.default.copyItem(at: baseWeighted, to: own)
        let before = listing(parent)
        for folder in [documents, own] {
            await #expect(throws: VoiceEmotionError.self) { try await store.pull("o/m", into: folder) }
            await #expect(throws: VoiceEmotionError.self) { try await store.pull("o/m", into: folder, force: true) }
        }
        #expect(listing(parent) == before)
        #expect(try String(contentsOf: documents.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine")
        do { _ = try await store.pull("o/m", into: documents) } catch let error as VoiceEmotionError {
            #expect(error.description.contains("it holds files the model store did not write (notes.txt, sub)"), "\(error)")
            #expect(error.description.contains("give a new or empty folder (nothing in it was changed)"))
        }

        // A new folder, and an empty one: installed, marked; a second pull returns at once;
        // another repository into it is refused; --force replaces only the model's own files.
        let fresh = parent.appendingPathComponent("fresh"), empty = parent.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for folder in [fresh, empty] {
            #expect(try await store.pull("o/m", into: folder) == folder)
            #expect(listing(folder) == [".voice-emotion-model", ".voice-emotion.lock", "config.json", "model.safetensors", "preprocessor_config.json"])
            #expect(try await store.pull("o/m", into: folder) == folder)
        }
        await #expect(throws: VoiceEmotionError.destinationInUse(path: fresh.path, reason: "it holds another model (o/m)")) {
            try await store.pull("o/other", into: fresh)
        }
        try Data("kept".utf8).write(to: fresh.appendingPathComponent("README.txt"))
        #expect(try await store.pull("o/m", into: fresh, force: true) == fresh)
        #expect(try String(contentsOf: fresh.appendingPathComponent("README.txt"), encoding: .utf8) == "kept")
        // A file where a folder should be.
        let file = parent.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        await #expect(throws: VoiceEmotionError.destinationInUse(path: file.path, reason: "it is a file, not a folder")) {
            try await store.pull("o/m", into: file)
        }
    }

    /// A pull of revision `bad` whose weights do not load used to leave them staged, and a pull
    /// of `main` then installed *those* weights with main's config, without downloading.
    @Test func aFailedRevisionLeavesNothingForTheNext() async throws {
        let hub = try FakeHub(["o/m": baseWeighted])
        let bad = hub.root.appendingPathComponent("o/m/@bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: legacyXLSR.appendingPathComponent("model.safetensors"), to: bad.appendingPathComponent("model.safetensors"))
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: VoiceEmotionError.self) { try await store.pull("o/m", revision: "bad") }
        #expect(store.installed().isEmpty)
        let pulled = try await store.pull("o/m", revision: "main")
        #expect(FileManager.default.contentsEqual(atPath: pulled.appendingPathComponent("model.safetensors").path,
                                                  andPath: baseWeighted.appendingPathComponent("model.safetensors").path))
        // Files staged for another revision (a pull killed mid-way) are not used either.
        let staging = folder.appendingPathComponent(".o--x.partial")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: legacyXLSR.appendingPathComponent("model.safetensors"), to: staging.appendingPathComponent("model.safetensors"))
        try Data("o/x\nbad\n".utf8).write(to: staging.appendingPathComponent(".voice-emotion-pull"))
        let hub2 = try FakeHub(["o/x": baseWeighted])
        let store2 = ModelStore(folder: folder, endpoint: hub2.endpoint, token: nil, connectTimeout: 10)
        let second = try await store2.pull("o/x")
        #expect(FileManager.default.contentsEqual(atPath: second.appendingPathComponent("model.safetensors").path,
                                                  andPath: baseWeighted.appendingPathComponent("model.safetensors").path))
    }

    /// A 302 to another port of the same host used to carry `Authorization: Bearer …` (only the
    /// host was compared); the other port's server refuses any request with the header.
    @Test func theTokenStaysWithItsOrigin() async throws {
        let hub = try FakeHub(["o/xport-model": baseWeighted])
        let (_, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = ModelStore(folder: folder, endpoint: hub.endpoint, token: "secret", connectTimeout: 10)
        let pulled = try await store.pull("o/xport-model")
        #expect(FileManager.default.contentsEqual(atPath: pulled.appendingPathComponent("model.safetensors").path,
                                                  andPath: baseWeighted.appendingPathComponent("model.safetensors").path))
    }
}
