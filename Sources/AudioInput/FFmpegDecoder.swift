// The second decoder: the `ffmpeg` program, for what libsndfile cannot open (MP4/M4A with AAC or
// ALAC, 3GP, WebM/Matroska, MOV, AMR, CAF-ALAC, ...). A program on PATH rather than linked
// libavcodec: Debian's FFmpeg libraries are built GPL, and linking them would bind this MIT
// package; running the program does not, and works the same with Homebrew's ffmpeg. `ffprobe`
// describes the file (JSON); `ffmpeg` decodes its first audio stream to float32 PCM at the
// file's own rate and channel count on a pipe, read block by block into the same downmix and
// resampling as libsndfile's output — what Python users get from `ffmpeg ... -f f32le` + soxr.

import Foundation
import StrictJSON
import VoiceEmotionCore

/// Finding the ffmpeg and ffprobe programs.
enum FFmpegTools {
    /// Environment variables that name the programs, checked before PATH.
    static let ffmpegOverride = "VOICE_EMOTION_FFMPEG"
    static let ffprobeOverride = "VOICE_EMOTION_FFPROBE"
    /// Seconds without output after which a decode counts as stalled (default 60).
    static let timeoutOverride = "VOICE_EMOTION_FFMPEG_TIMEOUT_S"

    /// The program's path: the environment's (when set, it must be executable), else the first
    /// `name` on PATH. The second value says where it looked, for messages.
    static func locate(_ name: String, override variable: String) -> (path: String?, searched: String) {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment[variable], !given.isEmpty {
            return (FileManager.default.isExecutableFile(atPath: given) ? given : nil, "$\(variable) = \(given)")
        }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin:/usr/local/bin:/opt/homebrew/bin").split(separator: ":")
        for directory in directories {
            let candidate = String(directory) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return (candidate, "PATH") }
        }
        return (nil, "\(name) on PATH")
    }

    static var stallTimeout: Double {
        ProcessInfo.processInfo.environment[timeoutOverride].flatMap(Double.init).map { max(0.1, $0) } ?? 60
    }

    /// The container a file's first bytes announce, when it is one libsndfile does not read
    /// (to name the format when ffmpeg is missing); nil for anything else.
    static func sniffContainer(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 16) else { return nil }
        try? handle.close()
        let bytes = [UInt8](head)
        func ascii(_ range: Range<Int>) -> String? {
            bytes.count >= range.upperBound ? String(decoding: bytes[range], as: UTF8.self) : nil
        }
        if ascii(4..<8) == "ftyp" {
            let brand = ascii(8..<12) ?? ""
            if brand.hasPrefix("M4A") || brand.hasPrefix("M4B") { return "MPEG-4 audio (m4a)" }
            if brand.hasPrefix("3g") { return "3GPP (3gp)" }
            if brand.hasPrefix("qt") { return "QuickTime (mov)" }
            return "MPEG-4 (mp4)"
        }
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "Matroska/WebM" }
        if ascii(0..<5) == "#!AMR" { return "AMR" }
        if ascii(0..<4) == "caff" { return "Core Audio Format (caf)" }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] & 0xF6 == 0xF0 { return "AAC (ADTS)" }
        return nil
    }
}

/// A file decoded by the ffmpeg program: described by ffprobe when opened, decoded by ffmpeg
/// on the first read. Not thread-safe: one decode per instance.
final class FFmpegDecoder: AudioDecoding {
    let path: String
    let info: AudioFormatInfo
    /// ffprobe's duration is the container's claim, not a count of frames.
    let frameCountIsExact = false
    private let ffmpeg: String
    private var child: ChildProcess?
    private var carry: [UInt8] = []  // bytes of a float split between two reads
    private var finished = false

