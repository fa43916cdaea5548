// `voice-emotion live [FILE|-]`: emotion and stress while someone speaks, from raw PCM on
// standard input (a microphone through arecord or ffmpeg) or an audio file played at its pace.

import ArgumentParser
import Foundation
import ModelStore
import StrictJSON
import VoiceEmotion

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Emotions and stress while someone speaks: raw PCM on standard input, or an audio file.",
        discussion: """
            From a microphone:
              arecord -q -f S16_LE -r 16000 -c 1 -t raw | voice-emotion live -
              ffmpeg -loglevel error -f pulse -i default -f s16le -ac 1 -ar 16000 - | voice-emotion live -
            --json prints one JSON object per event and line (speech_started, update, speech_ended), \
            flushed at once. The stress index is a heuristic, not a clinical measure.
            """)

    enum SampleFormat: String, ExpressibleByArgument, CaseIterable { case s16le, f32le }

    @Argument(help: "An audio file, or - for raw PCM on standard input.")
    var source: String

    @Option(name: .customLong("model"), help: "Emotion model: a folder or an installed model's name (default: as analyze).")
    var model: String?

    @Option(help: "Raw PCM sample format on standard input: s16le or f32le.")
    var format: SampleFormat = .s16le

    @Option(help: "Raw PCM sample rate in Hz.")
    var rate: Int = 16_000

    @Option(help: "Raw PCM channels (interleaved; mixed to mono).")
    var channels: Int = 1

    @Flag(help: "Play an audio file at its real pace (default: as fast as the analysis goes).")
    var realtime = false

    @Flag(help: "Print JSON Lines: one event per line.")
    var json = false

    @Option(help: "Speech probability threshold, 0...1.")
    var threshold: Double = 0.5

    @Option(name: .customLong("min-silence-ms"), help: "Silence needed to end a segment.")
    var minSilenceMs: Double = 100

    @Option(name: .customLong("speech-pad-ms"), help: "Padding added to each side of a segment.")
    var speechPadMs: Double = 30

    @Option(name: .customLong("max-speech-s"), help: "Speech longer than this is cut into segments (1...3600).")
    var maxSpeechSeconds: Double = 30

    @Option(name: .customLong("update-interval-s"), help: "Seconds between updates during speech (0.1...60).")
    var updateInterval: Double = 1

    @Option(name: .customLong("update-window-s"), help: "Seconds of latest speech each update scores (0.5...30).")
    var updateWindow: Double = 3

    func validate() throws {
        if !audioSampleRates.contains(rate) { throw ValidationError("--rate must be within 1000...768000 Hz.") }
        if !(1...64).contains(channels) { throw ValidationError("--channels must be within 1...64.") }
        do { try options.validate() } catch {
            guard case .invalidOption(let name, let value, let reason)? = error as? VoiceEmotionError else { throw ValidationError("\(error)") }
            let flags = ["threshold": "--threshold", "minSilenceDurationMs": "--min-silence-ms", "speechPadMs": "--speech-pad-ms",
                         "maximumSpeechSeconds": "--max-speech-s", "updateInterval": "--update-interval-s", "updateWindow": "--update-window-s"]
            throw ValidationError("\(flags[name] ?? name) \(value): \(reason).")
        }
        if source == "-", isatty(STDIN_FILENO) != 0 {
            throw ValidationError("'-' reads raw PCM from standard input, which is a terminal: pipe audio in (arecord -q -f S16_LE -r 16000 -c 1 -t raw | voice-emotion live -)")
        }
    }

    var options: LiveAnalysisOptions {
        var options = LiveAnalysisOptions()
        options.speech.threshold = threshold
        options.speech.minSilenceDurationMs = minSilenceMs
        options.speech.speechPadMs = speechPadMs
        options.maximumSpeechSeconds = maxSpeechSeconds
        options.updateInterval = updateInterval
        options.updateWindow = updateWindow
        return options
    }

    func run() async throws {
        guard let folder = try AnalyzeCommand.resolveModel(model) else {
            printError("error: live analysis needs an emotion model: voice-emotion models pull \(CatalogModel.defaultName)  (about 1.3 GB)")
            throw ExitCode.failure
        }
        let live: LiveEmotionAnalyzer
        let fileRate: Int
        do {
            let analyzer = try EmotionAnalyzer(modelFolder: folder)
            fileRate = source == "-" ? rate : modelSampleRate
            live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: fileRate, channels: source == "-" ? channels : 1, options: options)
        } catch {
            printError("error: \(shellText(error))")
            throw ExitCode.failure
        }
        let reader = LiveReader(live: live, source: source, format: format, realtime: realtime)
        let thread = Thread { reader.run() }
        thread.start()
        let display = LiveDisplay(json: json)
        for await event in live.events { display.show(event) }
        display.finish()
        if let failure = reader.failure {
            printError("error: \(failure)")
            throw ExitCode.failure
        }
    }
}

