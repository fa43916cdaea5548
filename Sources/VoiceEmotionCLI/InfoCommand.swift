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
                    ("frames", .int(info.frames)), ("duration_s", .double(info.durationSeconds)),
                ])
            }
            print("\(file)")
            print("  format:      \(info.format), \(info.encoding)")
            print("  channels:    \(info.channels)")
            print("  sample rate: \(info.sampleRate) Hz")
            print("  duration:    \(String(format: "%.3f", info.durationSeconds)) s (\(info.frames) frames)")
            return nil
        }
        if failed { throw ExitCode.failure }
    }
}
