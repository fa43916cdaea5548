// The `voice-emotion` command-line contract, run as a user runs it: the built executable, its
// stdout, stderr and exit status. (swift build --build-tests builds it beside the test bundle.)

import AudioInput
import Foundation
import Testing

/// Repository root, from this file's location.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built CLI beside the test bundle.
func cliPath() throws -> String {
    let directory = Bundle.main.bundleURL.deletingLastPathComponent()
    for candidate in [Bundle.main.bundleURL.appendingPathComponent("voice-emotion"), directory.appendingPathComponent("voice-emotion")] {
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
    }
    throw CLIError.notBuilt(directory.path)
}

enum CLIError: Error { case notBuilt(String) }

/// Runs the CLI, with `input` on its standard input when given; returns (exit status, stdout, stderr).
func run(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
    try run(executable: try cliPath(), arguments, environment: environment, input: input)
}

/// Runs any program from the repository's root (`/bin/sh -c …` for pipelines) and collects its
/// status and both outputs.
func run(executable: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws
    -> (status: Int32, out: String, err: String)
{
    let process = Process()
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = repository
    let out = Pipe(), err = Pipe(), stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    if input != nil { process.standardInput = stdin }
    try process.run()
    if let input {
        // Written on a thread of its own: the child reads it while we drain its output.
        Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }.start()
    }
    // Both pipes are drained at once: reading one to its end first would deadlock once the child
    // filled the other's buffer.
    let errData = LockedData()
    let errReader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    errReader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.wait(), as: UTF8.self))
}

/// Data handed from a reader thread, waited for.
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?
    func set(_ value: Data) { condition.lock(); data = value; condition.signal(); condition.unlock() }
    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data!
    }
}

func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

@Suite struct InfoCommandTests {
    @Test func describesTheSample() throws {
        let result = try run(["info", "--json", "Docs/Samples/voice-memo.flac"])
        #expect(result.status == 0)
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(object["sample_rate"] as? Int == 16000 && object["channels"] as? Int == 1)
        #expect((object["duration_s"] as? Double ?? 0) > 20)
    }
}

@Suite struct VADCommandTests {
    let fixture = "Tests/SileroVADTests/Fixtures/speech_8k.flac"

    /// The JSON contract: exactly the documented keys, sample indices at the rate the VAD ran at,
    /// seconds consistent with them, one probability per chunk.
    @Test func jsonMatchesContract() throws {
        let result = try run(["vad", fixture, "--json", "--probabilities", "--max-speech-s", "2.5", "--min-silence-ms", "600"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(Set(object.keys) == ["file", "sample_rate", "duration_s", "segments", "probabilities"])
        #expect(object["file"] as? String == fixture && object["sample_rate"] as? Int == 8000)
        let segments = try #require(object["segments"] as? [[String: Any]])
        let reference = try #require(try json(String(contentsOf: repository.appendingPathComponent("Tests/SileroVADTests/Fixtures/vad_reference.json"), encoding: .utf8)) as? [String: Any])
        let files = try #require(reference["files"] as? [String: Any])
        let entry = try #require(files["speech_8k.flac"] as? [String: Any])
        #expect(!segments.isEmpty)
        for segment in segments {
            #expect(Set(segment.keys) == ["start", "end", "start_s", "end_s"])
            let start = try #require(segment["start"] as? Int), end = try #require(segment["end"] as? Int)
            #expect(abs((segment["start_s"] as? Double ?? -1) - Double(start) / 8000) < 1e-9 && end > start)
        }
        let probabilities = try #require(object["probabilities"] as? [Double])
        #expect(probabilities.count == (entry["probabilities"] as? [Double])?.count)
    }

    @Test func defaultSegmentsEqualOfficial() throws {
        let result = try run(["vad", fixture, "--json"])
        let object = try #require(try json(result.out) as? [String: Any])
        let segments = try #require(object["segments"] as? [[String: Any]]).map { [$0["start"] as! Int, $0["end"] as! Int] }
        let reference = try #require(try json(String(contentsOf: repository.appendingPathComponent("Tests/SileroVADTests/Fixtures/vad_reference.json"), encoding: .utf8)) as? [String: Any])
        let entry = try #require((reference["files"] as? [String: Any])?["speech_8k.flac"] as? [String: Any])
        let official = try #require((entry["segments"] as? [String: Any])?["default"] as? [[Int]])
        #expect(segments == official)
    }

    @Test func humanTable() throws {
        let result = try run(["vad", "Docs/Samples/voice-memo.flac"])
        #expect(result.status == 0)
        #expect(result.out.contains("voice-memo.flac") && result.out.contains("segments") && result.out.contains("start s"))
    }

    /// Every failure names the file on stderr and makes the exit status non-zero; other files still run.
    @Test func errorsNameTheFileAndOthersStillRun() throws {
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID()).wav")
        try "not audio".write(to: text, atomically: true, encoding: .utf8)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID()).wav")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        defer { try? FileManager.default.removeItem(at: text); try? FileManager.default.removeItem(at: empty) }
        let result = try run(["vad", "--json", "/no/such.wav", text.path, empty.path, fixture])
        #expect(result.status != 0)
        for path in ["/no/such.wav", text.path, empty.path] { #expect(result.err.contains(path)) }
        let array = try #require(try json(result.out) as? [[String: Any]])
        #expect(array.count == 4)
        #expect(array[0]["error"] is String && array[1]["error"] is String && array[2]["error"] is String)
        #expect(array[3]["segments"] is [Any])
    }

    /// Usage errors name the flag (not the library's option name) and exit with 64.
    @Test(arguments: [(["--threshold", "1.5"], "--threshold 1.5: must be within 0...1."),
                      (["--min-silence-ms=-5"], "--min-silence-ms -5.0: must be a duration from 0 to 86400000 ms (a day)."),
                      (["--neg-threshold", "0.9"], "--neg-threshold 0.9: must not exceed the threshold 0.5."),
                      (["--max-speech-s", "0"], "--max-speech-s 0.0: must be > 0 (infinity for no limit).")])
    func invalidOptionsAreUsageErrors(_ flags: [String], _ message: String) throws {
        let result = try run(["vad", fixture] + flags)
        #expect(result.status == 64)
        #expect(result.err.hasPrefix("Error: " + message), "\(result.err)")
    }
}

@Suite struct ClassifyCommandTests {
    let model = "Tests/Wav2Vec2Tests/Fixtures/base_weighted"

