// `voice-emotion analyze FILE... [--model DIR]`: speech segments, their emotions and the stress
// index of each recording.

import ArgumentParser
import Foundation
import VoiceEmotion
import Wav2Vec2

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Speech segments, emotions and a stress index (a heuristic, not a clinical measure) per recording.",
        discussion: """
            Without --model, the model folder is $VOICE_EMOTION_MODEL, else the first of \
            ehcalabres, superb-base, superb-hubert, audeering found in \
            ${VOICE_EMOTION_MODELS:-~/.cache/voice-emotion/models} (Weights/download.sh puts them there). \
            With no model at all, only speech segments are reported.
            """)

    @Argument(help: "Audio files (any format libsndfile reads).")
    var files: [String]

    @Option(name: .customLong("model"), help: "Emotion model folder (config.json, preprocessor_config.json, model.safetensors).")
    var model: String?

    @OptionGroup var vad: VADOptions

    @Option(name: .customLong("max-window-s"), help: "Longest audio window given to the model, 1...3600 s; longer speech is split.")
    var maximumWindowSeconds: Double = 20

    @Option(name: .customLong("memory-limit-mb"), help: "Most activation memory one window may take.")
    var memoryLimitMB: Int = 2048

    @Option(name: .customLong("threads"), help: "Compute threads, 1...1024 (default: all cores).")
    var threads: Int?

    @Flag(help: "Print JSON: one object per file (an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be within 1...1024.") }
        if !(1...3600).contains(maximumWindowSeconds) { throw ValidationError("--max-window-s must be within 1...3600 seconds.") }
        if !(1...(1 << 20)).contains(memoryLimitMB) { throw ValidationError("--memory-limit-mb must be within 1...1048576.") }
    }

    static let modelNames = ["ehcalabres", "superb-base", "superb-hubert", "audeering"]

    /// The explicit folder, the environment's, or the first downloaded model in the default location.
    func resolveModel() -> String? {
        if let model { return model }
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["VOICE_EMOTION_MODEL"], !folder.isEmpty { return folder }
        let base = environment["VOICE_EMOTION_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/voice-emotion/models").path
        return Self.modelNames.map { URL(fileURLWithPath: base).appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: URL(fileURLWithPath: $0).appendingPathComponent("config.json").path) }
    }

    func run() throws {
        var options = EmotionAnalyzerOptions()
        options.speech = vad.options
        options.maximumWindowSeconds = maximumWindowSeconds
        options.memoryLimitBytes = memoryLimitMB << 20
        options.blasThreads = threads
        let folder = resolveModel()
        let analyzer: EmotionAnalyzer
        do { analyzer = try EmotionAnalyzer(modelFolder: folder, options: options) } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        if folder == nil {
            printError("""
                note: no emotion model found, so only speech segments are shown. To add one:
                  Weights/download.sh ehcalabres      (needs a network; saves to ~/.cache/voice-emotion/models/ehcalabres)
                  voice-emotion analyze FILE --model DIR   (any folder with config.json, preprocessor_config.json, model.safetensors)
                """)
        }
        let failed = processFiles(files, json: json) { file in
            let bar = ProgressBar(label: "analyze \(URL(fileURLWithPath: file).lastPathComponent)")
            defer { bar.finish() }
            let result = try analyzer.analyze(file: file) { bar.update($0.fraction) }
            bar.finish()
            if json { return jsonObject(file: file, result: result) }
            printReport(file: file, result: result)
            return nil
        }
        if failed { throw ExitCode.failure }
    }

    func scoresObject(_ scores: [EmotionScore]) -> JSON { .object(scores.map { ($0.label, .double($0.score)) }) }

    func jsonObject(file: String, result: RecordingAnalysis) -> JSON {
        .object([
            ("file", .string(file)), ("duration_s", .double(result.durationSeconds)), ("speech_s", .double(result.speechSeconds)),
            ("segments", .array(result.segments.map { s in
                .object([("start_s", .double(s.startSeconds)), ("end_s", .double(s.endSeconds)),
                         ("scores", scoresObject(s.scores)), ("stress", s.stress.map { .double($0) } ?? .null)])
            })),
            ("scores", scoresObject(result.scores)),
            ("dominant", result.dominant.map { .string($0.name) } ?? .null),
            ("stress", result.stress.map { .double($0) } ?? .null),
            ("timings", .object([
                ("decode_s", .double(result.timings.decodeSeconds)), ("vad_s", .double(result.timings.vadSeconds)),
                ("emotion_s", .double(result.timings.emotionSeconds)), ("total_s", .double(result.timings.totalSeconds)),
            ])),
        ])
    }

    func printReport(file: String, result: RecordingAnalysis) {
        print("\(file): \(formatSeconds(result.durationSeconds)) s, speech \(formatSeconds(result.speechSeconds)) s "
              + "(\(String(format: "%.0f", 100 * result.speechRatio))%) in \(result.segments.count) segments")
        guard result.hasSpeech else {
            print("  no speech found")
            return
        }
        let labels = result.segments.first?.scores.map(\.label) ?? []
        let header = "     start s    end s  " + labels.map { $0.prefix(8).padding(toLength: 9, withPad: " ", startingAt: 0) }.joined()
            + (labels.isEmpty ? "" : "stress")
        print(header)
        for s in result.segments {
            let cells = s.scores.map { String(format: "%-9.3f", $0.score) }.joined()
            print(String(format: "  %9.2f %8.2f  ", s.startSeconds, s.endSeconds) + cells + (s.stress.map { String(format: "%.2f", $0) } ?? (labels.isEmpty ? "" : "-")))
        }
        if !result.scores.isEmpty {
            print("  overall: " + result.scores.map { "\($0.label) \(String(format: "%.3f", $0.score))" }.joined(separator: ", "))
            if let dominant = result.dominant { print("  dominant emotion: \(dominant.name)") }
            if let dimensions = result.dimensions {
                print(String(format: "  arousal %.3f, dominance %.3f, valence %.3f", dimensions.arousal, dimensions.dominance, dimensions.valence))
            }
        }
        if let stress = result.stress {
            print(String(format: "  stress index: %.2f (0 = none, 1 = high; a heuristic, not a clinical measure)", stress))
        }
        print(String(format: "  time: decode %.2f s, VAD %.2f s, emotion %.2f s, total %.2f s",
                     result.timings.decodeSeconds, result.timings.vadSeconds, result.timings.emotionSeconds, result.timings.totalSeconds))
    }
}
