// Audio in: decode with libsndfile, downmix to mono by averaging channels, resample with libsoxr.
// Decoding streams block by block through the resampler, so an hour of 48 kHz stereo never
// exists in memory as more than the mono output plus one block.

import Foundation
import VoiceEmotionCore

/// Mono Float samples at a known rate.
public struct MonoAudio: Sendable, Equatable {
    /// Samples, nominally in -1...1.
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int
    /// Length in seconds.
    public var durationSeconds: Double { Double(samples.count) / Double(sampleRate) }

    /// Wraps samples at a rate.
    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }
}

/// What `AudioLoader.stream` decoded.
public struct AudioStreamSummary: Sendable, Equatable {
    /// The file's format as its header describes it.
    public let info: AudioFormatInfo
    /// Rate of the delivered samples.
    public let sampleRate: Int
    /// Mono samples delivered in all.
    public let samples: Int
    /// False when the consumer stopped the decode early.
    public let completed: Bool
}

/// Decodes audio files to mono Float at a chosen rate: what libsndfile reads (WAV, FLAC, MP3, Ogg
/// Vorbis/Opus, AIFF, ...) directly, everything else (MP4/M4A with AAC or ALAC, 3GP, WebM, MOV,
/// ...) through the ffmpeg program when it is installed.
public enum AudioLoader {
    /// Frames decoded per block: bounds the extra memory of a decode.
    static let blockFrames = 65_536

    /// Throws `nonFiniteSample` for the first NaN or infinite sample; `offset` is the index of
    /// `samples[0]` in the recording (for the time in the message).
    public static func requireFinite(
        _ samples: UnsafeBufferPointer<Float>, sampleRate: Int, label: String, offset: Int = 0
    ) throws {
        try requireFiniteSamples(samples, sampleRate: sampleRate, label: label, offset: offset)
    }

    /// The decoder for a file: libsndfile for what it reads, else the ffmpeg program (when it is
    /// installed). Without ffmpeg, a container that needs it is `ffmpegNotFound`, naming it.
    static func open(path: String) throws -> AudioDecoding {
        do {
            return try SoundFile(path: path)
        } catch VoiceEmotionError.unsupportedAudio(_, let reason) {
            let ffmpeg = FFmpegTools.locate("ffmpeg", override: FFmpegTools.ffmpegOverride)
            let ffprobe = FFmpegTools.locate("ffprobe", override: FFmpegTools.ffprobeOverride)
            guard let ffmpegPath = ffmpeg.path, let ffprobePath = ffprobe.path else {
                guard let container = FFmpegTools.sniffContainer(path: path) else {
                    throw VoiceEmotionError.unsupportedAudio(path: path, reason: reason)
                }
                throw VoiceEmotionError.ffmpegNotFound(path: path, format: container,
                                                       searched: ffmpeg.path == nil ? ffmpeg.searched : ffprobe.searched)
            }
            do {
                return try FFmpegDecoder(path: path, ffmpeg: ffmpegPath, ffprobe: ffprobePath)
            } catch VoiceEmotionError.unsupportedAudio(_, let ffmpegReason) where FFmpegTools.sniffContainer(path: path) == nil {
                // Neither decoder knows it: both reasons, libsndfile's first.
                throw VoiceEmotionError.unsupportedAudio(path: path, reason: "\(reason) (libsndfile); \(ffmpegReason)")
            }
        }
    }

    /// Describes a file without decoding it.
    public static func info(path: String) throws -> AudioFormatInfo {
        try open(path: path).info
    }

    /// Describes audio held in memory without decoding it.
    public static func info(bytes: [UInt8], label: String = "<memory>") throws -> AudioFormatInfo {
        try SoundFile(bytes: bytes, label: label).info
    }

    /// Decodes a file to mono, resampled to `sampleRate` (nil keeps the file's rate).
    public static func load(path: String, sampleRate: Int? = nil) throws -> MonoAudio {
        try decode(open(path: path), sampleRate: sampleRate)
    }

    /// Decodes audio held in memory to mono, resampled to `sampleRate` (nil keeps its rate).
    public static func load(bytes: [UInt8], label: String = "<memory>", sampleRate: Int? = nil) throws -> MonoAudio {
        try decode(SoundFile(bytes: bytes, label: label), sampleRate: sampleRate)
    }

