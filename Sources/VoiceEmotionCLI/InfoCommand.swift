// `voice-emotion info FILE...`: what the decoder sees in each file.

import ArgumentParser
import Foundation
import VoiceEmotion

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print format, channels, sample rate and duration of audio files.")

    @Argument(help: "Audio files (WAV, FLAC, MP3, Ogg Vorbis/Opus, AIFF, ...).")
    var files: [String]

    @Flag(help: "Print JSON (one object per file; an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
    }

    /// The JSON of one file; `frames` and `duration_s` are null when the header does not say.
    struct Output: Encodable {
        let file: String, format: String, encoding: String, channels: Int, sample_rate: Int
        let frames: Int?, duration_s: Double?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(format, forKey: .format)
            try c.encode(encoding, forKey: .encoding)
            try c.encode(channels, forKey: .channels)
            try c.encode(sample_rate, forKey: .sample_rate)
            try c.encode(frames, forKey: .frames)
            try c.encode(duration_s, forKey: .duration_s)
        }
        enum CodingKeys: String, CodingKey { case file, format, encoding, channels, sample_rate, frames, duration_s }
    }

    func run() throws {
        let failed = processFiles(files, json: json) { file in
            let info = try AudioLoader.info(path: file)
            if json {
                return Output(file: file, format: info.format, encoding: info.encoding, channels: info.channels,
                              sample_rate: info.sampleRate, frames: info.frames, duration_s: info.durationSeconds)
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
