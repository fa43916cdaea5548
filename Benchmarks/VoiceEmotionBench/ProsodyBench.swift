// `--only prosody`: the voice markers on 2 minutes of speech (the sample tiled): the markers alone
// (pitch, intensity, spectral balance over the whole recording, one thread: they are single-
// threaded), and what `prosody: true` adds to an analysis with the base model (random weights),
// runs alternating so that a slow spell hits both.

import Foundation
import Prosody
import VoiceEmotion

func benchmarkProsody(settings: Settings) throws -> Section {
    let seconds = 120.0
    let audio = try speechRecording(seconds: seconds)
    let folder = try settings.model.map { URL(fileURLWithPath: $0) } ?? writeRandomModel(standardConfig("base"))
    defer { if settings.model == nil { try? FileManager.default.removeItem(at: folder) } }
    var plainOptions = EmotionAnalyzerOptions()
    plainOptions.prosody = false
    var markerOptions = plainOptions
    markerOptions.prosody = true
    let plain = try EmotionAnalyzer(modelFolder: folder.path, options: plainOptions)
    let withMarkers = try EmotionAnalyzer(modelFolder: folder.path, options: markerOptions)
    let segments = try plain.analyzeBlocking(samples: audio, sampleRate: modelSampleRate).segments.map { ($0.startSeconds, $0.endSeconds) }
    let markers = Timing(runs: settings.runs) { _ = ProsodyAnalysis.analyze(audio, sampleRate: modelSampleRate, segments: segments) }
    // Where the markers' time goes, component by component (whole recording, one thread).
    let pitch = Pitch.contour(audio, sampleRate: modelSampleRate)
    let components: [(String, Timing)] = [
        ("pitch", Timing(runs: settings.runs) { _ = Pitch.contour(audio, sampleRate: modelSampleRate) }),
        ("intensity", Timing(runs: settings.runs) { _ = Intensity.contour(audio, sampleRate: modelSampleRate) }),
        ("hnr", Timing(runs: settings.runs) { _ = Harmonicity.contour(audio, sampleRate: modelSampleRate) }),
        ("jitter_shimmer", Timing(runs: settings.runs) {
            _ = Perturbation(pulses: Pulses.find(audio, sampleRate: modelSampleRate, pitch: pitch), samples: audio, sampleRate: modelSampleRate)
        }),
        ("syllables", Timing(runs: settings.runs) { _ = Syllables.detect(audio, sampleRate: modelSampleRate) }),
        ("spectral_balance", Timing(runs: settings.runs) { _ = SpectralBalance.measure(audio, sampleRate: modelSampleRate, pitch: pitch) }),
    ].map { ($0.0, $0.1.scaled(1 / seconds)) }
    var plainTimes: [Double] = [], markerTimes: [Double] = []
    _ = try withMarkers.analyzeBlocking(samples: audio, sampleRate: modelSampleRate)  // warm-up
    for _ in 0..<settings.runs {
        var clock = DispatchTime.now().uptimeNanoseconds
        _ = try plain.analyzeBlocking(samples: audio, sampleRate: modelSampleRate)
        plainTimes.append(Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9)
        clock = DispatchTime.now().uptimeNanoseconds
        _ = try withMarkers.analyzeBlocking(samples: audio, sampleRate: modelSampleRate)
        markerTimes.append(Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9)
    }
    let shares = zip(markerTimes, plainTimes).map { ($0 - $1) / $1 }.sorted()
    let (a, b) = (Timing(sorted: plainTimes), Timing(sorted: markerTimes))
    let rtf = markers.scaled(1 / seconds)
    return Section(
        json: "{\"audio_s\": \(seconds), \"markers_rtf\": \(rtf.json), \"analysis_s\": \(a.json), \"analysis_with_markers_s\": \(b.json), "
            + "\"added_share_median\": \(format(shares[shares.count / 2], 4)), "
            + "\"components_rtf\": {\(components.map { "\"\($0.0)\": \($0.1.json)" }.joined(separator: ", "))}}",
        lines: [
            "prosody on \(format(seconds, 0)) s of speech (\(segments.count) segments), \(settings.runs) runs; median (min-max)",
            "  markers alone (1 thread)  RTF \(format(rtf.median, 5)) (\(format(rtf.minimum, 5))-\(format(rtf.maximum, 5))) (target <= 0.005)",
            "  of which, RTF            " + components.map { "\($0.0) \(format($0.1.median, 5))" }.joined(separator: ", "),
            "  analysis, base model      \(format(a.median, 2)) s (\(format(a.minimum, 2))-\(format(a.maximum, 2))); with markers \(format(b.median, 2)) s "
                + "(\(format(b.minimum, 2))-\(format(b.maximum, 2)))",
            "  added by the markers      \(format(100 * shares[shares.count / 2], 1))% (paired runs: \(format(100 * shares.first!, 1))% to \(format(100 * shares.last!, 1))%) (target <= 3%)",
        ])
}