    @Test func jsonContract() throws {
        let result = try run(["classify", "Tests/SileroVADTests/Fixtures/speech_8k.flac", "--model", model, "--json"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(Set(object.keys) == ["file", "model", "labels", "logits", "scores", "frames"])
        #expect(object["labels"] as? [String] == ["neu", "hap", "ang", "sad"])
        let scores = try #require(object["scores"] as? [Double])
        #expect(abs(scores.reduce(0, +) - 1) < 1e-5)
        // 22 s at 8 kHz, resampled to 16 kHz: 352 000 samples -> 1099 frames.
        #expect(object["frames"] as? Int == 1099)
    }

    @Test func regressionScoresAreRawOutputs() throws {
        let result = try run(["classify", "Docs/Samples/voice-memo.flac", "--model", "Tests/Wav2Vec2Tests/Fixtures/legacy_regression", "--json"])
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(object["scores"] as? [Double] == object["logits"] as? [Double])
    }

    @Test func errorsNameTheProblem() throws {
        let missing = try run(["classify", "Docs/Samples/voice-memo.flac", "--model", "/no/such/model"])
        #expect(missing.status != 0 && missing.err.contains("/no/such/model"))
        // 200 samples at 16 kHz: shorter than one frame.
        var wav: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { wav += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { wav += $0 } }
        wav += Array("RIFF".utf8); u32(36 + 400); wav += Array("WAVE".utf8)
        wav += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(16000); u32(32000); u16(2); u16(16)
        wav += Array("data".utf8); u32(400)
        for i in 0..<200 { u16(UInt16(i * 50)) }
        let short = FileManager.default.temporaryDirectory.appendingPathComponent("short-\(UUID()).wav")
        try Data(wav).write(to: short)
        defer { try? FileManager.default.removeItem(at: short) }
        let tooShort = try run(["classify", short.path, "--model", model])
        #expect(tooShort.status != 0 && tooShort.err.contains(short.path) && tooShort.err.contains("too short"))
    }
}

@Suite struct AnalyzeCommandTests {
    let speech = "Tests/SileroVADTests/Fixtures/clipped_16k.flac"
    let model = "Tests/Wav2Vec2Tests/Fixtures/base_weighted"

    /// A folder is searched for audio files, as `journal add` does (it used to say "cannot read:
    /// not a regular file"); the human report with voice markers fits 80 columns.
    @Test func aFolderIsAnalysedFileByFile() throws {
        let result = try run(["analyze", "Tests/SileroVADTests/Fixtures", "--model", model, "--prosody"])
        #expect(result.status == 0, "\(result.err)")
        let names = ["clipped_16k.flac", "noise_16k.flac", "silence_16k.flac", "speech_16k.flac", "speech_8k.flac"]
        let headers: [String] = result.out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Tests/") }
        let expected: [String] = names.map { "Tests/SileroVADTests/Fixtures/" + $0 }
        #expect(headers == expected)
        let wide = result.out.split(separator: "\n").filter { $0.count > 80 && !$0.hasPrefix("Tests/") }
        #expect(wide.isEmpty, "\(wide)")
        #expect(result.out.contains("  voice: F0 "))
        let empty = try run(["analyze", "Tests/TestSupport/FakeHub", "--model", model])
        #expect(empty.status == 1 && empty.err == "error: no audio files in Tests/TestSupport/FakeHub\n", "\(empty.err)")
    }

    /// The library's message names no command (it reads well in an app); the CLI adds the one to type.
    @Test func theShellGetsTheCommandToType() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-bin-only-\(UUID())")
        try FileManager.default.copyItem(at: repository.appendingPathComponent(model), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.moveItem(at: folder.appendingPathComponent("model.safetensors"), to: folder.appendingPathComponent("pytorch_model.bin"))
        let result = try run(["analyze", speech, "--model", folder.path])
        #expect(result.status == 1 && result.err.hasSuffix("convert it first (ModelStore.convert) (voice-emotion models convert FOLDER FOLDER)\n"), "\(result.err)")
    }

    @Test func jsonContractForOneFile() throws {
        let result = try run(["analyze", speech, "--model", model, "--json"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try json(result.out) as? [String: Any])
        // Keys in the documented order (Docs/JSON.md), the library's own Codable encoding.
        #expect(result.out.hasPrefix(#"{"file":"\#(speech)","recorded_at":"#))
        let keys = ["file", "recorded_at", "recorded_at_source", "recorded_at_tag", "duration_s", "speech_s", "speech_ratio",
                    "segments", "labels", "scores", "dominant", "dimensions", "stress", "timings"]
        #expect(Set(object.keys) == Set(keys))
        var position = result.out.startIndex  // each key found after the one before it
        for key in keys {
            let found = result.out.range(of: "\"\(key)\":", range: position..<result.out.endIndex)
            #expect(found != nil, "\(key) out of order")
            position = found?.upperBound ?? position
        }
        #expect(object["labels"] as? [String] == ["neu", "hap", "ang", "sad"])
        #expect(object["recorded_at_source"] as? String == "file_time" && object["recorded_at_tag"] is NSNull)
        let segments = try #require(object["segments"] as? [[String: Any]])
        #expect(!segments.isEmpty)
        for segment in segments {
            #expect(Set(segment.keys) == ["start_s", "end_s", "scores", "dominant", "dimensions", "stress", "windows"])
            // Keyed by the canonical names `dominant` uses, so scores[dominant] exists.
            let scores = segment["scores"] as? [String: Double] ?? [:]
            #expect(Set(scores.keys) == ["neutral", "happy", "angry", "sad"])
            #expect(scores[segment["dominant"] as? String ?? ""] == scores.values.max())
            // Times to the millisecond, scores to six decimals.
            let start = try #require(segment["start_s"] as? Double)
            #expect(abs(start * 1000 - (start * 1000).rounded()) < 1e-6)
            #expect(scores.values.allSatisfy { abs($0 * 1e6 - ($0 * 1e6).rounded()) < 1e-3 })
        }
        let stress = try #require(object["stress"] as? Double)
        #expect((0...1).contains(stress))
        #expect(["neutral", "happy", "angry", "sad"].contains(object["dominant"] as? String ?? ""))
        #expect(Set((object["timings"] as? [String: Double] ?? [:]).keys) == ["decode_s", "vad_s", "emotion_s", "prosody_s", "total_s"])
    }

    /// Several files give an array; a failing file is an entry with "error", the others still run,
    /// and the exit status is non-zero.
    @Test func severalFilesWithFailures() throws {
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("renamed-\(UUID()).wav")
        try "hello".write(to: text, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: text) }
        let result = try run(["analyze", speech, text.path, "Tests/SileroVADTests/Fixtures/silence_16k.flac", "--model", model, "--json"])
        #expect(result.status != 0 && result.err.contains(text.path))
        let array = try #require(try json(result.out) as? [[String: Any]])
        #expect(array.count == 3)
        #expect(array[0]["segments"] is [Any] && array[1]["error"] is String)
        // Silence: no speech, no scores, stress null (not NaN).
        #expect((array[2]["segments"] as? [Any])?.isEmpty == true && array[2]["stress"] is NSNull && array[2]["dominant"] is NSNull)
    }

    /// The human report fits 80 columns with eight labels, prints full label names, and one
    /// overall line (dimensional models printed it twice).
    @Test(arguments: ["legacy_xlsr", "legacy_regression"])
    func humanReportFitsEightyColumns(_ fixture: String) throws {
        let result = try run(["analyze", speech, "--model", "Tests/Wav2Vec2Tests/Fixtures/\(fixture)"])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n")
        #expect(lines.first == Substring(speech))  // the path on its own line, then the report
        #expect(lines.dropFirst().allSatisfy { $0.count <= 80 }, "\(lines.map(\.count))")
        #expect(lines.filter { $0.hasPrefix("  overall:") }.count == 1)
        let header = try #require(lines.first { $0.contains("start") })
        let names = fixture == "legacy_xlsr" ? ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]
                                             : ["arousal", "dominance", "valence"]
        #expect(header.split(separator: " ").map(String.init) == ["start", "end"] + names + ["stress"])
    }

    @Test func withoutModelExplainsHowToGetOne() throws {
        let process = try run(["analyze", speech], environment: ["VOICE_EMOTION_MODELS": "/nonexistent"])
        #expect(process.status == 0)
        #expect(process.err.contains("voice-emotion models pull ehcalabres") && process.out.contains("segments"))
    }

    @Test func badModelFolderFails() throws {
        let result = try run(["analyze", speech, "--model", "Tests/SileroVADTests/Fixtures"])
        #expect(result.status != 0 && result.err.contains("Tests/SileroVADTests/Fixtures"))
    }
}

/// The probe's reproductions through the CLI: each ends in one clear line naming the file, a
/// non-zero exit, and the other files of the run still processed.
@Suite(.timeLimit(.minutes(2))) struct HostileInputCommandTests {
    let model = "Tests/Wav2Vec2Tests/Fixtures/base_weighted"
    let speech = "Tests/SileroVADTests/Fixtures/clipped_16k.flac"

    func temporary(_ bytes: [UInt8], _ suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID())\(suffix)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func nanSampleIsAnErrorAndOthersStillRun() throws {
        var samples = (0..<32000).map { Float(sin(Double($0) * 0.02)) * 0.3 }
        samples[8000] = .nan
        let nan = try temporary(floatWAVBytes(samples, rate: 16000), ".wav")
        defer { try? FileManager.default.removeItem(at: nan) }
        let result = try run(["analyze", nan.path, speech, "--model", model, "--json"])
        #expect(result.status == 1)
        #expect(result.err.contains("\(nan.path): the audio holds a NaN or infinite sample at 0.500000 s"))
        let array = try #require(try json(result.out) as? [[String: Any]])
        #expect(array.count == 2 && array[0]["error"] is String && array[1]["segments"] is [Any])
    }

    @Test func absurdRateIsAnError() throws {
        let one = try temporary(floatWAVBytes([Float](repeating: 0.1, count: 16000), rate: 1), ".wav")
        defer { try? FileManager.default.removeItem(at: one) }
        for command in ["vad", "analyze", "info"] {
            let result = try run([command, one.path])
            #expect(result.status == 1, "\(command)")
            #expect(result.err.contains("\(one.path): sample rate 1 Hz is outside the supported 1000...768000 Hz"), "\(command)")
        }
    }

    /// classify on a long file allocated one block of 65 GB; now refused from the header's length.
    @Test func classifyRefusesWhatDoesNotFit() throws {
        let result = try run(["classify", speech, "--model", model, "--memory-limit-mb", "1"])
        #expect(result.status == 1)
        #expect(result.err.contains("\(speech): audio too long for one model pass: 128000 samples (8.00 s at 16 kHz)"))
    }

    @Test func absurdWindowIsAUsageError() throws {
        let result = try run(["analyze", speech, "--max-window-s", "1e15"])
        #expect(result.status == 64 && result.err.contains("--max-window-s must be within 1...3600 seconds."))
    }

    @Test func fifoModelDoesNotHang() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-model-\(UUID())")
        try FileManager.default.copyItem(at: repository.appendingPathComponent(model), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors").path
        try FileManager.default.removeItem(atPath: weights)
        #expect(mkfifo(weights, 0o600) == 0)
        let result = try run(["classify", speech, "--model", folder.path])
        #expect(result.status == 1 && result.err.contains("\(weights): cannot read: not a regular file"))
    }

    /// A cut-off Ogg file's length is unknown, not 576460752303423 s.
    @Test func cutOffOggHasNoDuration() throws {
        let bytes = [UInt8](try Data(contentsOf: repository.appendingPathComponent("Tests/AudioInputTests/Fixtures/tone_44k.ogg")))
        let cut = try temporary(Array(bytes.prefix(4000)), ".ogg")
        defer { try? FileManager.default.removeItem(at: cut) }
        let result = try run(["info", cut.path, "--json"])
        #expect(result.status == 0)
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(object["duration_s"] is NSNull && object["frames"] is NSNull && object["sample_rate"] as? Int == 44100)
    }
}

/// Voice memos through the CLI: ffmpeg-decoded formats, standard input, recording times, and what
/// happens without ffmpeg or with one that stalls.
@Suite(.timeLimit(.minutes(2))) struct MemoCommandTests {
    let m4a = "Tests/AudioInputTests/Fixtures/memos/memo_aac_48k.m4a"
    let wav = "Tests/AudioInputTests/Fixtures/tone_44k.wav"

    @Test func infoDescribesAnM4aAndWhenItWasRecorded() throws {
        let result = try run(["info", m4a, "--json"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(object["decoder"] as? String == "ffmpeg" && object["sample_rate"] as? Int == 48000 && object["channels"] as? Int == 1)
        #expect(object["recorded_at"] as? String == "2024-03-04T07:15:00Z" && object["recorded_at_source"] as? String == "metadata")
    }

    /// `-` reads any format from standard input (spooled to a temporary file, removed after).
    @Test func standardInputIsAFile() throws {
        let bytes = try Data(contentsOf: repository.appendingPathComponent(m4a))
        let result = try run(["analyze", "-", "--json", "--model", "Tests/Wav2Vec2Tests/Fixtures/base_weighted"], input: bytes)
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(object["file"] as? String == "-" && object["recorded_at"] as? String == "2024-03-04T07:15:00Z")
        #expect((object["segments"] as? [Any])?.isEmpty == false)
        // With --prosody the result is the file's, voice markers included (the recording-level
        // `prosody` key used to be dropped for standard input); only `file` and the timings differ.
        let piped = try run(["analyze", "-", "--json", "--prosody", "--model", "Tests/Wav2Vec2Tests/Fixtures/base_weighted"], input: bytes)
        let named = try run(["analyze", m4a, "--json", "--prosody", "--model", "Tests/Wav2Vec2Tests/Fixtures/base_weighted"])
        var fromPipe = try #require(try json(piped.out) as? [String: Any]), fromFile = try #require(try json(named.out) as? [String: Any])
        #expect(fromPipe["prosody"] is [String: Any] && fromPipe["file"] as? String == "-")
        for key in ["file", "timings"] { fromPipe[key] = nil; fromFile[key] = nil }
        #expect(NSDictionary(dictionary: fromPipe).isEqual(to: fromFile))
        let garbage = try run(["info", "-"], input: Data("not audio".utf8))
        #expect(garbage.status == 1 && garbage.err.hasPrefix("error: -: not a supported audio file"), "\(garbage.err)")
        let twice = try run(["info", "-", "-"], input: bytes)
        #expect(twice.status == 64 && twice.err.contains("'-' (standard input) can be given once."))
    }

    /// Without ffmpeg: the m4a fails with how to install it; the WAV in the same run still works.
    @Test func missingFfmpegSaysHowToInstallIt() throws {
        let result = try run(["info", m4a, wav], environment: ["VOICE_EMOTION_FFMPEG": "/nonexistent/ffmpeg"])
        #expect(result.status == 1)
        #expect(result.err.contains("\(m4a): MPEG-4 audio (m4a) needs the ffmpeg program, which was not found "
            + "(looked for $VOICE_EMOTION_FFMPEG = /nonexistent/ffmpeg); install it: apt install ffmpeg (Debian, Ubuntu) or brew install ffmpeg (macOS)"))
        #expect(result.out.contains("tone_44k.wav") && result.out.contains("44100 Hz"))
    }

    /// An ffmpeg that stops producing output is killed after the stall timeout: an error, not a hang.
    @Test func stalledFfmpegIsStopped() throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("stalled-ffmpeg-\(UUID())")
        try "#!/bin/sh\nexec sleep 30\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        defer { try? FileManager.default.removeItem(at: script) }
        let start = Date()
        let result = try run(["vad", m4a], environment: ["VOICE_EMOTION_FFMPEG": script.path, "VOICE_EMOTION_FFMPEG_TIMEOUT_S": "1"])
        #expect(result.status == 1 && result.err.contains("\(m4a): corrupt audio data: ffmpeg produced no audio for 1 s; stopped it"), "\(result.err)")
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
