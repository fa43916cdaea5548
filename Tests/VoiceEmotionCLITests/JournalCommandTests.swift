// `voice-emotion journal ...` and `dashboard` as a user runs them: a folder of real memos (the
// formats issue's fixtures, some broken on purpose), idempotent re-adds, list/export/tag/remove,
// two processes adding at once, a process killed inside its transaction, Ctrl-C.

import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct JournalCommandTests {
    let model = "Tests/Wav2Vec2Tests/Fixtures/base_weighted"
    let memos = "Tests/AudioInputTests/Fixtures/memos"

    /// A temporary folder, removed by the caller; the journal goes in it.
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-journal-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func recordings(_ journal: String) throws -> [[String: Any]] {
        let list = try run(["journal", "list", "--json", "--journal", journal])
        #expect(list.status == 0, "\(list.err)")
        return try #require((try json(list.out) as? [String: Any])?["recordings"] as? [[String: Any]])
    }

    /// Noise WAVs (16 kHz, 16-bit) whose contents differ by seed: distinct memos without speech.
    func noiseFiles(_ count: Int, in folder: URL, seed: UInt64) throws -> [String] {
        try (0..<count).map { i in
            var state = seed &+ UInt64(i) &* 7919
            var samples = Data()
            for _ in 0..<8000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                var sample = Int16(truncatingIfNeeded: Int64(state >> 33) % 2000 - 1000).littleEndian
                samples.append(Data(bytes: &sample, count: 2))
            }
            var header = Data("RIFF".utf8)
            func u32(_ v: UInt32) { var v = v.littleEndian; header.append(Data(bytes: &v, count: 4)) }
            func u16(_ v: UInt16) { var v = v.littleEndian; header.append(Data(bytes: &v, count: 2)) }
            u32(UInt32(36 + samples.count)); header.append(Data("WAVEfmt ".utf8))
            u32(16); u16(1); u16(1); u32(16000); u32(32000); u16(2); u16(16)
            header.append(Data("data".utf8)); u32(UInt32(samples.count))
            let path = folder.appendingPathComponent("noise-\(seed)-\(i).wav").path
            try (header + samples).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    @Test func addAFolderOfRealMemos() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        let add = try run(["journal", "add", memos, "--model", model, "--tag", "test run", "--journal", journal])
        // Three memos cannot be read (truncated, unknown codec, video only): named, and the others still land.
        #expect(add.status == 1)
        let failures = add.err.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(failures.count == 3 && ["memo_truncated.m4a", "memo_unknown_codec.mka", "memo_video_only.mp4"].allSatisfy { name in failures.contains { $0.contains(name) } },
                "\(add.err)")
        #expect(add.out.split(separator: "\n").filter { $0.hasPrefix("added id ") }.count == 10, "\(add.out)")
        #expect(add.err.contains("10 added, 0 already there, 3 failed"))
        // Each memo says where its date came from; the untagged ones say how to fix it.
        let dated = add.out.split(separator: "\n").filter { $0.hasPrefix("  recorded ") }
        #expect(dated.count == 10 && dated.contains { $0.hasSuffix(", from its date tag") }, "\(add.out)")
        let guessed = dated.filter { $0.contains("from the file's modification time (no date tag)") }.count
        #expect(guessed > 0 && add.out.components(separatedBy: "fix it: voice-emotion journal date ").count - 1 == guessed)
        var stored = try recordings(journal)
        #expect(stored.count == 10 && stored.allSatisfy { ($0["tags"] as? [String]) == ["test run"] })
        // Dates come from the files' tags where they have them (memo_quicktime.mov: 2024-03-04T08:15:00+01:00).
        let quicktime = try #require(stored.first { ($0["path"] as? String)?.hasSuffix("memo_quicktime.mov") == true })
        #expect(quicktime["recorded_local"] as? String == "2024-03-04T08:15:00" && quicktime["recorded_at_source"] as? String == "metadata")
        #expect((quicktime["model"] as? [String: Any])?["name"] as? String == "base_weighted")
        // The journal keeps each memo's voice markers too.
        #expect((quicktime["prosody"] as? [String: Any])?["intensity_mean_db"] is Double)

        // Again: nothing is analysed twice.
        let again = try run(["journal", "add", memos, "--model", model, "--journal", journal])
        #expect(again.out.split(separator: "\n").filter { $0.hasPrefix("already in the journal") }.count == 10)
        #expect(try recordings(journal).count == 10)

        // --force replaces (same id count), --recorded-at and --no-paths apply.
        let speech = "\(memos)/memo_speech.m4a"
        let forced = try run(["journal", "add", speech, "--model", model, "--force", "--no-paths", "--recorded-at", "2026-09-07T08:00:00+02:00", "--journal", journal])
        #expect(forced.status == 0 && forced.out.hasPrefix("replaced id 11: "), "\(forced.out) \(forced.err)")
        stored = try recordings(journal)
        let replaced = try #require(stored.first { $0["id"] as? Int == 11 })
        #expect(stored.count == 10 && replaced["path"] is NSNull && replaced["recorded_local"] as? String == "2026-09-07T08:00:00"
                && replaced["recorded_at_source"] as? String == "user" && (replaced["segments"] as? [Any])?.isEmpty == false)

        // Export, tag, remove.
        let csv = try run(["journal", "export", "--format", "csv", "--journal", journal])
        let lines = csv.out.split(separator: "\r\n")
        #expect(csv.status == 0 && lines.count == 11 && lines[0].contains(",tags,neutral,happy,angry,sad,voice_f0_mean_hz,"), "\(lines.first ?? "")")
        let out = folder.appendingPathComponent("export.json").path
        #expect(try run(["journal", "export", "--format", "json", "--out", out, "--journal", journal]).status == 0)
        #expect(((try json(String(contentsOfFile: out, encoding: .utf8)) as? [String: Any])?["recordings"] as? [Any])?.count == 10)
        #expect(try run(["journal", "tag", "11", "monday", "--journal", journal]).status == 0)
        let tagged = try run(["journal", "list", "--tag", "monday", "--journal", journal])
        #expect(tagged.out.split(separator: "\n").count == 2 && tagged.out.contains("[monday, test run]"), "\(tagged.out)")
        let missing = try run(["journal", "remove", "11", "999", "--journal", journal])
        #expect(missing.status == 1 && missing.err == "error: no recording with id 999 in the journal (voice-emotion journal list shows the ids)\n")
        #expect(try run(["journal", "remove", "11", "--journal", journal]).status == 0 && recordings(journal).count == 9)
        let summary = try run(["journal", "summary", "--journal", journal])
        #expect(summary.status == 0 && summary.out.contains("9 memos from 2024-03-04") && summary.out.contains("not a clinical measure"), "\(summary.out)")
        let summaryJSON = try #require(try json(run(["journal", "summary", "--json", "--journal", journal]).out) as? [String: Any])
        #expect(summaryJSON["recordings"] as? Int == 9 && (summaryJSON["grid"] as? [Any])?.count == 28)
        // The memos' times are mostly their files' (one checkout time): the words agree with the numbers.
        let sentence = try #require((summaryJSON["peak"] as? [String: Any])?["sentence"] as? String)
        #expect(summary.out.replacingOccurrences(of: "\n", with: " ").contains(sentence))
        // Memos dated by file time are counted and marked, can leave the grid, and can be fixed.
        let fileTimed = try #require(summaryJSON["dated_by_file_time"] as? Int)
        let storedFileTimes = try recordings(journal).filter { $0["recorded_at_source"] as? String == "file_time" }.count
        #expect(fileTimed > 0 && fileTimed == storedFileTimes)
        #expect(summary.out.contains("dated by file time"), "\(summary.out)")
        let list = try run(["journal", "list", "--journal", journal])
        #expect(list.out.contains("~ \(fileTimed) memo") && list.out.split(separator: "\n").filter { $0.contains("~  ") }.count == fileTimed, "\(list.out)")
        #expect(try run(["journal", "settings", "--file-times-in-grid", "no", "--journal", journal]).out.hasPrefix("file-times-in-grid: no"))
        let excluded = try #require(try json(run(["journal", "summary", "--json", "--journal", journal]).out) as? [String: Any])
        let gridCount = { (document: [String: Any]) in (document["grid"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["count"] as? Int ?? 0) } }
        // (The grid counts memos with speech only.)
        let fileTimedWithSpeech = try recordings(journal).filter { $0["recorded_at_source"] as? String == "file_time" && $0["stress"] is Double }.count
        #expect(excluded["file_times_in_grid"] as? Bool == false && gridCount(excluded) == gridCount(summaryJSON) - fileTimedWithSpeech)
        let override = try #require(try json(run(["journal", "summary", "--json", "--file-times-in-grid", "--journal", journal]).out) as? [String: Any])
        #expect(gridCount(override) == gridCount(summaryJSON))
        let firstGuessed = try #require(try recordings(journal).first { $0["recorded_at_source"] as? String == "file_time" }?["id"] as? Int)
        let fixed = try run(["journal", "date", "\(firstGuessed)", "2026-09-08T07:30", "--journal", journal])
        #expect(fixed.status == 0 && fixed.out.contains("now recorded at 2026-09-08 07:30:00"), "\(fixed.err)")
        #expect(try recordings(journal).first { $0["id"] as? Int == firstGuessed }?["recorded_at_source"] as? String == "user")
        // A model the journal does not have: the ones it has are named.
        let unknown = try run(["journal", "summary", "--model", "nope", "--journal", journal])
        #expect(unknown.status == 64 && unknown.err.contains("Models in the journal: base_weighted ("), "\(unknown.err)")
        #expect(try run(["journal", "summary", "--model", "base_weighted", "--journal", journal]).status == 0)

        // The dashboard of it.
        let page = folder.appendingPathComponent("week.html").path
        let dashboard = try run(["dashboard", "--journal", journal, "--out", page])
        #expect(dashboard.status == 0 && dashboard.out == page + "\n", "\(dashboard.err)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<svg id=\"timeline\"") && html.contains("9 memos from 2024-03-04"))
        #expect(try run(["journal", "remove", "--all", "--journal", journal]).out == "removed all 9 recordings\n")
    }

    @Test func refusesWhatItCannotDo() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        let environment = ["VOICE_EMOTION_MODELS": folder.appendingPathComponent("models").path, "VOICE_EMOTION_MODEL": ""]
        let noModel = try run(["journal", "add", "\(memos)/memo_speech.m4a", "--journal", journal], environment: environment)
        #expect(noModel.status == 1 && noModel.err.contains("voice-emotion models pull ehcalabres"), "\(noModel.err)")
        let badDate = try run(["journal", "add", "x.wav", "--recorded-at", "yesterday", "--journal", journal])
        #expect(badDate.status == 64 && badDate.err.contains("--recorded-at yesterday"))
        // February 30th used to be stored as March 2nd; +18:01 was accepted and dropped.
        for impossible in ["2026-02-30T10:00:00Z", "2026-03-01T10:00:00+18:01"] {
            let refused = try run(["journal", "add", "x.wav", "--recorded-at", impossible, "--journal", journal])
            #expect(refused.status == 64 && refused.err.contains("--recorded-at \(impossible)"), "\(refused.err)")
        }
        let badSince = try run(["dashboard", "--since", "2026-02-30", "--journal", journal])
        #expect(badSince.status == 64 && badSince.err.contains("--since 2026-02-30: give a date as YYYY-MM-DD"))
        let notAJournal = folder.appendingPathComponent("notes.txt").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notAJournal))
        let refused = try run(["journal", "list", "--journal", notAJournal])
        #expect(refused.status == 1 && refused.err == "error: \(notAJournal): cannot use the journal: the file is not a journal (not an SQLite database)\n")
        let nothing = try run(["journal", "add", folder.path, "--model", model, "--journal", journal])
        #expect(nothing.status == 1 && nothing.err.contains("no audio files in"))
        let empty = try run(["journal", "list", "--journal", journal])
        #expect(empty.status == 0 && empty.out.contains("The journal is empty"))
    }

    /// Two processes start on a journal that does not exist yet (both create it), five times over.
    @Test func twoProcessesAddAtOnce() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try noiseFiles(6, in: folder, seed: 1), second = try noiseFiles(6, in: folder, seed: 2)
        for round in 0..<5 {
            let journal = folder.appendingPathComponent("journal-\(round).sqlite").path
            let results = LockedResults()
            let threads = [first, second].map { files in
                Thread {
                    let result = try? run(["journal", "add"] + files + ["--model", model, "--journal", journal])
                    results.append(result?.status ?? -1, result?.err ?? "")
                }
            }
            threads.forEach { $0.start() }
            while results.count < 2 { usleep(20_000) }
            #expect(results.all == [0, 0], "round \(round): \(results.errors)")
            let stored = try recordings(journal)
            #expect(stored.count == 12 && Set(stored.compactMap { $0["content_sha256"] as? String }).count == 12)
        }
    }

    @Test func killedInsideItsTransactionLeavesNothing() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        let file = "\(memos)/memo_speech.m4a"
        let child = try startCLI(["journal", "add", file, "--model", model, "--journal", journal], environment: ["VOICE_EMOTION_JOURNAL_TEST_PAUSE_MS": "20000"])
        try child.waitForError(containing: "test: pausing inside the add transaction")
        kill(child.process.processIdentifier, SIGKILL)
        child.process.waitUntilExit()
        // The recording row was written inside the transaction; the kill rolled it back.
        #expect(try recordings(journal).isEmpty)
        #expect(try sqliteCount(journal, "SELECT COUNT(*) FROM segment") == 0)
        let retry = try run(["journal", "add", file, "--model", model, "--journal", journal])
        #expect(retry.status == 0 && retry.out.hasPrefix("added id "))
    }

    @Test func ctrlCStopsAfterTheCurrentMemo() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        let files = try noiseFiles(3, in: folder, seed: 3)
        let child = try startCLI(["journal", "add"] + files + ["--model", model, "--journal", journal], environment: ["VOICE_EMOTION_JOURNAL_TEST_PAUSE_MS": "1500"])
        try child.waitForError(containing: "test: pausing inside the add transaction")
        kill(child.process.processIdentifier, SIGINT)
        child.process.waitUntilExit()
        #expect(child.process.terminationStatus == 130)
        #expect(child.error.contains("interrupted after 1 of 3 files (1 added, 0 already there); the journal is consistent"), "\(child.error)")
        #expect(try recordings(journal).count == 1)
    }
}

/// Exit statuses and stderr collected from threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int32] = []
    private var messages: [String] = []
    func append(_ value: Int32, _ message: String) { lock.withLock { values.append(value); messages.append(message) } }
    var count: Int { lock.withLock { values.count } }
    var all: [Int32] { lock.withLock { values } }
    var errors: [String] { lock.withLock { messages } }
}

/// A CLI process running in the background, its stderr collected as it comes.
final class RunningCLI: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var collected = ""

    var error: String { lock.withLock { collected } }

    init(_ arguments: [String], environment: [String: String]) throws {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.executableURL = URL(fileURLWithPath: try cliPath())
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            self?.lock.withLock { self?.collected += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    /// Waits (at most a minute) until stderr holds `text`.
    func waitForError(containing text: String) throws {
        let deadline = Date().addingTimeInterval(60)
        while !error.contains(text) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw CLITestFailure(message: "never printed '\(text)': \(error)")
            }
            usleep(20_000)
        }
    }
}

struct CLITestFailure: Error { let message: String }

func startCLI(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningCLI { try RunningCLI(arguments, environment: environment) }

/// A count from the sqlite3 program.
func sqliteCount(_ path: String, _ sql: String) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", path, sql]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}
