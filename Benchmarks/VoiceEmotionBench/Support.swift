// Argument parsing, timing and memory helpers of the benchmark.

import ArgumentParser
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

/// The command line, parsed by swift-argument-parser (usage, help and errors as every other
/// command of the package).
struct BenchArguments: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "voice-emotion-bench")

    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option(help: "Timed runs after one warm-up.") var runs: Int = 5
    @Option(name: .customLong("e2e-runs"), help: "Runs of the end-to-end analysis.") var endToEndRuns: Int = 3
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Only these parts, comma-separated: sgemm,vad,wav2vec2,e2e,prosody,live (prosody and live run only when named).")
    var only: String?
    @Option(help: "A model folder instead of random weights.") var model: String?
    @Option(help: "Model shapes, comma-separated: base,large.") var configs: String = "base,large"
    @Option(help: "Audio lengths in seconds, comma-separated.") var lengths: String = "3,10,30"
    @Option(name: .customLong("write-random-model"), parsing: .upToNextOption, help: "base|large DIR: write a random-weight model folder and exit.")
    var writeRandomModel: [String] = []
    @Option(help: "Time converting DIR/pytorch_model.bin against a plain copy, and exit.") var convert: String?
    @Option(help: "The journal and dashboard on N synthetic memos, and exit.") var journal: Int?
    @Option(name: .customLong("keep-page"), help: "With --journal: keep the dashboard page in this file.") var keepPage: String?

    func validate() throws {
        for (flag, value) in [("--runs", runs), ("--e2e-runs", endToEndRuns), ("--threads", threads ?? 1), ("--journal", journal ?? 1)] where value < 1 {
            throw ValidationError("\(flag) needs a positive integer")
        }
        if !writeRandomModel.isEmpty, writeRandomModel.count != 2 || !["base", "large"].contains(writeRandomModel[0]) {
            throw ValidationError("--write-random-model needs base or large, then a folder")
        }
        let seconds = lengths.split(separator: ",").compactMap { Double($0) }
        guard !seconds.isEmpty, seconds.count == lengths.split(separator: ",").count, seconds.allSatisfy({ $0 > 0.05 }) else {
            throw ValidationError("--lengths needs seconds like 3,10,30")
        }
    }

    var settings: Settings {
        var settings = Settings()
        settings.threads = threads ?? settings.threads
        settings.runs = runs
        settings.endToEndRuns = endToEndRuns
        settings.json = json
        settings.only = only.map { Set($0.split(separator: ",").map(String.init)) }
        settings.model = model
        settings.configs = configs.split(separator: ",").map(String.init)
        settings.lengths = lengths.split(separator: ",").compactMap { Double($0) }
        settings.writeModel = writeRandomModel.count == 2 ? (writeRandomModel[0], writeRandomModel[1]) : nil
        settings.convertFolder = convert
        settings.journalMemos = journal
        settings.keepPage = keepPage
        return settings
    }
}

/// The settings of this run (exits with usage on bad arguments, or with help).
func parseArguments() -> Settings { BenchArguments.parseOrExit().settings }

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
