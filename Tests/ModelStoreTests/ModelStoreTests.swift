// Pulling models from a local stand-in for the hub (TestSupport's FakeHub, on 127.0.0.1, started
// and stopped by each test): a safetensors repository, a pytorch_model.bin-only one (converted
// natively), a dropped connection resumed, a wrong checksum, 404, 401 and a token, a redirect
// carrying the checksum, a plain static server, and cancellation leaving no model behind.

import Foundation
import ModelStore
import SafeTensors
import TestSupport
import Testing
import VoiceEmotionCore
import Wav2Vec2

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let baseWeighted = repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")
let hubBin = repository.appendingPathComponent("Tests/TorchCheckpointTests/Fixtures/hub_bin")
let legacyXLSR = repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr")

extension FakeHub {
    /// A store in a new temporary folder, filled from this hub.
    func store(token: String? = nil) -> (ModelStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID())")
        return (ModelStore(folder: folder, endpoint: endpoint, token: token, connectTimeout: 10), folder)
    }
}

/// Every tensor of two safetensors files, by name: dtype, shape, bytes.
func tensors(_ path: String) throws -> [String: [UInt8]] {
    let file = try SafeTensorsFile(path: path)
    var result: [String: [UInt8]] = [:]
    for name in file.tensorNames { result[name] = [UInt8](try file.rawBytes(name)) + Array("\(try file.info(name).shape)\(try file.info(name).dtype)".utf8) }
    return result
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct PullTests {
    @Test func safetensorsRepository() async throws {
        let hub = try FakeHub(["owner/model": baseWeighted])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pulled = try await store.pull("owner/model")
        #expect(pulled.path == folder.appendingPathComponent("owner--model").path)
        for file in ["config.json", "preprocessor_config.json", "model.safetensors"] {
            #expect(FileManager.default.contentsEqual(atPath: pulled.appendingPathComponent(file).path, andPath: baseWeighted.appendingPathComponent(file).path), "\(file)")
        }
        #expect(store.installed().map(\.name) == ["owner--model"])
        #expect(try (FileManager.default.contentsOfDirectory(atPath: folder.path)).sorted() == [".owner--model.lock", "owner--model"])  // no staging left
        try store.remove("owner/model")
        #expect(store.installed().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    /// A repository with only pytorch_model.bin: converted here, the .bin deleted, the tensors
    /// those of the Python converter (Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr).
    @Test func binOnlyRepositoryIsConverted() async throws {
        let hub = try FakeHub(["owner/bin-model": hubBin])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pulled = try await store.pull("owner/bin-model")
        #expect(try FileManager.default.contentsOfDirectory(atPath: pulled.path).sorted() == [".voice-emotion-model", "config.json", "model.safetensors", "preprocessor_config.json"])
        #expect(try tensors(pulled.appendingPathComponent("model.safetensors").path) == tensors(legacyXLSR.appendingPathComponent("model.safetensors").path))
    }

    /// The connection drops halfway through the weights: the pull resumes with a Range request
    /// and the whole file's SHA-256 matches.
    @Test func droppedConnectionResumes() async throws {
        let hub = try FakeHub(["owner/flaky-model": baseWeighted])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let updates = Updates()
        let pulled = try await store.pull("owner/flaky-model") { updates.add($0) }
        #expect(FileManager.default.contentsEqual(atPath: pulled.appendingPathComponent("model.safetensors").path,
                                                  andPath: baseWeighted.appendingPathComponent("model.safetensors").path))
        #expect(updates.last?.bytesReceived == 112_116 && updates.last?.totalBytes == 112_116)
    }

    @Test func wrongChecksumIsAnErrorAndNoModel() async throws {
        let hub = try FakeHub(["owner/corrupt-model": baseWeighted])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let actual = try sha256(baseWeighted.appendingPathComponent("model.safetensors"))
        await #expect(throws: VoiceEmotionError.checksumMismatch(repo: "owner/corrupt-model", file: "model.safetensors",
                                                                 expected: String(repeating: "0", count: 64), found: actual)) {
            try await store.pull("owner/corrupt-model")
        }
        #expect(store.installed().isEmpty)
    }

    @Test func missingRepositoryIs404() async throws {
        let hub = try FakeHub([:])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: VoiceEmotionError.downloadFailed(repo: "owner/nothing", file: "config.json",
                                                               reason: "not found (HTTP 404): check the repository name and revision")) {
            try await store.pull("owner/nothing")
        }
    }

    @Test func privateRepositoryNeedsTheToken() async throws {
        let hub = try FakeHub(["owner/private-model": baseWeighted])
        let (anonymous, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: VoiceEmotionError.downloadFailed(repo: "owner/private-model", file: "config.json",
            reason: "the hub requires authorization (HTTP 401): check the repository name; if it is private or gated, set HF_TOKEN")) {
            try await anonymous.pull("owner/private-model")
        }
        let wrong = ModelStore(folder: folder, endpoint: hub.endpoint, token: "nope", connectTimeout: 10)
        await #expect(throws: VoiceEmotionError.downloadFailed(repo: "owner/private-model", file: "config.json",
            reason: "the token was refused (HTTP 403): check the repository name, and that HF_TOKEN can read it")) {
            try await wrong.pull("owner/private-model")
        }
        let authorised = ModelStore(folder: folder, endpoint: hub.endpoint, token: "secret", connectTimeout: 10)
        #expect(Self.isModel(try await authorised.pull("owner/private-model")))
    }

    /// The hub answers weights requests with a redirect that carries the checksum; a plain
    /// static server sends no checksum and no ranges, and still works.
    @Test func redirectAndPlainServers() async throws {
        let hub = try FakeHub(["owner/redirect-model": baseWeighted, "owner/plain-model": baseWeighted])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(Self.isModel(try await store.pull("owner/redirect-model")))
        let plain = try FakeHub(["owner/plain-model": baseWeighted], plain: true)
        let (plainStore, plainFolder) = plain.store()
        defer { try? FileManager.default.removeItem(at: plainFolder) }
        #expect(Self.isModel(try await plainStore.pull("owner/plain-model")))
    }

    /// A second pull of a model being pulled is refused; cancelling mid-download stops at once
    /// with `.cancelled`; no model folder exists, the partial download stays hidden for a later
    /// pull to resume.
    @Test func cancellingLeavesNoModel() async throws {
        let hub = try FakeHub(["owner/slow-model": baseWeighted])
        let (store, folder) = hub.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let updates = Updates()
        let task = Task { try await store.pull("owner/slow-model") { updates.add($0) } }
        while updates.last == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        await #expect(throws: VoiceEmotionError.downloadFailed(repo: "owner/slow-model", file: "model",
                                                               reason: "another pull of this model is running; wait for it to finish")) {
            try await store.pull("owner/slow-model")
        }
        task.cancel()
        await #expect(throws: VoiceEmotionError.cancelled) { try await task.value }
        #expect(store.installed().isEmpty && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("owner--slow-model").path))
        let partial = folder.appendingPathComponent(".owner--slow-model.partial/model.safetensors.incomplete")
        #expect(FileManager.default.fileExists(atPath: partial.path))
        #expect(Self.isModel(try await store.pull("owner/slow-model")))  // resumes and completes
    }

    @Test func namesAreResolvedOrRefused() throws {
        #expect(try ModelStore.resolve("ehcalabres").repository == "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition")
        #expect(try ModelStore.resolve("owner/name").folderName == "owner--name")
        for bad in ["nonsense", "a/b/c", "../x", "owner/.."] {
            #expect(throws: VoiceEmotionError.unknownModel(name: bad, known: ["ehcalabres", "superb-base", "superb-hubert", "audeering"])) {
                try ModelStore.resolve(bad)
            }
        }
    }

    static func isModel(_ folder: URL) -> Bool { (try? Wav2Vec2Classifier(folder: folder.path)) != nil }
}

/// Progress reports collected from the download's thread.
final class Updates: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PullProgress] = []
    func add(_ update: PullProgress) { lock.withLock { items.append(update) } }
    var last: PullProgress? { lock.withLock { items.last } }
}

/// A file's SHA-256 (the library's own implementation is checked against known values below).
func sha256(_ file: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum", file.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(64))
}

/// The library's SHA-256 against the FIPS 180-4 example values, fed whole and in uneven pieces.
@Test func sha256KnownValues() {
    let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    let cases: [([UInt8], String)] = [
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]
    for (message, expected) in cases {
        var whole = SHA256()
        whole.update(message)
        #expect(whole.hexDigest() == expected)
        var pieces = SHA256()
        let sizes = [1, 63, 64, 65, 127, 1000]
        var offset = 0, piece = 0
        repeat {
            let end = min(offset + sizes[piece % sizes.count], message.count)
            pieces.update(Array(message[offset..<end]))
            offset = end
            piece += 1
        } while offset < message.count
        #expect(pieces.hexDigest() == expected)
    }
}
