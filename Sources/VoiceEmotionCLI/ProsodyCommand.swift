// `voice-emotion prosody FILE...`: voice markers (pitch, intensity, pauses) per recording and per
// speech segment, on Praat's frame grids; no emotion model needed.

import ArgumentParser
import Foundation
import Prosody
import VoiceEmotion

struct ProsodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prosody",
        abstract: "Voice markers per recording and speech segment: F0, voicing, intensity, jitter, shimmer, HNR, spectral balance, syllable rate, pauses.",
        discussion: """
            Pitch is Praat's "To Pitch (ac)", intensity its "To Intensity", HNR its "To Harmonicity (cc)", jitter and shimmer \
            its periodic pulses, with their defaults, computed natively (Docs/Prosody.md). Spectral balance follows the eGeMAPS \
            paper, syllable nuclei de Jong & Wempe (2009). A marker that cannot be measured (no voiced frame, no speech) is null. \
            --frames adds Praat's pitch and intensity frames of the whole file at 16 kHz.
            """)

    @Argument(help: "Audio files; - reads standard input.")
    var files: [String]

    @Flag(help: "Print JSON (one object per file, an array for several).")
    var json = false

    @Flag(help: "With --json: add the pitch and intensity frames.")
    var frames = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        try validateStandardInput(files)
        if frames && !json { throw ValidationError("--frames needs --json.") }
    }

    func run() throws {
        var options = EmotionAnalyzerOptions()
        options.prosody = true
        // The analyzer's passes stream the file (one segment in memory: ~110 MB for an hour);
        // only --frames, which prints every frame of the file, and a file without speech (whose
        // markers are over all its frames) hold the whole recording.
        let analyzer = try EmotionAnalyzer(modelFolder: nil as String?, options: options)
        let failed = processFiles(files, json: json) { file, path in
            var report: ProsodyReport?
            var segments: [(start: Double, end: Double)]?  // known once the streaming pass ran
            if !frames {
                let analysis = try analyzer.analyzeBlocking(file: path)
                segments = analysis.segments.map { (start: $0.startSeconds, end: $0.endSeconds) }
                if !analysis.segments.isEmpty, let summary = analysis.prosody {
                    report = ProsodyReport(file: file, summary: summary, segments: segments!,
                                           markers: analysis.segments.map { $0.prosody ?? ProsodySummary() }, frames: nil)
                }
            }
            if report == nil {
                let spans = try segments ?? analyzer.detectSpeech(file: path).segments.map { (start: $0.startSeconds, end: $0.endSeconds) }
                let audio = try AudioLoader.load(path: path, sampleRate: modelSampleRate)
                let result = ProsodyAnalysis.analyze(audio.samples, sampleRate: modelSampleRate, segments: spans)
                report = ProsodyReport(file: file, summary: result.summary, segments: spans, markers: result.segments,
                                       frames: frames ? (result.pitch, result.intensity) : nil)
            }
            if json { return report! }
            Self.printReport(report!)
            return nil
        }
        if failed { throw ExitCode.failure }
    }

    static func printReport(_ report: ProsodyReport) {
        func f(_ x: Double?, _ digits: Int = 1) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        let s = report.summary
        print(report.file)
        print("  F0 \(f(s.f0MeanHz)) Hz (median \(f(s.f0P50Hz)) Hz, 20-80% range \(f(s.f0RangeSemitones)) semitones), voiced \(f(s.voicedFraction.map { $0 * 100 }, 0))% of frames")
        print("  intensity \(f(s.intensityMeanDb)) dB (5-95% range \(f(s.intensityRangeDb)) dB), \(f(s.loudnessPeaksPerSecond)) peaks/s; "
              + "pauses \(f(s.pausesPerMinute)) per min, mean \(f(s.meanPauseSeconds, 2)) s")
        print("  alpha ratio \(f(s.alphaRatioDb)) dB, Hammarberg \(f(s.hammarbergDb)) dB, slopes \(f(s.slope0To500)) and \(f(s.slope500To1500)) dB/kHz")
        print("  jitter \(f(s.jitterLocal.map { $0 * 100 }, 2))%, shimmer \(f(s.shimmerLocal.map { $0 * 100 }, 1))% (\(f(s.shimmerLocalDb, 2)) dB), HNR \(f(s.hnrDb)) dB")
        print("  \(f(s.syllablesPerSecond, 2)) syllables per second of speech, \(f(s.articulationRate, 2)) per second of sounding time")
        for (segment, markers) in zip(report.segments, report.markers) {
            print(String(format: "  %7.2f-%7.2f s  F0 %@ Hz  range %@ st  voiced %@%%  %@ dB  HNR %@ dB  %@ syll/s", segment.start, segment.end,
                         f(markers.f0MeanHz), f(markers.f0RangeSemitones), f(markers.voicedFraction.map { $0 * 100 }, 0), f(markers.intensityMeanDb),
                         f(markers.hnrDb), f(markers.syllablesPerSecond)))
        }
    }
}

/// The JSON of one file.
struct ProsodyReport: Encodable {
    let file: String
    /// The recording's markers, and each speech segment's.
    let summary: ProsodySummary
    let segments: [(start: Double, end: Double)]
    let markers: [ProsodySummary]
    /// Praat's pitch and intensity frames of the whole file (--frames).
    let frames: (pitch: PitchContour, intensity: IntensityContour)?

    struct Segment: Encodable {
        let start: Double, end: Double
        let markers: ProsodySummary
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode((start * 1000).rounded() / 1000, forKey: Key("start_s"))
            try c.encode((end * 1000).rounded() / 1000, forKey: Key("end_s"))
            try markers.encode(to: encoder)
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(_ value: String) { stringValue = value }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(file, forKey: Key("file"))
        try c.encode(summary, forKey: Key("summary"))
        try c.encode(zip(segments, markers).map { Segment(start: $0.start, end: $0.end, markers: $1) }, forKey: Key("segments"))
        guard let frames else { return }
        var container = c.nestedContainer(keyedBy: Key.self, forKey: Key("frames"))
        var pitch = container.nestedContainer(keyedBy: Key.self, forKey: Key("pitch"))
        try pitch.encode(frames.pitch.times.map { ($0 * 1e6).rounded() / 1e6 }, forKey: Key("time_s"))
        try pitch.encode(frames.pitch.frequencies.map { ($0 * 1e4).rounded() / 1e4 }, forKey: Key("f0_hz"))
        var intensity = container.nestedContainer(keyedBy: Key.self, forKey: Key("intensity"))
        try intensity.encode(frames.intensity.times.map { ($0 * 1e6).rounded() / 1e6 }, forKey: Key("time_s"))
        try intensity.encode(frames.intensity.decibels.map { ($0 * 1e4).rounded() / 1e4 }, forKey: Key("db"))
    }
}
