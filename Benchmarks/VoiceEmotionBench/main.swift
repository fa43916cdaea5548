// voice-emotion-bench: speed measurements (see Docs/Benchmarks.md). Reports the hardware
// reference (sgemm throughput) and the Silero VAD; model benchmarks join as the models land.
//
//   swift run -c release voice-emotion-bench [--threads N] [--runs N] [--json]

import AudioInput
import Foundation
import SileroVAD
import TensorKernels

struct Settings {
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var runs = 5
    var json = false
}

func parseArguments() -> Settings {
    var settings = Settings()
    var arguments = CommandLine.arguments.dropFirst()
    func positive(_ flag: String) -> Int {
        guard let value = arguments.popFirst().flatMap(Int.init), value >= 1 else {
            FileHandle.standardError.write(Data("\(flag) needs a positive integer\n".utf8))
            exit(2)
        }
        return value
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--json": settings.json = true
        case "--threads": settings.threads = positive("--threads")
        case "--runs": settings.runs = positive("--runs")
        default:
            FileHandle.standardError.write(Data("usage: voice-emotion-bench [--threads N] [--runs N] [--json]\n".utf8))
            exit(2)
        }
    }
    return settings
}

/// Median and spread of repeated timings (seconds), after one warm-up run.
struct Timing {
    let sorted: [Double]
    var median: Double { sorted[sorted.count / 2] }
    var minimum: Double { sorted.first! }
    var maximum: Double { sorted.last! }

    init(runs: Int, _ body: () -> Void) {
        body()
        sorted = (0..<runs).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }.sorted()
    }
}

/// Peak resident memory of this process in MB (Linux: VmHWM; elsewhere getrusage).
func peakResidentMB() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
        return kb / 1024
    }
    var usage = rusage()
    #if canImport(Darwin)
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
    #else
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    #endif
}

// MARK: - Benchmarks

func benchmarkSgemm(runs: Int) -> (gflops: Double, low: Double, high: Double) {
    let size = 1024
    let a = [Float](repeating: 0.5, count: size * size)
    let b = [Float](repeating: 0.25, count: size * size)
    var c = [Float](repeating: 0, count: size * size)
    let timing = Timing(runs: max(runs, 5)) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(.none, .transpose, m: size, n: size, k: size, a: pa.baseAddress!, lda: size,
                               b: pb.baseAddress!, ldb: size, c: pc.baseAddress!, ldc: size)
                }
            }
        }
    }
    let flops = 2.0 * Double(size * size * size)
    return (flops / timing.median / 1e9, flops / timing.maximum / 1e9, flops / timing.minimum / 1e9)
}

/// Ten minutes of 16 kHz speech: the bundled sample recording repeated.
func tenMinuteRecording() throws -> [Float] {
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Docs/Samples/voice-memo.flac").standardizedFileURL.path
    let memo = try AudioLoader.load(path: sample, sampleRate: 16000).samples
    var audio: [Float] = []
    audio.reserveCapacity(16000 * 600)
    while audio.count < 16000 * 600 { audio += memo }
    return Array(audio.prefix(16000 * 600))
}

struct VADFigures {
    let microsecondsPerChunk: Timing  // per-chunk seconds, whole recording
    let streamingPerChunk: Timing     // per-chunk seconds, one chunk per call
    let realTimeFactor: Timing        // analyze() seconds per audio second
    let chunks: Int
}