    /// Decodes a file block by block without keeping it: `body` receives consecutive blocks of
    /// mono samples at `sampleRate` (nil: the file's rate) and returns false to stop early. The
    /// blocks concatenated are exactly what `load(path:sampleRate:)` returns. For hour-long files
    /// this keeps memory at one block instead of the whole recording.
    ///
    /// - Parameter progress: called after each block with the fraction of the file decoded
    ///   (from the header's frame count: approximate for MP3, 0 when the header does not say).
    /// - Returns: the summary of what was decoded (`completed` is false when `body` stopped it).
    @discardableResult
    public static func stream(
        path: String, sampleRate: Int? = nil, progress: ((Double) -> Void)? = nil,
        _ body: (UnsafeBufferPointer<Float>) -> Bool
    ) throws -> AudioStreamSummary {
        try stream(path: path, knownInfo: nil, sampleRate: sampleRate, progress: progress, body)
    }

    /// `stream(path:...)` for a file already described by `info` (from `info(path:)`): a file
    /// that ffmpeg decodes is not probed again (a pipeline reads a file in several passes).
    package static func stream(
        path: String, knownInfo info: AudioFormatInfo?, sampleRate: Int? = nil, progress: ((Double) -> Void)? = nil,
        _ body: (UnsafeBufferPointer<Float>) -> Bool
    ) throws -> AudioStreamSummary {
        DecodePasses.shared.count(path)
        let file: AudioDecoding
        if let info, info.decoder == .ffmpeg, let ffmpeg = FFmpegTools.locate("ffmpeg", override: FFmpegTools.ffmpegOverride).path {
            file = FFmpegDecoder(path: path, ffmpeg: ffmpeg, info: info)
        } else {
            file = try open(path: path)
        }
        var block: [Float] = []
        return try decode(file, sampleRate: sampleRate, progress: progress) { (append) throws in
            block.removeAll(keepingCapacity: true)
            try append(&block)
            return block.withUnsafeBufferPointer { body($0) }
        }
    }

    private static func decode(_ file: AudioDecoding, sampleRate requested: Int?) throws -> MonoAudio {
        var output: [Float] = []
        let summary = try decode(file, sampleRate: requested, progress: nil, reserve: { output.reserveCapacity($0) }) { (append) throws in
            try append(&output)
            return true
        }
        return MonoAudio(samples: output, sampleRate: summary.sampleRate)
    }

    /// The one decoding loop: read a block, downmix, resample. `consume` is handed a function
    /// that appends the block's output samples to an array of the caller's choosing.
    private static func decode(
        _ file: AudioDecoding, sampleRate requested: Int?, progress: ((Double) -> Void)?, reserve: ((Int) -> Void)? = nil,
        consume: ((inout [Float]) throws -> Void) throws -> Bool
    ) throws -> AudioStreamSummary {
        let info = file.info
        if let requested, !audioSampleRates.contains(requested) {
            throw VoiceEmotionError.invalidSampleRate(path: file.path, rate: requested)
        }
        let targetRate = requested ?? info.sampleRate
        let resampler = targetRate == info.sampleRate
            ? nil : try Resampler(from: Double(info.sampleRate), to: Double(targetRate), label: file.path)
        // The header's frame count is only a hint (corrupt or streamed files can claim anything):
        // reserve at most ~17 minutes at 16 kHz up front and let the array grow past that.
        if let frames = info.frames, frames > 0, let reserve {
            let estimate = Double(frames) * Double(targetRate) / Double(info.sampleRate)
            reserve(Int(min(estimate, 16_777_216)) + 1)
        }
        let channels = info.channels
        // Fewer frames per block for many channels (libsndfile allows 1024): the interleaved
        // block stays at most 8 channels' worth (2 MB).
        let blockFrames = Self.blockFrames * min(channels, 8) / channels
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        var mono = [Float](repeating: 0, count: blockFrames)
        var decodedFrames = 0
        var outputCount = 0
        while true {
            let frames = try interleaved.withUnsafeMutableBufferPointer { (buffer) throws in
                try file.read(into: buffer.baseAddress!, frames: blockFrames)
            }
            if frames == 0 { break }
            downmix(interleaved, frames: frames, channels: channels, into: &mono)
            // After the downmix: one pass over the mono block catches a NaN or infinity in any channel.
            try mono.withUnsafeBufferPointer { (buffer) throws in
                try requireFinite(UnsafeBufferPointer(rebasing: buffer[0..<frames]), sampleRate: info.sampleRate,
                                  label: file.path, offset: decodedFrames)
            }
            decodedFrames += frames
            let proceed = try consume { (output) throws in
                let before = output.count
                if let resampler {
                    try mono.withUnsafeBufferPointer { (buffer) throws in
                        try resampler.process(UnsafeBufferPointer(rebasing: buffer[0..<frames]), into: &output)
                    }
                } else {
                    output.append(contentsOf: mono[0..<frames])
                }
                outputCount += output.count - before
            }
            if let total = info.frames, total > 0 { progress?(min(1, Double(decodedFrames) / Double(total))) } else { progress?(0) }
            if !proceed {
                return AudioStreamSummary(info: info, sampleRate: targetRate, samples: outputCount, completed: false)
            }
        }
        if decodedFrames == 0 { throw VoiceEmotionError.emptyAudio(path: file.path) }
        // libsndfile shortens the frame count of a cut-off WAV itself; this catches formats whose
        // header promised more frames than the decoder could deliver.
        if file.frameCountIsExact, let total = info.frames, decodedFrames < total {
            throw VoiceEmotionError.truncatedAudio(path: file.path, expectedFrames: total, decodedFrames: decodedFrames)
        }
        if let resampler {
            let proceed = try consume { (output) throws in
                let before = output.count
                try resampler.finish(into: &output)
                outputCount += output.count - before
            }
            if !proceed {
                return AudioStreamSummary(info: info, sampleRate: targetRate, samples: outputCount, completed: false)
            }
        }
        return AudioStreamSummary(info: info, sampleRate: targetRate, samples: outputCount, completed: true)
    }

