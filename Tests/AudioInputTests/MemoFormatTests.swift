// Voice memos as phones and browsers record them, through the ffmpeg program: decoded samples
// against the Python pipeline (ffmpeg f32le -> channel mean -> python-soxr HQ), the lossless
// round trip, streaming, recording times from every tag kind, bad files, and child processes
// cleaned up (fixtures: Fixtures/make_memo_fixtures.py).

import AudioInput
import Foundation
import SafeTensors
import Testing
import VoiceEmotionCore

let memos = fixtures.appendingPathComponent("memos")
func memo(_ name: String) -> String { memos.appendingPathComponent(name).path }
let memoReference = try! SafeTensorsFile(path: memo("memos_reference.safetensors"))

@Suite struct MemoParityTests {
    /// Within 1e-6 of what a Python user gets from the same ffmpeg and python-soxr (reached: 0,
    /// bit-identical, with Debian's ffmpeg 5.1; another ffmpeg version may decode AAC differently).
    @Test(arguments: ["memo_aac_48k.m4a", "memo_alac.m4a", "memo_aac.3gp", "memo_opus.webm", "memo_video.mp4", "memo_quicktime.mov"])
    func decodedSamplesMatchPython(_ name: String) throws {
        let info = try AudioLoader.info(path: memo(name))
        #expect(info.decoder == .ffmpeg)
        let audio = try AudioLoader.load(path: memo(name), sampleRate: 16000)
        let expected = try memoReference.floats(name + ".16k")
        let difference = maxAbsDifference(audio.samples, expected)
        #expect(difference <= 1e-6, "\(name): max abs diff \(difference), \(audio.samples.count) vs \(expected.count) samples")
    }

    /// ALAC is lossless: at its own rate it is exactly the FLAC it was encoded from.
    @Test func alacEqualsItsSource() throws {
        let alac = try AudioLoader.load(path: memo("memo_alac.m4a"))
        let source = try AudioLoader.load(path: fixture("chirp_48k_stereo.flac"))
        #expect(alac.sampleRate == 48000 && alac.samples.count == 24000)
        #expect(alac.samples == Array(source.samples.prefix(24000)))
    }

    /// Paths with spaces, non-ASCII letters, a leading '-' and a ':' reach ffmpeg as a file,
    /// never as an option or a protocol.
    @Test func awkwardPathsAreFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("memos \(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try AudioLoader.load(path: memo("memo_opus.webm"), sampleRate: 16000).samples
        for name in ["-y été: 1.webm", "http:memo.webm"] {
            let copy = folder.appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: memo("memo_opus.webm"), toPath: copy)
            #expect(try AudioLoader.load(path: copy, sampleRate: 16000).samples == expected, "\(name)")
        }
    }

    /// Decoded block by block, the samples are bit-identical to one whole decode.
    @Test func streamingEqualsOneDecode() throws {
        let whole = try AudioLoader.load(path: memo("memo_speech.m4a"), sampleRate: 16000).samples
        var streamed: [Float] = []
        let summary = try AudioLoader.stream(path: memo("memo_speech.m4a"), sampleRate: 16000) { block in
            streamed += block
            return true
        }
        #expect(summary.completed && streamed == whole && whole.count > 7 * 16000)
    }
}

@Suite struct RecordingTimeTests {
    func time(_ name: String) throws -> RecordingTime? { try AudioLoader.info(path: memo(name)).recordedAt }

