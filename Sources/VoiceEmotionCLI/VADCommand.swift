// `voice-emotion vad FILE...`: speech segments (and optionally per-chunk probabilities) from the
// bundled Silero VAD.

import ArgumentParser
import VoiceEmotion

struct VADCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vad", abstract: "Find speech segments with the bundled Silero VAD v6.2.",
        discussion: "8 kHz files run through the 8 kHz model; every other rate is resampled to 16 kHz.")

    @Argument(help: "Audio files (WAV, FLAC, MP3, Ogg, AIFF; M4A, MP4, MOV, 3GP, WebM with ffmpeg installed); - reads standard input.")
    var files: [String]

    @OptionGroup var vad: VADOptions

    @Flag(help: "Include one speech probability per chunk (512 samples at 16 kHz, 256 at 8 kHz).")
    var probabilities = false

    @Flag(help: "Print JSON: one object per file (an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        try validateStandardInput(files)
    }

    /// The JSON of one file: segments as sample indices at the rate the VAD ran at, and seconds.
    struct Output: Encodable {
        struct Segment: Encodable {
            let start: Int, end: Int, start_s: Double, end_s: Double
        }
        let file: String
        let sample_rate: Int
        let duration_s: Double
        let segments: [Segment]
        let probabilities: [Float]?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(sample_rate, forKey: .sample_rate)
            try c.encode(duration_s, forKey: .duration_s)
            try c.encode(segments, forKey: .segments)
            try c.encodeIfPresent(probabilities, forKey: .probabilities)  // omitted unless asked for
        }
        enum CodingKeys: String, CodingKey { case file, sample_rate, duration_s, segments, probabilities }
    }

    func run() throws {
        var options = EmotionAnalyzerOptions()
        options.speech = vad.options
        let analyzer: EmotionAnalyzer
        do { analyzer = try EmotionAnalyzer(options: options) } catch {
            printError("error: \(shellText(error))")
            throw ExitCode.failure
        }
        let failed = processFiles(files, json: json) { file, path in
            let bar = ProgressBar(label: "vad")
            defer { bar.finish() }
            let result = try analyzer.detectSpeech(file: path) { bar.update($0) }
            bar.finish()
            if json {
                // Seconds to the microsecond: exact for sample indices at 8 and 16 kHz.
                func seconds(_ samples: Int) -> Double { (Double(samples) / Double(result.sampleRate) * 1e6).rounded() / 1e6 }
                return Output(file: file, sample_rate: result.sampleRate, duration_s: seconds(result.audioLength),
                              segments: result.segments.map { .init(start: $0.start, end: $0.end, start_s: seconds($0.start), end_s: seconds($0.end)) },
                              probabilities: probabilities ? result.probabilities : nil)
            }
            printTable(file: file, result: result)
            return nil
        }
        if failed { throw ExitCode.failure }
    }

    func printTable(file: String, result: VoiceActivityResult) {
        let ratio = result.durationSeconds > 0 ? 100 * result.speechSeconds / result.durationSeconds : 0
        print("\(file): \(formatSeconds(result.durationSeconds)) s at \(result.sampleRate) Hz, "
              + "speech \(formatSeconds(result.speechSeconds)) s (\(String(format: "%.0f", ratio))%) in \(result.segments.count) \(result.segments.count == 1 ? "segment" : "segments")")
        if !result.segments.isEmpty {
            print("     #    start s      end s   length s")
            for (i, s) in result.segments.enumerated() {
                print(String(format: "  %4d %10.3f %10.3f %10.3f", i + 1, s.startSeconds, s.endSeconds, s.durationSeconds))
            }
        }
        if probabilities {
            // Ten to a line: 80 columns.
            let values = result.probabilities.map { String(format: "%.4f", $0) }
            print("  probabilities (one per 32 ms chunk):")
            for start in stride(from: 0, to: values.count, by: 10) {
                print("   " + values[start..<min(start + 10, values.count)].joined(separator: " "))
            }
        }
    }
}
