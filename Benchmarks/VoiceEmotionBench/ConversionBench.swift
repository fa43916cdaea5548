// `--convert DIR`: converting a hub folder's pytorch_model.bin to model.safetensors (the native
// converter behind `voice-emotion models convert` and `models pull`), against a plain copy of
// the same file with cp, alternated in one run; and the converter's memory: the peak of its
// anonymous memory (the tensor being converted) and of its mapped file pages, sampled every 2 ms.

import Foundation
import TorchCheckpoint

/// One field of /proc/self/status in bytes (Linux), or nil.
private func statusBytes(_ field: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
    return kb * 1024
}

/// The largest of the samples of two /proc/self/status fields while `body` runs.
private final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private(set) var peakAnonymous = 0
    private(set) var peakFile = 0

    func measure(_ body: () throws -> Void) rethrows {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let anonymous = statusBytes("RssAnon") ?? 0, file = statusBytes("RssFile") ?? 0
                lock.withLock {
                    peakAnonymous = max(peakAnonymous, anonymous)
                    peakFile = max(peakFile, file)
                }
                usleep(2000)
            }
        }
        thread.start()
        defer { lock.withLock { running = false } }
        try body()
    }
}

/// Writes `path`'s data to disk before the clock stops, so both sides pay for the disk.
private func flush(_ path: String) {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
}

func benchmarkConversion(folder: String, runs: Int) throws -> [String] {
    let source = URL(fileURLWithPath: folder)
    let bin = source.appendingPathComponent("pytorch_model.bin").path
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("convert-bench-\(UUID())")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let copy = scratch.appendingPathComponent("copy.bin").path
    let converted = scratch.appendingPathComponent("converted")

    let checkpoint = try TorchCheckpoint(path: bin)  // read for its sizes only: no data pages touched
    let largest = try checkpoint.names.map { try checkpoint.shape($0).reduce(1, *) * checkpoint.dtype($0).byteSize }.max() ?? 0
    let fileBytes = (try FileManager.default.attributesOfItem(atPath: bin)[.size] as? Int) ?? 0

    // Each run does both, alternating which goes first; the clock includes fsync of the output
    // when `synced` (the disk's speed, shared and noisy here), not otherwise (the program's own
    // cost: reading, checking, writing into the page cache).
    func measure(synced: Bool) throws -> (copy: [Double], convert: [Double]) {
        var copyTimes: [Double] = [], convertTimes: [Double] = []
        for run in 0...runs {  // run 0 warms the page cache
            try? FileManager.default.removeItem(atPath: copy)
            try? FileManager.default.removeItem(at: converted)
            var copySeconds = 0.0, convertSeconds = 0.0
            for step in run % 2 == 0 ? [0, 1] : [1, 0] {
                let start = DispatchTime.now().uptimeNanoseconds
                if step == 0 {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/cp")
                    process.arguments = [bin, copy]
                    try process.run()
                    process.waitUntilExit()
                    if synced { flush(copy) }
                    copySeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                } else {
                    try sampler.measure { try ModelConversion.convert(source: folder, destination: converted.path) }
                    if synced { flush(converted.appendingPathComponent("model.safetensors").path) }
                    convertSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                }
            }
            if run > 0 {
                copyTimes.append(copySeconds)
                convertTimes.append(convertSeconds)
            }
        }
        return (copyTimes, convertTimes)
    }
    let baselineAnonymous = statusBytes("RssAnon") ?? 0
    let sampler = MemorySampler()
    var lines = ["convert \(format(Double(fileBytes) / 1_048_576, 1)) MB pytorch_model.bin (\(checkpoint.names.count) tensors) "
                 + "against cp, \(runs) runs after a warm-up, alternating; median (min-max)"]
    for synced in [false, true] {
        let (copyTimes, convertTimes) = try measure(synced: synced)
        let copyTiming = Timing(sorted: copyTimes), convertTiming = Timing(sorted: convertTimes)
        let ratios = Timing(sorted: zip(convertTimes, copyTimes).map { $0 / $1 })
        lines += [
            synced ? "  with fsync of the output:" : "  into the page cache (no fsync):",
            "    cp of the file     \(format(copyTiming.median, 2)) s (\(format(copyTiming.minimum, 2))-\(format(copyTiming.maximum, 2)))",
            "    convert to F32     \(format(convertTiming.median, 2)) s (\(format(convertTiming.minimum, 2))-\(format(convertTiming.maximum, 2)))",
            "    convert / cp       \(format(ratios.median, 2))x (\(format(ratios.minimum, 2))-\(format(ratios.maximum, 2))), paired per run",
        ]
    }
    let megabytes = { (bytes: Int) in format(Double(bytes) / 1_048_576, 1) }
    let anonymous = max(0, sampler.peakAnonymous - baselineAnonymous)
    return lines + [
        "  peak anonymous memory \(megabytes(anonymous)) MB above the start = \(format(Double(anonymous) / Double(max(largest, 1)), 2))x the largest tensor (\(megabytes(largest)) MB)",
        "  peak mapped file pages \(megabytes(sampler.peakFile)) MB (the program and the checkpoint's mapped pages)",
    ]
}