    @Test func tagsOfEveryKind() throws {
        // (file, ISO 8601 as read, tag): UTC, with an offset, and local times without a zone.
        let cases: [(String, String, String)] = [
            ("memo_aac_48k.m4a", "2024-03-04T07:15:00Z", "creation_time"),
            ("memo_quicktime.mov", "2024-03-04T08:15:00+01:00", "com.apple.quicktime.creationdate"),
            ("memo_opus.webm", "2024-03-04T08:15:00", "DATE"),
            ("memo_date.opus", "2024-03-04T00:00:00", "DATE"),
            ("memo_tdrc.mp3", "2024-03-04T08:15:00", "DATE"),
            ("memo_bext.wav", "2024-03-04T08:15:00", "bext"),
        ]
        for (name, iso, tag) in cases {
            let recorded = try #require(try time(name), "\(name)")
            #expect(recorded.iso8601 == iso && recorded.tag == tag && recorded.source == .metadata, "\(name): \(recorded)")
            #expect(recorded.isLocalTime == (!iso.hasSuffix("Z") && !iso.contains("+")), "\(name)")
        }
        // The instants: the offset and UTC tags name the same moment.
        #expect(try time("memo_aac_48k.m4a")?.date == time("memo_quicktime.mov")?.date)
    }

    /// No tag: the file's modification time; audio in memory: none.
    @Test func fileTimeAndNone() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("alac-\(UUID()).m4a")
        try FileManager.default.copyItem(atPath: memo("memo_alac.m4a"), toPath: copy.path)
        defer { try? FileManager.default.removeItem(at: copy) }
        let modified = Date(timeIntervalSince1970: 1_709_536_500)  // 2024-03-04T07:15:00Z
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: copy.path)
        let recorded = try #require(try AudioLoader.info(path: copy.path).recordedAt)
        #expect(recorded.source == .fileTime && recorded.date == modified && recorded.iso8601 == "2024-03-04T07:15:00Z" && recorded.tag == nil)
        let bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("tone_44k.wav")))
        #expect(try AudioLoader.info(bytes: bytes).recordedAt == nil)
    }

    @Test func parsingIsStrictAboutWhatItAccepts() throws {
        #expect(RecordingTime.fromTags([("date", "2024")]) == nil)              // a year alone (ID3 TYER) says too little
        #expect(RecordingTime.fromTags([("creation_time", "1904-01-01T00:00:00Z")]) == nil)  // MP4's zeroed creation time
        #expect(RecordingTime.fromTags([("date", "not a date")]) == nil)
        let first = try #require(RecordingTime.fromTags([("creation_time", "1970-01-01T00:00:00Z"), ("DATE", "2024/03/04 08:15")]))
        #expect(first.tag == "DATE" && first.iso8601 == "2024-03-04T08:15:00")
        #expect(RecordingTime.fromTags([("x", "2024-03-04T08:15:00.250-0530")])?.iso8601 == "2024-03-04T08:15:00-05:30")
    }

    /// Offsets no clock shows and days no month has: refused (the next tag, else the file time,
    /// is used), never a trap (a force-unwrapped time zone beyond ±18 h crashed `info` and every
    /// file of a multi-file analysis) and never silently shifted (February 30th became March 2nd,
    /// +18:01 was dropped).
    @Test func impossibleOffsetsAndDaysAreRefused() throws {
        for text in ["2024-06-15T10:00:00-23:59", "2024-06-15T10:00:00+18:01", "2024-06-15T10:00:00+99:59", "2024-06-15T10:00:00+99:00",
                     "2024-06-15T10:00:00+05:60", "2026-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2024-04-31", "0000-01-01T00:00:00Z"] {
            #expect(RecordingTime(iso8601: text, source: .metadata, tag: "user") == nil, "\(text)")
        }
        #expect(RecordingTime.fromTags([("DATE", "2024-06-15T10:00:00-23:59"), ("date", "2024-06-16T09:00:00+02:00")])?.iso8601 == "2024-06-16T09:00:00+02:00")
        // The extremes that exist, exactly; leap days.
        #expect(RecordingTime(iso8601: "2024-06-15T10:00:00+18:00", source: .metadata, tag: nil)?.iso8601 == "2024-06-15T10:00:00+18:00")
        #expect(RecordingTime(iso8601: "2024-06-15T10:00:00-18:00", source: .metadata, tag: nil)?.date == Date(timeIntervalSince1970: 1_718_510_400))  // 2024-06-16T04:00:00Z
        #expect(RecordingTime(iso8601: "2024-02-29T23:30:00+14:00", source: .metadata, tag: nil)?.iso8601 == "2024-02-29T23:30:00+14:00")
        // A time built with any offset prints without trapping.
        let odd = RecordingTime(date: Date(timeIntervalSince1970: 0), utcOffsetSeconds: 99 * 3600, source: .metadata, tag: nil)
        #expect(odd.iso8601 == "1970-01-05T03:00:00+99:00")
    }

    /// The crash as a user met it: a FLAC whose DATE tag has offset -23:59.
    @Test func aFileWithAnImpossibleOffsetIsDatedByFileTime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("offset-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tagged = folder.appendingPathComponent("d.flac").path
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ffmpeg.arguments = ["ffmpeg", "-loglevel", "error", "-i", memo("memo_speech.m4a"), "-t", "1", "-metadata", "DATE=2024-06-15T10:00:00-23:59", tagged]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        #expect(ffmpeg.terminationStatus == 0)
        let time = try #require(try AudioLoader.info(path: tagged).recordedAt)
        #expect(time.source == .fileTime)
    }
}

