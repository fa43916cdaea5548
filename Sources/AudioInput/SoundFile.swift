// A thin libsndfile reader: open from a path or from bytes (virtual I/O), describe the format,
// read interleaved Float frames block by block.

import VoiceEmotionCore

import CSndFile
import Foundation

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Which program decodes a file.
public enum AudioDecoderKind: String, Sendable, Codable {
    /// libsndfile (linked): WAV, FLAC, MP3, Ogg Vorbis/Opus, AIFF, CAF with PCM.
    case libsndfile
    /// The ffmpeg program (run as a child process): MP4/M4A (AAC, ALAC), 3GP, WebM, MOV, ...
    case ffmpeg
}

/// What a file holds, as its decoder reports it.
public struct AudioFormatInfo: Sendable, Codable, Equatable {
    /// Container, e.g. "WAV (Microsoft)", "FLAC (Free Lossless Audio Codec)", "MPEG-1/2 Audio".
    public let format: String
    /// Encoding, e.g. "Signed 16 bit PCM", "Vorbis", "Opus".
    public let encoding: String
    /// Interleaved channels.
    public let channels: Int
    /// Frames per second.
    public let sampleRate: Int
    /// Frames (samples per channel) as the header states them; nil when it does not say (a
    /// truncated Ogg file, a stream). MP3 lengths are libsndfile's estimate.
    public let frames: Int?
    /// Length in seconds, when `frames` is known.
    public var durationSeconds: Double? { frames.map { Double($0) / Double(sampleRate) } }
    /// The decoder that reads the file.
    public let decoder: AudioDecoderKind
    /// When the recording was made: a date tag of the file, else its modification time; nil for
    /// audio in memory.
    public let recordedAt: RecordingTime?

    /// Describes a format.
    public init(format: String, encoding: String, channels: Int, sampleRate: Int, frames: Int?,
                decoder: AudioDecoderKind = .libsndfile, recordedAt: RecordingTime? = nil) {
        self.format = format
        self.encoding = encoding
        self.channels = channels
        self.sampleRate = sampleRate
        self.frames = frames
        self.decoder = decoder
        self.recordedAt = recordedAt
    }
}

/// A decoder of interleaved Float frames: libsndfile, or the ffmpeg program.
protocol AudioDecoding: AnyObject {
    /// The file's path (or a label for audio in memory), for messages.
    var path: String { get }
    /// The format, as the decoder sees it.
    var info: AudioFormatInfo { get }
    /// Whether `info.frames` is exact (then a shortfall means the file is truncated).
    var frameCountIsExact: Bool { get }
    /// Reads up to `frames` interleaved frames into `buffer`; returns the frames read (0 at the end).
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int
}

/// In-memory bytes exposed to libsndfile through its virtual I/O callbacks.
private final class MemoryStream {
    let bytes: [UInt8]
    var position = 0
    init(bytes: [UInt8]) { self.bytes = bytes }
}

private func stream(_ userData: UnsafeMutableRawPointer?) -> MemoryStream {
    Unmanaged<MemoryStream>.fromOpaque(userData!).takeUnretainedValue()
}

/// libsndfile's callbacks are C function pointers: they reach the stream through `user_data`.
/// (sf_open_virtual copies the struct, so a temporary is enough.)
private func makeMemoryIO() -> SF_VIRTUAL_IO {
    SF_VIRTUAL_IO(
    get_filelen: { sf_count_t(stream($0).bytes.count) },
    seek: { offset, whence, userData in
        let s = stream(userData)
        let target: Int
        switch whence {
        case SEEK_CUR: target = s.position + Int(offset)
        case SEEK_END: target = s.bytes.count + Int(offset)
        default: target = Int(offset)
        }
        s.position = min(max(target, 0), s.bytes.count)
        return sf_count_t(s.position)
    },
    read: { destination, count, userData in
        let s = stream(userData)
        let n = min(Int(count), s.bytes.count - s.position)
        guard n > 0, let destination else { return 0 }
        s.bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + s.position, byteCount: n) }
        s.position += n
        return sf_count_t(n)
    },
    write: { _, _, _ in 0 },
    tell: { sf_count_t(stream($0).position) })
}

/// An open libsndfile handle. Not thread-safe: one reader per decode.
final class SoundFile: AudioDecoding {
    let path: String
    let info: AudioFormatInfo
    /// Whether `info.frames` is exact. libsndfile estimates the length of MPEG audio from the
    /// first frames' bitrate, so a shortfall there is not evidence of truncation.
    var frameCountIsExact: Bool { majorFormat != Int32(SF_FORMAT_MPEG) }
    private var majorFormat: Int32 = 0
    private let handle: OpaquePointer
    private let memory: MemoryStream?

