// `voice-emotion live` as a pipe user runs it: raw PCM on standard input (16-bit and float,
// stereo at 44.1 kHz), JSON Lines, a malformed tail, an audio file at its real pace.

import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct LiveCommandTests {
    let model = "Tests/Wav2Vec2Tests/Fixtures/base_weighted"
    let sample = "Docs/Samples/voice-memo.flac"

    /// The sample as raw PCM, by the ffmpeg program (as `ffmpeg ... -f s16le - | voice-emotion live -`).
    func pcm(_ format: String, rate: Int, channels: Int) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-loglevel", "error", "-i", repository.appendingPathComponent(sample).path,
                             "-f", format, "-ac", "\(channels)", "-ar", "\(rate)", "-"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return data
    }

    func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try #require(try json(String($0)) as? [String: Any]) }
    }

    /// Runs `live` with `input` written to its standard input at `speedup` times real time (as a
    /// capture program writes it, but faster), so the model keeps up and updates are made.
    func runPaced(_ arguments: [String], input: Data, bytesPerSecond: Int, speedup: Double = 20) throws -> (status: Int32, out: String, err: String) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try cliPath())
        child.arguments = arguments
        child.currentDirectoryURL = repository
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        (child.standardInput, child.standardOutput, child.standardError) = (stdin, out, err)
        try child.run()
        let chunk = bytesPerSecond / 10
        Thread {
            var offset = 0
            while offset < input.count {
                stdin.fileHandleForWriting.write(input[offset..<min(offset + chunk, input.count)])
                offset += chunk
                usleep(UInt32(100_000 / speedup))
            }
            try? stdin.fileHandleForWriting.close()
        }.start()
        let errData = LockedData()
        Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return (child.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.wait(), as: UTF8.self))
    }

    @Test func jsonLinesFromAPipe() throws {
        let result = try runPaced(["live", "-", "--model", model, "--json"], input: try pcm("s16le", rate: 16_000, channels: 1), bytesPerSecond: 32_000)
        #expect(result.status == 0, "\(result.err)")
        let events = try lines(result.out)
        let kinds = events.map { $0["event"] as? String ?? "" }
        // The sample's eight segments (`analyze` finds eight too), each started and ended.
        #expect(kinds.filter { $0 == "speech_started" }.count == 8 && kinds.filter { $0 == "speech_ended" }.count == 8)
        #expect(kinds.contains("update"))
        for event in events {
            #expect(event["time_s"] is Double && (event["latency_s"] as? Double ?? -1) >= 0)
        }
        let update = try #require(events.first { $0["event"] as? String == "update" })
        #expect(update["scores"] is [String: Double] && update["stress"] is Double && update["smoothed_stress"] is Double && update["skipped"] is Int)
        let ended = try #require(events.first { $0["event"] as? String == "speech_ended" })
        let segment = try #require(ended["segment"] as? [String: Any])
        #expect(Set(segment.keys) == ["start_s", "end_s", "scores", "dominant", "dimensions", "stress", "windows"] && ended["cut"] as? Bool == false && ended["skipped_updates"] is Int)
        // Float samples, and 44.1 kHz stereo, find the same eight segments.
        let float = try lines(run(["live", "-", "--model", model, "--json", "--format", "f32le"], input: try pcm("f32le", rate: 16_000, channels: 1)).out)
        #expect(float.filter { $0["event"] as? String == "speech_ended" }.count == 8)
        let stereo = try run(["live", "-", "--model", model, "--rate", "44100", "--channels", "2"], input: try pcm("s16le", rate: 44_100, channels: 2))
        #expect(stereo.status == 0 && stereo.out.split(separator: "\n").count == 8, "\(stereo.out)")
    }

    @Test func aMalformedTailIsReportedAfterTheRest() throws {
        var input = try pcm("s16le", rate: 16_000, channels: 1)
        input.append(0x7F)
        let result = try run(["live", "-", "--model", model, "--json"], input: input)
        #expect(result.status == 1)
        #expect(result.err == "error: -: corrupt audio data: the input ended with 1 byte that is not a whole s16le sample (2 bytes each); everything before was analysed\n")
        #expect(try lines(result.out).filter { $0["event"] as? String == "speech_ended" }.count == 8)
    }

    @Test func aFileAtItsRealPace() throws {
        let short = "Tests/AudioInputTests/Fixtures/native_16k.wav"  // 0.4 s
        let start = Date()
        let result = try run(["live", short, "--model", model, "--realtime"])
        #expect(result.status == 0, "\(result.err)")
        #expect(Date().timeIntervalSince(start) >= 0.4)
        let missing = try run(["live", "no-such.wav", "--model", model])
        #expect(missing.status == 1 && missing.err == "error: no-such.wav: no such file\n")
        let badRate = try run(["live", "-", "--rate", "5", "--model", model], input: Data())
        #expect(badRate.status == 64 && badRate.err.contains("--rate must be within"))
        let badWindow = try run(["live", "-", "--update-window-s", "100", "--model", model], input: Data())
        #expect(badWindow.status == 64 && badWindow.err.contains("--update-window-s 100.0: must be within 0.5...30.0"))
    }
}