    /// Averages interleaved channels into `mono` (a copy for one channel).
    static func downmix(_ interleaved: [Float], frames: Int, channels: Int, into mono: inout [Float]) {
        interleaved.withUnsafeBufferPointer { source in
            mono.withUnsafeMutableBufferPointer { destination in
                downmix(source.baseAddress!, frames: frames, channels: channels, into: destination.baseAddress!)
            }
        }
    }

    /// The one downmix of the package, offline and live alike, so the two agree bit for bit:
    /// each frame's channels summed in order, then divided by their count (numpy's `mean` over
    /// channels; a multiplication by 1/n would differ in the last bit for 3, 5, 6 … channels).
    package static func downmix(_ source: UnsafePointer<Float>, frames: Int, channels: Int, into destination: UnsafeMutablePointer<Float>) {
        if channels == 1 {
            destination.update(from: source, count: frames)
            return
        }
        let count = Float(channels)
        for f in 0..<frames {
            var sum: Float = 0
            for c in 0..<channels { sum += source[f * channels + c] }
            destination[f] = sum / count
        }
    }
}

extension AudioLoader {
    /// The extensions memos come in, which a folder is searched for (lower case).
    public static let audioExtensions: Set<String> = ["wav", "flac", "mp3", "ogg", "oga", "opus", "aif", "aiff", "m4a", "mp4", "mov", "3gp",
                                                      "3gpp", "webm", "caf", "aac", "amr", "mka"]

    /// The audio files `paths` name: a file (or `-`) as given; a folder searched recursively for
    /// `audioExtensions`, hidden files skipped, sorted; a missing path kept, so that it fails
    /// with the others rather than vanishing.
    public static func audioFiles(in paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let root = URL(fileURLWithPath: path)
            let found = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])?
                .compactMap { $0 as? URL }
                .filter { audioExtensions.contains($0.pathExtension.lowercased()) && (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
                .map { path.hasSuffix("/") ? path + $0.path.dropFirst(root.path.count + 1) : path + "/" + $0.path.dropFirst(root.path.count + 1) } ?? []
            files += found.sorted()
        }
        return files
    }
}

/// How many times each path has been decoded in this process, once `startCounting()` was called
/// (off otherwise, so an app analysing thousands of files keeps no list of them): the pipeline
/// promises one pass for speech and one for every measurement of it, and a test holds it to that.
package final class DecodePasses: @unchecked Sendable {
    package static let shared = DecodePasses()
    private let lock = NSLock()
    private var counting = false
    private var counts: [String: Int] = [:]

    /// Counts the decodes from now on.
    package func startCounting() { lock.withLock { counting = true } }

    func count(_ path: String) { lock.withLock { if counting { counts[path, default: 0] += 1 } } }

    /// Decodes of `path` so far.
    package func passes(of path: String) -> Int { lock.withLock { counts[path] ?? 0 } }
}