    /// Opens a file on disk.
    init(path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw VoiceEmotionError.fileNotFound(path: path) }
            throw VoiceEmotionError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw VoiceEmotionError.unreadableFile(path: path, reason: "not a regular file") }
        guard access(path, R_OK) == 0 else { throw VoiceEmotionError.unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        if status.st_size == 0 { throw VoiceEmotionError.emptyAudio(path: path) }
        var sfInfo = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &sfInfo) else {
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: String(cString: sf_strerror(nil)))
        }
        self.path = path
        self.handle = handle
        self.memory = nil
        self.info = try Self.describe(handle, sfInfo, path: path,
                                      recordedAt: Self.recordingTime(handle) ?? RecordingTime.fileTime(path: path))
        self.majorFormat = sfInfo.format & Int32(SF_FORMAT_TYPEMASK)
    }

    /// Opens audio held in memory; `label` names it in error messages.
    init(bytes: [UInt8], label: String) throws {
        if bytes.isEmpty { throw VoiceEmotionError.emptyAudio(path: label) }
        let memory = MemoryStream(bytes: bytes)
        var sfInfo = SF_INFO()
        var memoryIO = makeMemoryIO()
        let opened = withUnsafeMutablePointer(to: &memoryIO) { io in
            sf_open_virtual(io, Int32(SFM_READ), &sfInfo, Unmanaged.passUnretained(memory).toOpaque())
        }
        guard let handle = opened else {
            throw VoiceEmotionError.unsupportedAudio(path: label, reason: String(cString: sf_strerror(nil)))
        }
        self.path = label
        self.handle = handle
        self.memory = memory
        self.info = try Self.describe(handle, sfInfo, path: label, recordedAt: Self.recordingTime(handle))
        self.majorFormat = sfInfo.format & Int32(SF_FORMAT_TYPEMASK)
    }

    deinit { sf_close(handle) }

    /// The recording time from the file's tags: BWF's origination date and time (WAV), else the
    /// DATE string libsndfile reads (Vorbis/Opus comments, ID3 TDRC, AIFF/WAV INFO).
    private static func recordingTime(_ handle: OpaquePointer) -> RecordingTime? {
        var candidates: [(String, String)] = []
        var bext = SF_BROADCAST_INFO()
        if sf_command(handle, Int32(SFC_GET_BROADCAST_INFO), &bext, Int32(MemoryLayout<SF_BROADCAST_INFO>.size)) == Int32(SF_TRUE) {
            let day = withUnsafeBytes(of: bext.origination_date) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let time = withUnsafeBytes(of: bext.origination_time) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !day.isEmpty { candidates.append(("bext", time.isEmpty ? day : day + "T" + time.replacingOccurrences(of: "-", with: ":"))) }
        }
        if let date = sf_get_string(handle, Int32(SF_STR_DATE)) { candidates.append(("DATE", String(cString: date))) }
        return RecordingTime.fromTags(candidates)
    }

    private static func describe(_ handle: OpaquePointer, _ sfInfo: SF_INFO, path: String, recordedAt: RecordingTime?) throws -> AudioFormatInfo {
        guard sfInfo.channels > 0 else {
            sf_close(handle)
            throw VoiceEmotionError.unsupportedAudio(path: path, reason: "no channels")
        }
        guard audioSampleRates.contains(Int(sfInfo.samplerate)) else {
            sf_close(handle)
            throw VoiceEmotionError.invalidSampleRate(path: path, rate: Int(sfInfo.samplerate))
        }
        // libsndfile says SF_COUNT_MAX when it cannot tell the length (e.g. an Ogg file cut off
        // before its last page); that is "unknown", not 2^63 frames.
        let frames = sfInfo.frames >= 0 && sfInfo.frames < sf_count_t.max ? Int(sfInfo.frames) : nil
        return AudioFormatInfo(
            format: formatName(handle, sfInfo.format & Int32(SF_FORMAT_TYPEMASK)),
            encoding: formatName(handle, sfInfo.format & Int32(SF_FORMAT_SUBMASK)),
            channels: Int(sfInfo.channels), sampleRate: Int(sfInfo.samplerate), frames: frames,
            decoder: .libsndfile, recordedAt: recordedAt)
    }

    private static func formatName(_ handle: OpaquePointer, _ format: Int32) -> String {
        var formatInfo = SF_FORMAT_INFO()
        formatInfo.format = format
        let status = sf_command(handle, Int32(SFC_GET_FORMAT_INFO), &formatInfo, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
        guard status == 0, let name = formatInfo.name else { return "unknown (0x\(String(format, radix: 16)))" }
        return String(cString: name)
    }

    /// Reads up to `frames` interleaved frames into `buffer`; returns the frames read (0 at the end).
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let read = Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
        let code = sf_error(handle)
        if code != 0 { throw VoiceEmotionError.corruptAudio(path: path, reason: String(cString: sf_error_number(code))) }
        return read
    }
}
