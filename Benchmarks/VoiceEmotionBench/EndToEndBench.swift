// analyze(file:) end to end on a 10-minute recording (a float WAV file) with a typical speech ratio (the sample, 71%
// speech, repeated), with the base model unless --model is given.

import AudioInput
import Foundation
import SileroVAD
import VoiceEmotion

func benchmarkEndToEnd(settings: Settings) throws -> Section {
    let folder = try settings.model.map { URL(fileURLWithPath: $0) } ?? writeRandomModel(standardConfig("base"))
    defer { if settings.model == nil { try? FileManager.default.removeItem(at: folder) } }
    // A file, as users analyse them: decoding (twice, streamed) is part of the time.
    let recording = FileManager.default.temporaryDirectory.appendingPathComponent("voice-emotion-bench-\(UUID()).wav")
    try Data(floatWAVBytes(try speechRecording(seconds: 600), rate: modelSampleRate)).write(to: recording)
    defer { try? FileManager.default.removeItem(at: recording) }
    let peakIsOwn = resetPeakResident()  // not the random model just written
    let analyzer = try EmotionAnalyzer(modelFolder: folder.path)
    var last: RecordingAnalysis?
    let timing = try Timing(runs: settings.endToEndRuns, warmUp: false) {
        last = try analyzer.analyzeBlocking(file: recording.path)
    }.scaled(1 / 600.0)
    let peak = peakIsOwn ? peakResidentMB() : -1
    let result = last!
    let memo = try benchmarkMemoDecode(recording: recording, runs: max(3, settings.endToEndRuns), analysisSeconds: timing.median * 600)
    let name = settings.model == nil ? "base (random weights)" : settings.model!
    let json = """
        {"model": "\(name)", "audio_s": 600, "speech_ratio": \(format(result.speechRatio, 3)), "runs": \(settings.endToEndRuns), \
        "rtf": \(format(timing.median, 4)), "rtf_min": \(format(timing.minimum, 4)), "rtf_max": \(format(timing.maximum, 4)), \
        "peak_rss_mb": \(format(peak, 1)), "stages": {"decode_s": \(format(result.timings.decodeSeconds, 2)), \
        "vad_s": \(format(result.timings.vadSeconds, 2)), "emotion_s": \(format(result.timings.emotionSeconds, 2))}, \
        "memo_decode": \(memo.json)}
        """
    return Section(json: json, lines: [
        "analyze 10 min, \(name), \(format(100 * result.speechRatio, 0))% speech: RTF \(format(timing.median, 4)) "
            + "(\(format(timing.minimum, 4))-\(format(timing.maximum, 4)), \(settings.endToEndRuns) runs, no warm-up); "
            + "decode \(format(result.timings.decodeSeconds, 2)) s, VAD \(format(result.timings.vadSeconds, 2)) s, "
            + "emotion \(format(result.timings.emotionSeconds, 2)) s" + (peak >= 0 ? "; peak RSS \(format(peak, 0)) MB" : ""),
    ] + memo.lines)
}

/// Decoding the same 10 minutes as a phone's m4a (AAC, 48 kHz mono, 64 kb/s) through ffmpeg, to
/// 16 kHz, against libsndfile on the float WAV: seconds per decode, and the two decodes an
/// analysis makes as a share of the analysis time just measured (the target: at most 2%).
func benchmarkMemoDecode(recording: URL, runs: Int, analysisSeconds: Double) throws -> Section {
    let m4a = recording.deletingPathExtension().appendingPathExtension("m4a")
    let encoder = Process()
    encoder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    encoder.arguments = ["ffmpeg", "-v", "error", "-y", "-nostdin", "-i", recording.path, "-ar", "48000", "-c:a", "aac", "-b:a", "64k", m4a.path]
    try encoder.run()
    encoder.waitUntilExit()
    defer { try? FileManager.default.removeItem(at: m4a) }
    guard encoder.terminationStatus == 0 else {
        return Section(json: "null", lines: ["memo decode: skipped (ffmpeg could not encode the m4a)"])
    }
    func decode(_ file: URL) throws -> Timing {
        try Timing(runs: runs, warmUp: true) { try AudioLoader.stream(path: file.path, sampleRate: modelSampleRate) { _ in true } }
    }
    let wav = try decode(recording), aac = try decode(m4a)
    let share = 2 * aac.median / analysisSeconds
    return Section(json: """
        {"audio_s": 600, "m4a_decode_s": \(aac.json), "wav_decode_s": \(wav.json), "two_decodes_share_of_analysis": \(format(share, 4))}
        """, lines: [
        "decode 10 min to 16 kHz: m4a (ffmpeg) \(format(aac.median, 2)) s (\(format(aac.minimum, 2))-\(format(aac.maximum, 2))), "
            + "float WAV (libsndfile) \(format(wav.median, 2)) s; an analysis decodes twice: \(format(100 * share, 2))% of its time",
    ])
}
