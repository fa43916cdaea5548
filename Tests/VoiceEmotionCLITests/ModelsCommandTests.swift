// `voice-emotion models pull|list|remove|convert` as a user runs them: against TestSupport's
// fake hub on 127.0.0.1 (HF_ENDPOINT), with the store in a temporary folder
// (VOICE_EMOTION_MODELS), and `convert` against the Python converter's output.

import Foundation
import TestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(2))) struct ModelsCommandTests {
    let speech = "Tests/SileroVADTests/Fixtures/clipped_16k.flac"

    /// A new empty store folder, removed afterwards by the caller.
    func temporaryStore() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("cli-models-\(UUID())") }

    /// Pull from the hub, then use the model by name (`analyze --model owner/model`), list it,
    /// and remove it.
    @Test func pullUseListRemove() throws {
        let hub = try FakeHub(["owner/model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let environment = ["HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""]
        let pull = try run(["models", "pull", "owner/model"], environment: environment)
        #expect(pull.status == 0, "\(pull.err)")
        #expect(pull.out == store.appendingPathComponent("owner--model").path + "\n")

        let analyzed = try run(["analyze", speech, "--model", "owner/model", "--json"], environment: environment)
        #expect(analyzed.status == 0, "\(analyzed.err)")
        let object = try #require(try json(analyzed.out) as? [String: Any])
        #expect(object["labels"] as? [String] == ["neu", "hap", "ang", "sad"])
        // With no --model, the only installed model is the one used.
        let byDefault = try run(["analyze", speech, "--json"], environment: environment)
        let segments = { (text: String) in try #require((try json(text) as? [String: Any])?["segments"] as? [[String: Any]]).map { $0["scores"] as? [String: Double] } }
        #expect(try segments(byDefault.out) == segments(analyzed.out) && segments(analyzed.out).count == 2)

        let list = try run(["models", "list", "--json"], environment: environment)
        let listed = try #require(try json(list.out) as? [String: Any])
        let installed = try #require(listed["installed"] as? [[String: Any]])
        #expect(installed.map { $0["name"] as? String } == ["owner--model"])
        // The weights (112,116 bytes) and the two small configs.
        #expect((112_116 + 100...112_116 + 10_000).contains(installed.first?["bytes"] as? Int ?? 0))
        let catalogue = try #require(listed["catalogue"] as? [[String: Any]])
        #expect(catalogue.map { $0["name"] as? String } == ["ehcalabres", "superb-base", "superb-hubert", "audeering"])
        #expect(catalogue.map { $0["commercial_use"] as? Bool } == [true, true, true, false])

        // Every form `models list` shows is a name --model takes, and the text list never cuts one.
        let byFolderName = try run(["analyze", speech, "--model", "owner--model", "--json"], environment: environment)
        #expect(byFolderName.status == 0, "\(byFolderName.err)")
        let sameSegments = try segments(byFolderName.out) == segments(analyzed.out)
        #expect(sameSegments)
        #expect(try run(["models", "list"], environment: environment).out.contains("  owner--model "))
        // A name that is not installed: the installed ones, and how to pull or give a folder.
        let missing = try run(["analyze", speech, "--model", "superb-base"], environment: environment)
        #expect(missing.status == 1 && missing.err == "error: no model 'superb-base': it is not a folder, and no installed model has that name "
                + "(installed: owner--model); download it with: voice-emotion models pull superb-base, or give a model folder\n", "\(missing.err)")

        let remove = try run(["models", "remove", "owner/model"], environment: environment)
        #expect(remove.status == 0, "\(remove.err)")
        let again = try run(["models", "remove", "owner/model"], environment: environment)
        #expect(again.status == 1 && again.err.contains("owner--model"))
    }

    /// Failures are one line naming the repository and file, with exit status 1, and leave no model.
    @Test func failuresAreOneClearLine() throws {
        let hub = try FakeHub(["owner/corrupt-model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let environment = ["HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""]
        let cases: [(arguments: [String], environment: [String: String], message: String)] = [
            (["models", "pull", "owner/corrupt-model"], environment,
             "error: owner/corrupt-model: model.safetensors arrived damaged: its SHA-256 is "),
            (["models", "pull", "owner/missing"], environment,
             "error: owner/missing: cannot download config.json: not found (HTTP 404): check the repository name and revision"),
            // A port nothing listens on: what an offline machine sees.
            (["models", "pull", "owner/model", "--connect-timeout", "5"], environment.merging(["HF_ENDPOINT": "http://127.0.0.1:9"]) { $1 },
             "error: owner/model: cannot download config.json: the hub cannot be reached (offline?)"),
            (["models", "pull", "no-such-model"], environment,
             "error: unknown model 'no-such-model'"),
        ]
        for (arguments, environment, message) in cases {
            let result = try run(arguments, environment: environment)
            #expect(result.status == 1, "\(arguments)")
            let errorLines = result.err.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(errorLines.count == 1 && errorLines[0].hasPrefix(message), "\(result.err)")
            #expect(result.out.isEmpty)
        }
        let list = try run(["models", "list", "--json"], environment: environment)
        #expect(((try json(list.out) as? [String: Any])?["installed"] as? [Any])?.isEmpty == true)
    }

    /// `models convert` on a hub folder with pytorch_model.bin gives the same logits as the folder
    /// Weights/convert_wav2vec2.py made from it (Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr).
    @Test func convertGivesThePythonConvertersLogits() throws {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("cli-convert-\(UUID())")
        defer { try? FileManager.default.removeItem(at: destination) }
        let convert = try run(["models", "convert", "Tests/TorchCheckpointTests/Fixtures/hub_bin", destination.path])
        #expect(convert.status == 0, "\(convert.err)")
        #expect(convert.err.contains("wrote 74 tensors (f32)"))
        let ours = try run(["classify", speech, "--model", destination.path, "--json"])
        let python = try run(["classify", speech, "--model", "Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr", "--json"])
        #expect(ours.status == 0 && python.status == 0, "\(ours.err) \(python.err)")
        let logits = { (text: String) in (try json(text) as? [String: Any])?["logits"] as? [Double] }
        #expect(try logits(ours.out) != nil && logits(ours.out) == logits(python.out))

        let badDtype = try run(["models", "convert", "Tests/TorchCheckpointTests/Fixtures/hub_bin", destination.path, "--dtype", "f8"])
        #expect(badDtype.status == 64 && badDtype.err.contains("--dtype must be f32 or f16"))
        let notAFolder = try run(["models", "convert", "/no/such/folder", destination.path])
        #expect(notAFolder.status == 1 && notAFolder.err.contains("/no/such/folder"))
    }

    /// A hub announcing `X-Linked-Size: 9223372036854775806` and sending slowly: the progress
    /// bar on a terminal used to trap turning the time left into an Int. Run under a
    /// pseudo-terminal (`script`), so the bar is drawn; the pull ends in an error, not a signal.
    @Test func anAbsurdAnnouncedSizeDoesNotTrapTheBar() throws {
        let hub = try FakeHub(["o/huge-model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let command = "'\(try cliPath())' models pull o/huge-model"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = Pipe()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(text)")
        #expect(text.contains("over 100 h left") && text.contains("error: o/huge-model: cannot download model.safetensors"), "\(text)")
    }

    /// A hub trickling a byte every 0.2 s kept a pull alive for an hour; a transfer that brings
    /// less than 64 kB in `--stall-timeout` seconds (60 by default; 1 here) is stopped.
    @Test func aTricklingHubIsGivenUpOn() throws {
        let hub = try FakeHub(["o/trickle-model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let started = Date()
        let pull = try run(["models", "pull", "o/trickle-model", "--stall-timeout", "1"], environment: [
            "HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""])
        #expect(pull.status == 1 && pull.err.contains("the server sent less than 64 kB in 1 s; try again later (the download resumes)"), "\(pull.err)")
        #expect(Date().timeIntervalSince(started) < 30)
    }

    /// An endless config body: refused at the in-memory cap (1 MB), and the pull's memory stays
    /// bounded. It peaked at 1.17 GB with a 16 MB cap, and at 1.7 GB under load with 1 MB while
    /// every queued chunk cancelled the task again; stopping once and dropping the rest: 46-98 MB
    /// measured, idle and with three CPU burners.
    @Test func anEndlessConfigIsCutShort() throws {
        let hub = try FakeHub(["o/endless-model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let measure = Process()
        measure.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        measure.arguments = ["python3", "-c", "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
                             + "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(r.stderr)",
                             try cliPath(), "models", "pull", "o/endless-model"]
        measure.environment = ProcessInfo.processInfo.environment.merging(
            ["HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""]) { $1 }
        let out = Pipe()
        measure.standardOutput = out
        try measure.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        measure.waitUntilExit()
        let fields = text.split(separator: "\n").first?.split(separator: " ") ?? []
        #expect(fields.first == "1" && text.contains("config.json: the file is larger than 1 MB, which a configuration never is"), "\(text)")
        let peakMB = (fields.last.flatMap { Double($0) } ?? .infinity) / 1024
        #expect(peakMB < 300, "peak \(peakMB) MB")
    }

    /// `--connect-timeout` had no effect on Linux (the request's own timeout was ignored: 60 s
    /// always); a hub that never answers now fails after it.
    @Test func theConnectTimeoutIsHonoured() throws {
        let hub = try FakeHub(["o/silent-model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let started = Date()
        let pull = try run(["models", "pull", "o/silent-model", "--connect-timeout", "1"],
                           environment: ["HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""])
        let seconds = Date().timeIntervalSince(started)
        #expect(pull.status == 1 && pull.err.contains("o/silent-model: cannot download config.json"), "\(pull.err)")
        #expect(seconds < 15, "\(seconds) s")
    }

    /// `models list` cut names at 15 columns ("test-org--tiny-"); every name it shows is one
    /// `--model` takes.
    @Test func longNamesAreListedWhole() throws {
        let hub = try FakeHub(["test-org/tiny-random-emotion-model": repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted")])
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let environment = ["HF_ENDPOINT": hub.endpoint.absoluteString, "VOICE_EMOTION_MODELS": store.path, "HF_TOKEN": ""]
        #expect(try run(["models", "pull", "test-org/tiny-random-emotion-model"], environment: environment).status == 0)
        let list = try run(["models", "list"], environment: environment)
        let line = try #require(list.out.split(separator: "\n").first { $0.contains("test-org--") })
        #expect(line.hasPrefix("  test-org--tiny-random-emotion-model "), "\(list.out)")
        for name in ["test-org--tiny-random-emotion-model", "test-org/tiny-random-emotion-model"] {
            #expect(try run(["analyze", speech, "--model", name], environment: environment).status == 0, "\(name)")
        }
    }
}