@Suite(.timeLimit(.minutes(1))) struct BadMemoTests {
    @Test func videoWithoutAudioIsNamed() {
        #expect(throws: VoiceEmotionError.unsupportedAudio(path: memo("memo_video_only.mp4"), reason: "no audio track (streams: video h264)")) {
            try AudioLoader.info(path: memo("memo_video_only.mp4"))
        }
    }

    /// A cut-off m4a (its index is gone) and an unknown codec: typed errors with ffmpeg's reason.
    @Test func truncatedAndUnknownCodec() {
        for (name, start) in [("memo_truncated.m4a", "ffmpeg does not read it either: "),
                              ("memo_unknown_codec.mka", "ffmpeg has no decoder for its audio codec")] {
            #expect {
                try AudioLoader.load(path: memo(name), sampleRate: 16000)
            } throws: { error in
                guard case .unsupportedAudio(memo(name), let reason)? = error as? VoiceEmotionError else { return false }
                return reason.hasPrefix(start)
            }
        }
    }

    /// Stopping a decode early (an analysis cancelled, an error downstream) kills and reaps ffmpeg.
    @Test func stoppedDecodeLeavesNoChild() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("stop-\(UUID()).m4a")
        try FileManager.default.copyItem(atPath: memo("memo_speech.m4a"), toPath: copy.path)
        defer { try? FileManager.default.removeItem(at: copy) }
        var blocks = 0
        let summary = try AudioLoader.stream(path: copy.path, sampleRate: 16000) { _ in
            blocks += 1
            #expect(childrenReading(copy.path) == 1)  // ffmpeg runs while blocks arrive
            return false
        }
        #expect(!summary.completed && blocks == 1)
        #expect(childrenReading(copy.path) == 0)
        // No zombie either. Other tests' decoders reap theirs at once, so a zombie that stays for
        // two seconds would be this one's.
        var zombies = zombieChildren()
        for _ in 0..<20 where zombies > 0 {
            Thread.sleep(forTimeInterval: 0.1)
            zombies = zombieChildren()
        }
        #expect(zombies == 0)
    }
}

/// The state and command line of each child process of this one.
func childProcesses() -> [(state: Substring, command: String)] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, Int32(fields[1]) == me else { return nil }
        let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))) ?? Data()
        return (fields[0], String(decoding: command, as: UTF8.self))
    }
}

/// Running children whose command line names `path`.
func childrenReading(_ path: String) -> Int { childProcesses().filter { $0.state != "Z" && $0.command.contains(path) }.count }

/// Children that exited and were not reaped.
func zombieChildren() -> Int { childProcesses().filter { $0.state == "Z" }.count }
