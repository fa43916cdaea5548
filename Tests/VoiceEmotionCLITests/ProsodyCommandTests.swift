// `voice-emotion prosody` and `analyze --prosody`: the documented keys, Praat's frame grids, no
// model needed, errors per file.

import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct ProsodyCommandTests {
    let sample = "Docs/Samples/voice-memo.flac"
    static let keys: Set<String> = [
        "f0_mean_hz", "f0_sd_semitones", "f0_p20_semitones", "f0_p50_semitones", "f0_p80_semitones", "f0_range_semitones",
        "f0_p20_hz", "f0_p50_hz", "f0_p80_hz", "voiced_fraction", "intensity_mean_db", "intensity_sd_db", "intensity_range_db",
        "loudness_peaks_per_s", "jitter_local", "shimmer_local", "shimmer_local_db", "hnr_db", "alpha_ratio_db", "hammarberg_db",
        "slope_0_500", "slope_500_1500", "syllables_per_s", "articulation_rate", "pauses_per_min", "mean_pause_s",
    ]

    /// `prosody` used to hold the whole recording (341 MB for an hour); it streams now, as
    /// `analyze --prosody` does: 20 minutes peak well under what the samples alone would take
    /// whole plus the frames (171 MB measured with --frames, which still holds them).
    @Test func aLongRecordingIsStreamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prosody-long-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = folder.appendingPathComponent("list.txt"), long = folder.appendingPathComponent("long.flac")
        try String(repeating: "file '\(repository.appendingPathComponent(sample).path)'\n", count: 50).write(to: list, atomically: true, encoding: .utf8)
        let concat = Process()
        concat.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        concat.arguments = ["ffmpeg", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", list.path, "-ar", "16000", "-ac", "1", long.path]
        try concat.run()
        concat.waitUntilExit()
        #expect(concat.terminationStatus == 0)
        // The child's peak resident memory, from Python's getrusage (no `time` program needed).
        let measure = Process()
        measure.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        measure.arguments = ["python3", "-c", "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
                             + "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", try cliPath(), "prosody", long.path]
        let out = Pipe()
        measure.standardOutput = out
        try measure.run()
        let fields = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
        measure.waitUntilExit()
        #expect(fields.first == "0")
        let peakMB = (fields.last.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? .infinity) / 1024
        #expect(peakMB < 100, "peak \(peakMB) MB for 20 minutes")  // measured: 49 MB
    }

    @Test func summaryFramesAndErrors() throws {
        // 62 s at 16 kHz: Praat's grids start at 0.02 s (pitch) and 0.032 s (intensity).
        let result = try run(["prosody", "Tests/SileroVADTests/Fixtures/speech_16k.flac", "--json", "--frames"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try json(result.out) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(Set(summary.keys) == Self.keys && summary["f0_mean_hz"] is Double && summary["jitter_local"] is Double && summary["hnr_db"] is Double && summary["syllables_per_s"] is Double)
        let segments = try #require(object["segments"] as? [[String: Any]])
        #expect(segments.count == 16 && Set(segments[0].keys) == Self.keys.union(["start_s", "end_s"]))
        let frames = try #require(object["frames"] as? [String: [String: [Double]]])
        let pitchTimes = try #require(frames["pitch"]?["time_s"]), intensityTimes = try #require(frames["intensity"]?["time_s"])
        #expect(abs(pitchTimes[0] - 0.02) < 1e-6 && abs(pitchTimes[1] - pitchTimes[0] - 0.01) < 1e-6 && pitchTimes.count == 6197)
        #expect(frames["pitch"]?["f0_hz"]?.count == 6197 && intensityTimes.count == 7743 && frames["intensity"]?["db"]?.count == 7743)
        #expect(abs(intensityTimes[0] - 0.032) < 1e-6 && abs(intensityTimes[1] - intensityTimes[0] - 0.008) < 1e-6)
        let missing = try run(["prosody", "no-such.wav", sample])
        #expect(missing.status == 1 && missing.err.contains("no-such.wav: no such file") && missing.out.contains("F0"))
    }

    @Test func analyzeAddsMarkersOnlyWhenAsked() throws {
        let plain = try #require(try json(run(["analyze", sample, "--json"], environment: ["VOICE_EMOTION_MODELS": "/nonexistent"]).out) as? [String: Any])
        #expect(plain["prosody"] == nil)
        let result = try run(["analyze", sample, "--json", "--prosody"], environment: ["VOICE_EMOTION_MODELS": "/nonexistent"])
        let object = try #require(try json(result.out) as? [String: Any])
        #expect(Set((object["prosody"] as? [String: Any])?.keys ?? [:].keys) == Self.keys)
        #expect((object["segments"] as? [[String: Any]])?.allSatisfy { ($0["prosody"] as? [String: Any])?["f0_mean_hz"] is Double } == true)
        let human = try run(["analyze", sample, "--prosody"], environment: ["VOICE_EMOTION_MODELS": "/nonexistent"])
        #expect(human.out.contains("  voice: F0 "))
    }
}
