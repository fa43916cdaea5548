// `voice-emotion info FILE...`: what the decoder sees in each file.

import ArgumentParser
import Foundation
import VoiceEmotion

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print format, channels, sample rate and duration of audio files.")

    @Argument(help: "Audio files (WAV, FLAC, MP3, Ogg, AIFF; M4A, MP4, MOV, 3GP, WebM with ffmpeg installed); - reads standard input.")
    var files: [String]

    @Flag(help: "Print JSON (one object per file; an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        try validateStandardInput(files)
    }

    /// The JSON of one file; `frames` and `duration_s` are null when the header does not say,
    /// `recorded_at` when no date is known (audio from standard input has no file time).
    struct Output: Encodable {
        let file: String, format: String, encoding: String, decoder: String, channels: Int, sample_rate: Int
        let frames: Int?, duration_s: Double?, recorded_at: String?, recorded_at_source: String?, recorded_at_tag: String?

        init(file: String, info: AudioFormatInfo) {
            self.file = file
            format = info.format
            encoding = info.encoding
            decoder = info.decoder.rawValue
            channels = info.channels
            sample_rate = info.sampleRate
            frames = info.frames
            duration_s = info.durationSeconds
            recorded_at = info.recordedAt?.iso8601
            recorded_at_source = info.recordedAt?.source.rawValue
            recorded_at_tag = info.recordedAt?.tag
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(format, forKey: .format)
            try c.encode(encoding, forKey: .encoding)
            try c.encode(decoder, forKey: .decoder)
            try c.encode(channels, forKey: .channels)
            try c.encode(sample_rate, forKey: .sample_rate)
            try c.encode(frames, forKey: .frames)
            try c.encode(duration_s, forKey: .duration_s)
            try c.encode(recorded_at, forKey: .recorded_at)
            try c.encode(recorded_at_source, forKey: .recorded_at_source)
            try c.encode(recorded_at_tag, forKey: .recorded_at_tag)
        }
        enum CodingKeys: String, CodingKey {
            case file, format, encoding, decoder, channels, sample_rate, frames, duration_s, recorded_at, recorded_at_source, recorded_at_tag
        }
    }

    func run() throws {
        let failed = processFiles(files, json: json) { file, path in
            var info = try AudioLoader.info(path: path)
            if path != file, info.recordedAt?.source == .fileTime {  // a spooled copy of stdin: its file time is now
                info = AudioFormatInfo(format: info.format, encoding: info.encoding, channels: info.channels, sampleRate: info.sampleRate,
                                       frames: info.frames, decoder: info.decoder, recordedAt: nil)
            }
            if json { return Output(file: file, info: info) }
            print("\(file)")
            print("  format:      \(info.format), \(info.encoding) (\(info.decoder.rawValue))")
            print("  channels:    \(info.channels)")
            print("  sample rate: \(info.sampleRate) Hz")
            if let frames = info.frames, let seconds = info.durationSeconds {
                print("  duration:    \(String(format: "%.3f", seconds)) s (\(frames) frames)")
            } else {
                print("  duration:    unknown (the header does not say; the file may be cut off)")
            }
            if let time = info.recordedAt {
                let how = time.source == .metadata ? "from its \(time.tag ?? "date") tag" : "the file's modification time"
                print("  recorded:    \(time.iso8601)\(time.isLocalTime ? " (local time, zone unknown)" : "") — \(how)")
            }
            return nil
        }
        if failed { throw ExitCode.failure }
    }
}
