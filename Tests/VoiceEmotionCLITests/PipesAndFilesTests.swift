// The CLI where the second hostile-input round found hangs and traps: memos that are FIFOs or
// links to /dev/zero (hashed before any type check: journal add hung and held up the batch),
// readers that go away with SIGPIPE ignored (systemd's default: FileHandle.write trapped), and a
// closed standard error (any error message trapped: 132 instead of 1).

import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2))) struct PipesAndFilesTests {
    let model = "Tests/Wav2Vec2Tests/Fixtures/base_weighted"

    /// Runs `script` with /bin/sh, SIGPIPE ignored (as systemd starts services); `CLI` names the binary.
    func shell(_ script: String) throws -> (status: Int32, out: String, err: String) {
        try run(executable: "/bin/sh", ["-c", "trap '' PIPE; " + script], environment: ["CLI": try cliPath()])
    }

    @Test func fifosAndDevicesAreRefusedWithoutWaiting() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("memo.wav").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let zero = folder.appendingPathComponent("zero.wav").path
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        let journal = folder.appendingPathComponent("journal.sqlite").path
        let started = Date()
        let add = try run(["journal", "add", fifo, zero, "Tests/SileroVADTests/Fixtures/speech_8k.flac", "--model", model, "--journal", journal])
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(add.status == 1 && add.err.contains("\(fifo): cannot read: not a regular file (a folder, pipe or device)")
                && add.err.contains("\(zero): cannot read: not a regular file"), "\(add.err)")
        #expect(add.out.contains("added id 1: Tests/SileroVADTests/Fixtures/speech_8k.flac"), "\(add.out)")
    }

    /// `live --json | head -1`: the reader leaves after one event; the writer stops with status 1
    /// and a message instead of trapping.
    @Test func aReaderThatLeavesEndsTheWriterCleanly() throws {
        let result = try shell("{ \"$CLI\" live Docs/Samples/voice-memo.flac --model \(model) --json; echo \"status $?\" >&2; } | head -1")
        #expect(result.out.split(separator: "\n").count == 1 && result.out.hasPrefix("{\"event\":"), "\(result.out)")
        #expect(result.err.contains("error: standard output was closed") && result.err.contains("status 1"), "\(result.err)")
    }

    /// An error message with standard error closed: exit 1, not a trap (132).
    @Test func aClosedStandardErrorIsNoCrash() throws {
        let result = try shell("\"$CLI\" info /nonexistent 2>&-; echo \"status $?\"")
        #expect(result.out == "status 1\n", "\(result.out)")
    }
}