/// Reads the source on a thread of its own and pushes it; remembers the first failure.
final class LiveReader: @unchecked Sendable {
    private let live: LiveEmotionAnalyzer
    private let source: String
    private let format: LiveCommand.SampleFormat
    private let realtime: Bool
    private let lock = NSLock()
    private var failureText: String?

    init(live: LiveEmotionAnalyzer, source: String, format: LiveCommand.SampleFormat, realtime: Bool) {
        self.live = live
        self.source = source
        self.format = format
        self.realtime = realtime
    }

    var failure: String? { lock.withLock { failureText } }

    func run() {
        do {
            if source == "-" { try readStandardInput() } else { try readFile() }
        } catch VoiceEmotionError.cancelled {
        } catch {
            lock.withLock { failureText = shellText(error) }  // the error names the file, or "-"
        }
        live.finish()
    }

    /// Raw PCM: whatever has arrived is pushed (a pipe delivers it as it is captured); a sample
    /// split between reads waits for its other bytes. Bytes left over at the end are an error,
    /// reported after everything before them was analysed.
    private func readStandardInput() throws {
        let width = format == .s16le ? 2 : 4
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var carry: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw VoiceEmotionError.unreadableFile(path: "-", reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            var bytes = carry
            bytes.append(contentsOf: buffer[0..<n])
            let whole = bytes.count / width * width
            carry = Array(bytes[whole...])
            try push(bytes[0..<whole])
        }
        if !carry.isEmpty {
            throw VoiceEmotionError.corruptAudio(
                path: "-", reason: "the input ended with \(carry.count == 1 ? "1 byte that is" : "\(carry.count) bytes that are") not a whole "
                    + "\(format.rawValue) sample (\(width) bytes each); everything before was analysed")
        }
    }

    private func push(_ bytes: ArraySlice<UInt8>) throws {
        guard !bytes.isEmpty else { return }
        var samples = [Float](repeating: 0, count: bytes.count / (format == .s16le ? 2 : 4))
        bytes.withUnsafeBytes { raw in
            for i in samples.indices {
                switch format {
                case .s16le: samples[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) / 32768
                case .f32le: samples[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
        }
        try live.push(samples)
    }

    /// A file, decoded to 16 kHz mono and pushed in 20 ms blocks, at its own pace with `realtime`.
    private func readFile() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var pushed = 0
        var failure: (any Error)?
        _ = try AudioLoader.stream(path: source, sampleRate: modelSampleRate) { block in
            var offset = 0
            while offset < block.count {
                let end = min(offset + modelSampleRate / 50, block.count)
                do { try live.push(UnsafeBufferPointer(rebasing: block[offset..<end])) } catch {
                    failure = error
                    return false
                }
                pushed += end - offset
                offset = end
                if realtime {
                    let due = UInt64(Double(pushed) / Double(modelSampleRate) * 1e9)
                    let elapsed = DispatchTime.now().uptimeNanoseconds - start
                    if due > elapsed { usleep(UInt32(min((due - elapsed) / 1000, 1_000_000))) }
                }
            }
            return true
        }
        if let failure { throw failure }
    }
}

/// Prints events: JSON Lines, or a status line on stderr (terminals) and a line per segment.
final class LiveDisplay {
    private let json: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private var speaking = false
    private var smoothed: Double?
    private var dominant = "-"
    private let encoder = OrderedJSONEncoder()

    init(json: Bool) { self.json = json }

    func show(_ event: LiveEvent) {
        if json {
            if let line = try? encoder.encode(event) {
                writeStandardOutput(line + "\n")
            }
            return
        }
        switch event {
        case .speechStarted:
            speaking = true
        case .update(let update):
            smoothed = update.smoothedStress ?? smoothed
            dominant = update.scores.max { $0.score < $1.score }?.emotion.name ?? dominant
        case .speechEnded(let ended):
            speaking = ended.wasCut
            let s = ended.segment
            clearStatus()
            let stress = s.stress.map { String(format: "stress %.2f", $0) } ?? "too short to score"
            let line = String(format: "%8.2f - %8.2f s  ", s.startSeconds, s.endSeconds) + (s.dominant?.name ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                + stress + String(format: "  (%.2f s after the audio)", ended.latency) + (ended.wasCut ? "  [cut, speech goes on]" : "")
            writeStandardOutput(line + "\n")
        }
        drawStatus(time: event.time)
    }

    private func clearStatus() {
        if terminal { writeStandardError("\r\u{1B}[K") }
    }

    /// `  12.3 s  speaking  stress [#######.............] 0.35  calm`
    private func drawStatus(time: Double) {
        guard terminal else { return }
        let width = 20
        let filled = Int(((smoothed ?? 0) * Double(width)).rounded())
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        let text = String(format: "%7.1f s  ", time) + (speaking ? "speaking" : "silent  ") + "  stress " + bar
            + (smoothed.map { String(format: " %.2f", $0) } ?? "  -  ") + "  " + dominant
        writeStandardError("\r\u{1B}[K\(String(text.prefix(ProgressBar.terminalWidth() - 1)))")
    }

    func finish() { clearStatus() }
}