    /// Describes `path` with ffprobe. Throws `unsupportedAudio` when ffmpeg does not recognise
    /// it or it has no audio track.
    init(path: String, ffmpeg: String, ffprobe: String) throws {
        self.path = path
        self.ffmpeg = ffmpeg
        let probe = try ChildProcess(executable: ffprobe, arguments: [
            "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "file:" + path,
        ], stallTimeout: FFmpegTools.stallTimeout)
        var output: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 65_536)
        do {
            while true {
                let n = try block.withUnsafeMutableBytes { try probe.read(into: $0.baseAddress!, count: $0.count) }
                if n == 0 { break }
                output += block[0..<n]
                if output.count > 16 << 20 { throw VoiceEmotionError.unsupportedAudio(path: path, reason: "ffprobe's description is over 16 MB") }
            }
        } catch ChildProcessError.stalled(let seconds) {
            throw VoiceEmotionError.corruptAudio(path: path, reason: "ffprobe gave no answer for \(Int(seconds)) s; stopped it")
        }
        guard probe.wait() == 0 else {
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: "ffmpeg does not read it either: \(Self.firstLine(probe.errorOutput))")
        }
        info = try Self.describe(output, path: path)
    }

    /// A decoder for a file ffprobe already described.
    init(path: String, ffmpeg: String, info: AudioFormatInfo) {
        self.path = path
        self.ffmpeg = ffmpeg
        self.info = info
    }

    deinit { child?.terminate() }

    /// The first line of ffmpeg's message, without its "file:PATH: " prefix.
    static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? "no message"
        if let range = line.range(of: ": ", options: .backwards), line.hasPrefix("file:") { return String(line[range.upperBound...]) }
        return line
    }

    /// The format description from ffprobe's JSON: the first audio stream's codec, rate,
    /// channels and duration, the container's name, and the recording time from the tags.
    private static func describe(_ json: [UInt8], path: String) throws -> AudioFormatInfo {
        guard case .object(let root)? = try? StrictJSONParser.parse(json) else {
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: "ffprobe's description is not JSON")
        }
        func member(_ object: [(key: String, value: JSONValue)], _ key: String) -> JSONValue? { object.first { $0.key == key }?.value }
        func string(_ object: [(key: String, value: JSONValue)], _ key: String) -> String? {
            if case .string(let s)? = member(object, key) { return s }
            if case .integer(let i)? = member(object, key) { return String(i) }
            return nil
        }
        func tags(_ object: [(key: String, value: JSONValue)]) -> [(String, String)] {
            guard case .object(let entries)? = member(object, "tags") else { return [] }
            return entries.compactMap { entry in
                if case .string(let value) = entry.value { return (entry.key, value) }
                return nil
            }
        }
        let format: [(key: String, value: JSONValue)]
        if case .object(let f)? = member(root, "format") { format = f } else { format = [] }
        var streams: [[(key: String, value: JSONValue)]] = []
        if case .array(let list)? = member(root, "streams") {
            for case .object(let stream) in list { streams.append(stream) }
        }
        guard let audio = streams.first(where: { string($0, "codec_type") == "audio" }) else {
            let kinds = streams.compactMap { s in string(s, "codec_type").map { "\($0) \(string(s, "codec_name") ?? "?")" } }
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: "no audio track (streams: \(kinds.isEmpty ? "none" : kinds.joined(separator: ", ")))")
        }
        let codec = string(audio, "codec_name") ?? "unknown"
        guard codec != "none", codec != "unknown" else {
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: "ffmpeg has no decoder for its audio codec (\(string(audio, "codec_tag_string") ?? "unknown tag"))")
        }
        guard let rate = string(audio, "sample_rate").flatMap(Int.init), audioSampleRates.contains(rate) else {
            throw VoiceEmotionError.invalidSampleRate(path: path, rate: string(audio, "sample_rate").flatMap(Int.init) ?? 0)
        }
        guard case .integer(let channelCount)? = member(audio, "channels"), (1...1024).contains(channelCount) else {
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: "the audio track has no usable channel count")
        }
        let duration = (string(audio, "duration") ?? string(format, "duration")).flatMap(Double.init)
        let frames = duration.flatMap { $0.isFinite && $0 >= 0 && $0 < 1e7 ? Int(($0 * Double(rate)).rounded()) : nil }
        // Apple's creation date carries the offset; creation_time is UTC; DATE/date are Vorbis,
        // Matroska and ID3 dates; WAV's bext shows as date + creation_time (a local time).
        let allTags = tags(format) + tags(audio)
        let value = { (key: String) in allTags.first { $0.0.caseInsensitiveCompare(key) == .orderedSame }?.1 }
        var candidates: [(String, String)] = []
        for key in ["com.apple.quicktime.creationdate", "creation_time", "DATE", "date"] {
            if let text = value(key) { candidates.append((key, text)) }
        }
        if let day = value("date"), let time = value("creation_time"), !time.contains("-") {
            candidates.insert(("bext", day + "T" + time), at: 0)  // bext origination date and time
        }
        return AudioFormatInfo(
            format: string(format, "format_long_name") ?? string(format, "format_name") ?? "unknown container",
            encoding: string(audio, "codec_long_name") ?? codec, channels: Int(channelCount), sampleRate: rate, frames: frames,
            decoder: .ffmpeg, recordedAt: RecordingTime.fromTags(candidates) ?? RecordingTime.fileTime(path: path))
    }

    /// Reads up to `frames` interleaved float frames; 0 at the end. The decode starts on the
    /// first call; a failure of ffmpeg (exit status, or no output for the stall timeout) throws
    /// `corruptAudio` with ffmpeg's message.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        guard !finished else { return 0 }
        let child = try self.child ?? start()
        let channels = info.channels
        let wanted = frames * channels * MemoryLayout<Float>.size
        let raw = UnsafeMutableRawPointer(buffer)
        var filled = carry.count
        carry.withUnsafeBytes { if filled > 0 { raw.copyMemory(from: $0.baseAddress!, byteCount: filled) } }
        carry.removeAll(keepingCapacity: true)
        do {
            while filled < wanted {
                let n = try child.read(into: raw + filled, count: wanted - filled)
                if n == 0 { break }
                filled += n
            }
        } catch ChildProcessError.stalled(let seconds) {
            throw VoiceEmotionError.corruptAudio(path: path, reason: "ffmpeg produced no audio for \(Int(seconds)) s; stopped it")
        }
        let frameBytes = channels * MemoryLayout<Float>.size
        let whole = filled / frameBytes
        if filled < wanted {
            // The end of ffmpeg's output: a clean exit, or an error with its message.
            finished = true
            let status = child.wait()
            if status != 0 {
                throw VoiceEmotionError.corruptAudio(path: path, reason: "ffmpeg: \(Self.firstLine(child.errorOutput)) (exit status \(status))")
            }
        } else if filled > whole * frameBytes {
            carry = [UInt8](UnsafeRawBufferPointer(start: raw + whole * frameBytes, count: filled - whole * frameBytes))
        }
        return whole
    }

    private func start() throws -> ChildProcess {
        let process = try ChildProcess(executable: ffmpeg, arguments: [
            "-nostdin", "-hide_banner", "-loglevel", "error", "-i", "file:" + path,
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", String(info.channels), "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1",
        ], stallTimeout: FFmpegTools.stallTimeout)
        child = process
        return process
    }
}