func benchmarkVAD(audio: [Float], runs: Int) throws -> VADFigures {
    let detector = try VoiceActivityDetector.bundled()
    let session = try detector.makeSession(sampleRate: 16000)
    let chunks = audio.count / 512
    // Model only, one thread: a session running every chunk of the recording (blocks of chunks
    // share the non-recurrent work), and the same one chunk per call as a live stream would.
    let perChunk = Timing(runs: runs) {
        session.reset()
        audio.withUnsafeBufferPointer { _ = try! session.probabilities(of: UnsafeBufferPointer(rebasing: $0[0..<(chunks * 512)])) }
    }
    let perChunkSeconds = Timing(sorted: perChunk.sorted.map { $0 / Double(chunks) })
    let streamingChunks = 2000
    let streaming = Timing(runs: runs) {
        session.reset()
        audio.withUnsafeBufferPointer { input in
            for i in 0..<streamingChunks {
                _ = try! session.probability(of: UnsafeBufferPointer(rebasing: input[(i * 512)..<(i * 512 + 512)]))
            }
        }
    }
    let streamingSeconds = Timing(sorted: streaming.sorted.map { $0 / Double(streamingChunks) })
    // Whole job on decoded audio: probabilities + segmentation.
    let seconds = Double(audio.count) / 16000
    let analyze = Timing(runs: runs) { _ = try! detector.analyze(audio, sampleRate: 16000) }
    return VADFigures(microsecondsPerChunk: perChunkSeconds, streamingPerChunk: streamingSeconds, realTimeFactor: Timing(sorted: analyze.sorted.map { $0 / seconds }), chunks: chunks)
}

extension Timing {
    init(sorted: [Double]) { self.sorted = sorted }
}

// MARK: - Main

let settings = parseArguments()
BLAS.setThreadCount(settings.threads)
let sgemm = benchmarkSgemm(runs: settings.runs)
BLAS.setThreadCount(1)  // the VAD runs on one thread
let recording = try tenMinuteRecording()
let vad = try benchmarkVAD(audio: recording, runs: settings.runs)
BLAS.setThreadCount(settings.threads)

if settings.json {
    let vadJSON = """
        {"us_per_chunk": \(String(format: "%.2f", vad.microsecondsPerChunk.median * 1e6)), \
        "us_per_chunk_min": \(String(format: "%.2f", vad.microsecondsPerChunk.minimum * 1e6)), \
        "us_per_chunk_max": \(String(format: "%.2f", vad.microsecondsPerChunk.maximum * 1e6)), \
        "us_per_chunk_streaming": \(String(format: "%.2f", vad.streamingPerChunk.median * 1e6)), \
        "threads": 1, "chunks": \(vad.chunks), "audio_s": 600, \
        "rtf": \(String(format: "%.6f", vad.realTimeFactor.median)), \
        "rtf_min": \(String(format: "%.6f", vad.realTimeFactor.minimum)), "rtf_max": \(String(format: "%.6f", vad.realTimeFactor.maximum))}
        """
    print("""
        {"threads": \(settings.threads), "runs": \(settings.runs), \
        "sgemm_gflops": \(String(format: "%.1f", sgemm.gflops)), "sgemm_gflops_min": \(String(format: "%.1f", sgemm.low)), \
        "sgemm_gflops_max": \(String(format: "%.1f", sgemm.high)), "vad": \(vadJSON), \
        "peak_rss_mb": \(String(format: "%.1f", peakResidentMB()))}
        """)
} else {
    print("voice-emotion-bench: \(settings.threads) threads, \(settings.runs) runs after a warm-up; median (min-max)")
    print(String(format: "sgemm 1024^3         %8.1f GFLOP/s   (%.1f-%.1f)", sgemm.gflops, sgemm.low, sgemm.high))
    print(String(format: "VAD 16 kHz chunk     %8.2f us        (%.2f-%.2f), 1 thread, %d chunks",
                 vad.microsecondsPerChunk.median * 1e6, vad.microsecondsPerChunk.minimum * 1e6,
                 vad.microsecondsPerChunk.maximum * 1e6, vad.chunks))
    print(String(format: "VAD 16 kHz streaming %8.2f us        (%.2f-%.2f), 1 thread, one chunk per call",
                 vad.streamingPerChunk.median * 1e6, vad.streamingPerChunk.minimum * 1e6, vad.streamingPerChunk.maximum * 1e6))
    print(String(format: "VAD analyze 10 min   RTF %.5f      (%.5f-%.5f), %.2f s per 10 min",
                 vad.realTimeFactor.median, vad.realTimeFactor.minimum, vad.realTimeFactor.maximum, vad.realTimeFactor.median * 600))
    print(String(format: "peak resident memory %8.1f MB", peakResidentMB()))
}
