// `voice-emotion vad FILE...`: speech segments (and optionally per-chunk probabilities) from the
// bundled Silero VAD.

import ArgumentParser
import SileroVAD

struct VADCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vad", abstract: "Find speech segments with the bundled Silero VAD v6.2.")

    @Argument(help: "Audio files (any format libsndfile reads).")
    var files: [String]

    @OptionGroup var vad: VADOptions

    @Flag(help: "Include one speech probability per chunk (512 samples at 16 kHz, 256 at 8 kHz).")
    var probabilities = false

    @Flag(help: "Print JSON: one object per file (an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
    }

    func run() throws {
        let detector: VoiceActivityDetector
        do { detector = try VoiceActivityDetector.bundled() } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        let failed = processFiles(files, json: json) { file in
            let result = try Self.detect(file: file, detector: detector, options: vad.options)
            if json { return jsonObject(file: file, result: result) }
            printTable(file: file, result: result)
            return nil
        }
        if failed { throw ExitCode.failure }
    }

    /// Decodes at 8 or 16 kHz when the file has that rate, otherwise straight to 16 kHz, block by
    /// block into the VAD (an hour-long file is never held whole).
    static func detect(file: String, detector: VoiceActivityDetector, options: SpeechTimestampOptions) throws -> VoiceActivityResult {
        let bar = ProgressBar(label: "vad")
        defer { bar.finish() }
        return try detector.analyze(file: file, options: options, progress: bar.update)
    }

    func jsonObject(file: String, result: VoiceActivityResult) -> JSON {
        var members: [(String, JSON)] = [
            ("file", .string(file)), ("sample_rate", .int(result.sampleRate)), ("duration_s", .double(result.durationSeconds)),
            ("segments", .array(result.segments.map { s in
                .object([("start", .int(s.start)), ("end", .int(s.end)), ("start_s", .double(s.startSeconds)), ("end_s", .double(s.endSeconds))])
            })),
        ]
        if probabilities { members.append(("probabilities", .array(result.probabilities.map { .float($0) }))) }
        return .object(members)
    }

    func printTable(file: String, result: VoiceActivityResult) {
        let ratio = result.durationSeconds > 0 ? 100 * result.speechSeconds / result.durationSeconds : 0
        print("\(file): \(formatSeconds(result.durationSeconds)) s at \(result.sampleRate) Hz, "
              + "speech \(formatSeconds(result.speechSeconds)) s (\(String(format: "%.0f", ratio))%) in \(result.segments.count) segments")
        if !result.segments.isEmpty {
            print("     #      start s      end s   length s")
            for (i, s) in result.segments.enumerated() {
                print(String(format: "  %4d %10.3f %10.3f %10.3f", i + 1, s.startSeconds, s.endSeconds, s.durationSeconds))
            }
        }
        if probabilities {
            print("  probabilities: " + result.probabilities.map { String(format: "%.4f", $0) }.joined(separator: " "))
        }
    }
}
