// analyze() end to end on a 10-minute recording with a typical speech ratio (the sample, 71%
// speech, repeated), with the base model unless --model is given.

import Foundation
import SileroVAD
import VoiceEmotion

func benchmarkEndToEnd(settings: Settings) throws -> Section {
    let folder = try settings.model.map { URL(fileURLWithPath: $0) } ?? writeRandomModel(standardConfig("base"))
    defer { if settings.model == nil { try? FileManager.default.removeItem(at: folder) } }
    let analyzer = try EmotionAnalyzer(modelFolder: folder.path)
    let audio = try speechRecording(seconds: 600)
    var last: RecordingAnalysis?
    let timing = try Timing(runs: settings.endToEndRuns, warmUp: false) {
        last = try analyzer.analyze(samples: audio, sampleRate: 16000)
    }.scaled(1 / 600.0)
    let result = last!
    let name = settings.model == nil ? "base (random weights)" : settings.model!
    let json = """
        {"model": "\(name)", "audio_s": 600, "speech_ratio": \(format(result.speechRatio, 3)), "runs": \(settings.endToEndRuns), \
        "rtf": \(format(timing.median, 4)), "rtf_min": \(format(timing.minimum, 4)), "rtf_max": \(format(timing.maximum, 4)), \
        "stages": {"vad_s": \(format(result.timings.vadSeconds, 2)), "emotion_s": \(format(result.timings.emotionSeconds, 2))}}
        """
    return Section(json: json, lines: [
        "analyze 10 min, \(name), \(format(100 * result.speechRatio, 0))% speech: RTF \(format(timing.median, 4)) "
            + "(\(format(timing.minimum, 4))-\(format(timing.maximum, 4)), \(settings.endToEndRuns) runs, no warm-up); "
            + "VAD \(format(result.timings.vadSeconds, 2)) s, emotion \(format(result.timings.emotionSeconds, 2)) s",
    ])
}
