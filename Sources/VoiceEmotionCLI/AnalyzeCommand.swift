// `voice-emotion analyze FILE... [--model DIR]`: speech segments, their emotions and the stress
// index of each recording.

import ArgumentParser
import Foundation
import ModelStore
import VoiceEmotion

extension HeadActivation: ExpressibleByArgument {}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Speech segments, emotions and a stress index (a heuristic, not a clinical measure) per recording.",
        discussion: """
            --model takes a folder or the name of an installed model. Without it, the model is \
            $VOICE_EMOTION_MODEL, else the first installed of ehcalabres, superb-base, superb-hubert, \
            audeering, else any other installed model (`voice-emotion models pull` installs them in \
            ${VOICE_EMOTION_MODELS:-~/.cache/voice-emotion/models}). \
            With no model at all, only speech segments are reported. --json prints the schema of \
            Docs/JSON.md.
            """)

    @Argument(help: "Audio files or folders (searched for audio files) (WAV, FLAC, MP3, Ogg, AIFF; M4A, MP4, MOV, 3GP, WebM with ffmpeg installed); - reads standard input.")
    var files: [String]


    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var vad: VADOptions

    @Option(name: .customLong("max-window-s"), help: "Longest audio window given to the model, 1...3600 s; longer speech is split.")
    var maximumWindowSeconds: Double = EmotionAnalyzerOptions().maximumWindowSeconds




    @Flag(help: "Print JSON: one object per file (an array for several files).")
    var json = false

    @Flag(help: "Also compute voice markers (pitch, intensity, voice quality, spectral balance, tempo, pauses) per segment and recording; needs no model.")
    var prosody = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        try validateStandardInput(files)
        if !(1...3600).contains(maximumWindowSeconds) { throw ValidationError("--max-window-s must be within 1...3600 seconds.") }
    }

    /// The explicit model (a folder, or the name of an installed model), the environment's,
    /// or the preferred installed model.
    func resolveModel() throws -> String? { try Self.resolveModel(modelOptions.model) }

    /// `resolveModel` for any command's `--model`.
    static func resolveModel(_ model: String?) throws -> String? {
        do { return try ModelStore.default.resolveModel(model) } catch {
            printError("error: \(shellText(error))")
            throw ExitCode.failure
        }
    }

    /// `--model` given: a folder as given, else an installed model by any name `models list`
    /// shows; otherwise the error lists the installed models and says how to get one (exit 1).
    static func modelFolder(_ model: String) throws -> String { try resolveModel(model)! }

    func run() throws {
        var options = EmotionAnalyzerOptions()
        try modelOptions.apply(to: &options)
        options.speech = vad.options
        options.maximumWindowSeconds = maximumWindowSeconds
        options.prosody = prosody
        let folder = try resolveModel()
        let analyzer: EmotionAnalyzer
        do { analyzer = try EmotionAnalyzer(modelFolder: folder, options: options) } catch {
            printError("error: \(folder.map { "model \($0): " } ?? "")\(shellText(error))")
            throw ExitCode.failure
        }
        if folder == nil {
            printError("""
                note: no emotion model found, so only speech segments are shown. To add one:
                  voice-emotion models pull \(CatalogModel.defaultName)   (downloads about 1.3 GB into \(ModelStore.default.folder.path))
                  voice-emotion models list              (the other models)
                  voice-emotion analyze FILE --model DIR (any folder with config.json, preprocessor_config.json, model.safetensors)
                """)
        }
        // Folders are searched for audio files, as journal add does.
        let files = AudioLoader.audioFiles(in: self.files)
        if files.isEmpty {
            printError("error: no audio files in \(self.files.joined(separator: ", "))")
            throw ExitCode.failure
        }
        let failed = processFiles(files, json: json) { file, path in
            let bar = ProgressBar(label: URL(fileURLWithPath: file).lastPathComponent)
            defer { bar.finish() }
            var result = try analyzer.analyzeBlocking(file: path) { bar.update($0.fraction, stage: Self.stageName($0.stage)) }
            if path != file { result = result.fromStandardInput() }
            bar.finish()
            if json { return result }
            printReport(file: file, result: result)
            return nil
        }
        if failed { throw ExitCode.failure }
    }

    static func stageName(_ stage: AnalysisProgress.Stage) -> String {
        switch stage {
        case .decoding: return "opening"
        case .detectingSpeech: return "finding speech"
        case .classifyingEmotion: return "emotions"
        case .measuringVoice: return "voice markers"
        }
    }

    /// The human report, at most 80 columns (for eight labels too) after the file's path: a table
    /// of segments (times to 0.1 s, scores in percent for categorical models, raw values for
    /// dimensional ones), the summary. `--json` has the exact numbers.
    func printReport(file: String, result: RecordingAnalysis) {
        print(file)  // on its own line: a long path must not push the report past 80 columns
        print("  \(formatSeconds(result.durationSeconds)) s, speech \(formatSeconds(result.speechSeconds)) s "
              + "(\(String(format: "%.0f", 100 * result.speechRatio))%) in \(result.segments.count) \(result.segments.count == 1 ? "segment" : "segments")")
        guard result.hasSpeech else {
            print("  no speech found")
            return
        }
        let labels = (result.segments.first { !$0.scores.isEmpty }?.scores ?? []).map(\.emotion.name)
        let dimensional = result.dimensions != nil
        // A column per label: its full name, at least wide enough for the values.
        let widths = labels.map { max($0.count, dimensional ? 6 : 5) }
        var header = "  " + "start".leftPadded(to: 6) + " " + "end".leftPadded(to: 6)
        for (name, width) in zip(labels, widths) { header += " " + name.leftPadded(to: width) }
        if !labels.isEmpty { header += " stress" }
        print(header + (labels.isEmpty || dimensional ? "" : "   (scores in %)").prefix(max(0, 80 - header.count)))
        for s in result.segments {
            var line = String(format: "  %6.1f %6.1f", s.startSeconds, s.endSeconds)
            for (score, width) in zip(s.scores, widths) {
                line += " " + (dimensional ? String(format: "%.3f", score.score) : String(format: "%.1f", 100 * score.score)).leftPadded(to: width)
            }
            if !labels.isEmpty { line += " " + (s.stress.map { String(format: "%.2f", $0) } ?? "-").leftPadded(to: 6) }
            print(line)
        }
        if !result.scores.isEmpty {
            let items = result.scores.map { dimensional ? "\($0.emotion.name) \(String(format: "%.3f", $0.score))"
                                                        : "\($0.emotion.name) \(String(format: "%.1f%%", 100 * $0.score))" }
            wrapped("  overall: ", items).forEach { print($0) }
            if let dominant = result.dominant { print("  dominant emotion: \(dominant.name)") }
        }
        if let stress = result.stress {
            print(String(format: "  stress index: %.2f (0 none, 1 high; a heuristic, not a clinical measure)", stress))
        }
        if let voice = result.prosody {
            func f(_ x: Double?, _ format: String = "%.1f") -> String { x.map { String(format: format, $0) } ?? "-" }
            // Wrapped like the scores: the report fits 80 columns.
            wrapped("  voice: ", ["F0 \(f(voice.f0MeanHz, "%.0f")) Hz", "range \(f(voice.f0RangeSemitones)) st", "\(f(voice.intensityMeanDb, "%.0f")) dB",
                                 "\(f(voice.syllablesPerSecond)) syllables/s", "\(f(voice.pausesPerMinute, "%.0f")) pauses/min",
                                 "jitter \(f(voice.jitterLocal.map { $0 * 100 }, "%.2f"))%", "HNR \(f(voice.hnrDb)) dB",
                                 "alpha ratio \(f(voice.alphaRatioDb)) dB"]).forEach { print($0) }
        }
        let t = result.timings
        let times = ["decode \(String(format: "%.2f", t.decodeSeconds)) s", "VAD \(String(format: "%.2f", t.vadSeconds)) s",
                     "emotion \(String(format: "%.2f", t.emotionSeconds)) s"]
            + (result.prosody != nil ? ["voice markers \(String(format: "%.2f", t.prosodySeconds)) s"] : [])
            + ["total \(String(format: "%.2f", t.totalSeconds)) s"]
        wrapped("  time: ", times).forEach { print($0) }
    }
}

extension String {
    /// Right-aligned in `width` columns.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    /// The text followed by spaces up to `width` columns; never cut.
    func rightPadded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

extension RecordingAnalysis {
    /// The analysis of a spooled copy of standard input, as `-`: the copy's path and its
    /// modification time (now) say nothing about the recording; a date tag does.
    func fromStandardInput() -> RecordingAnalysis {
        // The temporary file's modification time is not the memo's: only a tag dates it. Every
        // other field is kept (the voice markers used to be dropped here).
        attributed(toFile: "-", recordedAt: recordedAt?.source == .metadata ? recordedAt : nil)
    }
}
