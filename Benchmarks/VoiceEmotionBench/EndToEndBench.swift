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
    let name = settings.model == nil ? "base (random weights)" : settings.model!
    let json = """
        {"model": "\(name)", "audio_s": 600, "speech_ratio": \(format(result.speechRatio, 3)), "runs": \(settings.endToEndRuns), \
        "rtf": \(format(timing.median, 4)), "rtf_min": \(format(timing.minimum, 4)), "rtf_max": \(format(timing.maximum, 4)), \
        "peak_rss_mb": \(format(peak, 1)), "stages": {"decode_s": \(format(result.timings.decodeSeconds, 2)), \
        "vad_s": \(format(result.timings.vadSeconds, 2)), "emotion_s": \(format(result.timings.emotionSeconds, 2))}}
        """
    return Section(json: json, lines: [
        "analyze 10 min, \(name), \(format(100 * result.speechRatio, 0))% speech: RTF \(format(timing.median, 4)) "
            + "(\(format(timing.minimum, 4))-\(format(timing.maximum, 4)), \(settings.endToEndRuns) runs, no warm-up); "
            + "decode \(format(result.timings.decodeSeconds, 2)) s, VAD \(format(result.timings.vadSeconds, 2)) s, "
            + "emotion \(format(result.timings.emotionSeconds, 2)) s" + (peak >= 0 ? "; peak RSS \(format(peak, 0)) MB" : ""),
    ])
}
