// Argument parsing, timing and memory helpers of the benchmark.

import VoiceEmotionCore
import AudioInput
import Foundation
import TensorKernels

struct Settings {
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var runs = 5
    var json = false
    var only: Set<String>? = nil
    var model: String? = nil
    var configs = ["base", "large"]
    var lengths: [Double] = [3, 10, 30]
    var endToEndRuns = 3
    /// `--write-random-model CONFIG DIR`: write a random-weight model folder and exit.
    var writeModel: (config: String, folder: String)? = nil
    /// `--convert DIR`: time converting DIR/pytorch_model.bin against cp, and exit.
    var convertFolder: String? = nil
    /// `--journal N`: the journal and dashboard on N synthetic memos; `--keep-page FILE` keeps the page.
    var journalMemos: Int? = nil
    var keepPage: String? = nil

    func includes(_ part: String) -> Bool { only?.contains(part) ?? true }
}

func parseArguments() -> Settings {
    var settings = Settings()
    var arguments = CommandLine.arguments.dropFirst()
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("voice-emotion-bench: \(message)\n".utf8))
        exit(2)
    }
    func value(_ flag: String) -> String {
        guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
        return value
    }
    func positive(_ flag: String) -> Int {
        guard let n = Int(value(flag)), n >= 1 else { fail("\(flag) needs a positive integer") }
        return n
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--json": settings.json = true
        case "--threads": settings.threads = positive(argument)
        case "--runs": settings.runs = positive(argument)
        case "--e2e-runs": settings.endToEndRuns = positive(argument)
        case "--only": settings.only = Set(value(argument).split(separator: ",").map(String.init))
        case "--model": settings.model = value(argument)
        case "--write-random-model":
            let config = value(argument), folder = value(argument)
            guard ["base", "large"].contains(config) else { fail("--write-random-model needs base or large, then a folder") }
            settings.writeModel = (config, folder)
        case "--convert": settings.convertFolder = value(argument)
        case "--journal": settings.journalMemos = positive(argument)
        case "--keep-page": settings.keepPage = value(argument)
        case "--configs": settings.configs = value(argument).split(separator: ",").map(String.init)
        case "--lengths":
            let lengths = value(argument).split(separator: ",").compactMap { Double($0) }
            guard !lengths.isEmpty, lengths.allSatisfy({ $0 > 0.05 }) else { fail("--lengths needs seconds like 3,10,30") }
            settings.lengths = lengths
        default:
            fail("usage: voice-emotion-bench [--threads N] [--runs N] [--e2e-runs N] [--json] [--only sgemm,vad,wav2vec2,e2e,prosody,live] "
                 + "[--model DIR] [--configs base,large] [--lengths 3,10,30] | --write-random-model base|large DIR | --convert DIR [--runs N] | --journal N [--runs N] [--keep-page FILE]")
        }
    }
    return settings
}

/// Sorted durations (seconds) of `runs` runs after one warm-up run.
struct Timing {
    let sorted: [Double]
    var median: Double { sorted[sorted.count / 2] }
    var minimum: Double { sorted.first! }
    var maximum: Double { sorted.last! }

    init(sorted: [Double]) { self.sorted = sorted.sorted() }

    init(runs: Int, warmUp: Bool = true, _ body: () throws -> Void) rethrows {
        if warmUp { try body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        sorted = times.sorted()
    }

    func scaled(_ factor: Double) -> Timing { Timing(sorted: sorted.map { $0 * factor }) }
    var json: String { "{\"median\": \(format(median, 6)), \"min\": \(format(minimum, 6)), \"max\": \(format(maximum, 6))}" }
}

func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// Resets the peak resident memory (Linux: `clear_refs` 5), so a later `peakResidentMB()`
/// measures one phase, not the random model written before it. Returns false where unsupported.
@discardableResult
func resetPeakResident() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    let done = (try? handle.write(contentsOf: Data("5".utf8))) != nil
    if done { peakWasReset = true }
    return done
}

/// Whether `resetPeakResident` has reset the peak at least once.
nonisolated(unsafe) var peakWasReset = false

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

/// sgemm 1024³ throughput in GFLOP/s at the current thread count.
func benchmarkSgemm(runs: Int) -> (median: Double, minimum: Double, maximum: Double) {
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

/// The bundled sample recording.
let samplePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Docs/Samples/voice-memo.flac").standardizedFileURL.path

/// `seconds` of 16 kHz speech: the sample recording repeated (71% speech).
func speechRecording(seconds: Double) throws -> [Float] {
    let memo = try AudioLoader.load(path: samplePath, sampleRate: modelSampleRate).samples
    let count = Int(seconds * Double(modelSampleRate))
    var audio: [Float] = []
    audio.reserveCapacity(count)
    while audio.count < count { audio += memo }
    return Array(audio.prefix(count))
}
