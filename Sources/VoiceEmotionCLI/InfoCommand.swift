// `voice-emotion info FILE...`: what libsndfile sees in each file.

import ArgumentParser
import AudioInput
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print format, channels, sample rate and duration of audio files.")

    @Argument(help: "Audio files (any format libsndfile reads).")
    var files: [String]

    @Flag(help: "Print JSON (one object per file; an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
    }

    func run() throws {
        let failed = processFiles(files, json: json) { file in
            let info = try AudioLoader.info(path: file)
            if json {
                return .object([
                    ("file", .string(file)), ("format", .string(info.format)), ("encoding", .string(info.encoding)),
                    ("channels", .int(info.channels)), ("sample_rate", .int(info.sampleRate)),
                    ("frames", info.frames.map { .int($0) } ?? .null),
                    ("duration_s", info.durationSeconds.map { .double($0) } ?? .null),
                ])
            }
            print("\(file)")
            print("  format:      \(info.format), \(info.encoding)")
            print("  channels:    \(info.channels)")
            print("  sample rate: \(info.sampleRate) Hz")
            if let frames = info.frames, let seconds = info.durationSeconds {
                print("  duration:    \(String(format: "%.3f", seconds)) s (\(frames) frames)")
            } else {
                print("  duration:    unknown (the header does not say; the file may be cut off)")
            }
            return nil
        }
        if failed { throw ExitCode.failure }
    }
}
