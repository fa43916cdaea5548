// `--only live`: the bundled sample pushed in real time, in 20 ms blocks, through
// LiveEmotionAnalyzer with the base and the large model (random weights with the real shapes,
// or --model): how long after the end of speech each segment's result comes, how long updates
// take, how many updates are coalesced, and the CPU time per second of audio. Runs in real time
// (24 s per model), so it is not part of the default run.

import AudioInput
import Foundation
import VoiceEmotion

/// CPU seconds (user + system) this process has used.
private func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

private func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// Events received, with the wall time each arrived.
private final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(LiveEvent, UInt64)] = []
    func add(_ event: LiveEvent) { lock.withLock { items.append((event, DispatchTime.now().uptimeNanoseconds)) } }
    var all: [(LiveEvent, UInt64)] { lock.withLock { items } }
}

func benchmarkLive(settings: Settings) throws -> Section {
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Docs/Samples/voice-memo.flac").path
    let speech = try AudioLoader.load(path: sample, sampleRate: modelSampleRate).samples
    let seconds = Double(speech.count) / Double(modelSampleRate)
    var lines = ["live: the \(format(seconds, 1)) s sample pushed in real time in 20 ms blocks; latencies median / p95 (max)"]
    var json: [String] = []
    for config in settings.model == nil ? settings.configs : ["model"] {
        let folder = try settings.model.map { URL(fileURLWithPath: $0) } ?? writeRandomModel(standardConfig(config))
        defer { if settings.model == nil { try? FileManager.default.removeItem(at: folder) } }
        let analyzer = try EmotionAnalyzer(modelFolder: folder)
        _ = try analyzer.model!.scores([Float](repeating: 0.01, count: 16_000), shouldStop: nil)  // warm-up: buffers allocated
        let live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: modelSampleRate)
        let received = Received()
        let done = DispatchSemaphore(value: 0)
        Task {
            for await event in live.events { received.add(event) }
            done.signal()
        }
        let block = modelSampleRate / 50
        let cpuBefore = cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        var offset = 0
        while offset < speech.count {
            try speech.withUnsafeBufferPointer { try live.push(UnsafeBufferPointer(rebasing: $0[offset..<min(offset + block, speech.count)])) }
            offset += block
            let due = start + UInt64(Double(offset) / Double(modelSampleRate) * 1e9)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { usleep(UInt32((due - now) / 1000)) }
        }
        live.finish()
        done.wait()
        let cpu = cpuSeconds() - cpuBefore
        let events = received.all
        // Each segment's own compute time: the same samples through the offline path (median of 3).
        var ended: [(segment: SegmentAnalysis, afterSpeech: Double, detection: Double, compute: Double)] = []
        var updateLatencies: [Double] = []
        var (updates, skipped) = (0, 0)
        for (event, arrival) in events {
            switch event {
            case .speechEnded(let e):
                let segment = SpeechSegment(start: Int((e.segment.startSeconds * 16_000).rounded()), end: Int((e.segment.endSeconds * 16_000).rounded()), sampleRate: 16_000)
                let timing = try Timing(runs: 3, warmUp: false) {
                    _ = try analyzer.analyzeBlocking(samples: Array(speech[segment.start..<segment.end]), speechSegments: [SpeechSegment(start: 0, end: segment.end - segment.start, sampleRate: 16_000)])
                }
                let speechEnd = start + UInt64(e.segment.endSeconds * 1e9)
                ended.append((e.segment, Double(Int64(arrival) - Int64(speechEnd)) / 1e9, e.latency, timing.median))
            case .update(let u):
                updates += 1
                skipped += u.skipped
                updateLatencies.append(u.latency)
            case .speechStarted:
                break
            }
        }
        let afterSpeech = ended.map(\.afterSpeech), overCompute = ended.map { $0.afterSpeech - $0.compute }
        let coalesced = Double(skipped) / Double(max(1, updates + skipped))
        func ms(_ x: Double) -> String { format(x * 1000, 0) }
        lines.append("  \(config): \(ended.count) segments, \(updates) updates (\(format(100 * coalesced, 1))% coalesced), CPU \(format(cpu / seconds, 3)) s per audio second")
        lines.append("    speech_ended after the end of speech  \(ms(percentile(afterSpeech, 0.5))) / \(ms(percentile(afterSpeech, 0.95))) ms (max \(ms(afterSpeech.max() ?? .nan)))")
        lines.append("      of which the segment's own compute  \(ms(percentile(ended.map(\.compute), 0.5))) / \(ms(percentile(ended.map(\.compute), 0.95))) ms;"
                     + " beyond it \(ms(percentile(overCompute, 0.5))) / \(ms(percentile(overCompute, 0.95))) ms (target: median <= 150 ms)")
        lines.append("      from the push that ended it         \(ms(percentile(ended.map(\.detection), 0.5))) / \(ms(percentile(ended.map(\.detection), 0.95))) ms")
        lines.append("    update latency                        \(ms(percentile(updateLatencies, 0.5))) / \(ms(percentile(updateLatencies, 0.95))) ms (max \(ms(updateLatencies.max() ?? .nan))) (target: p95 <= 1500 ms)")
        json.append("\"\(config)\": {\"segments\": \(ended.count), \"updates\": \(updates), \"coalesced_share\": \(format(coalesced, 4)), "
                    + "\"cpu_seconds_per_audio_second\": \(format(cpu / seconds, 4)), \"ended_after_speech_s\": {\"median\": \(format(percentile(afterSpeech, 0.5), 4)), "
                    + "\"p95\": \(format(percentile(afterSpeech, 0.95), 4))}, \"ended_beyond_compute_s\": {\"median\": \(format(percentile(overCompute, 0.5), 4))}, "
                    + "\"update_latency_s\": {\"median\": \(format(percentile(updateLatencies, 0.5), 4)), \"p95\": \(format(percentile(updateLatencies, 0.95), 4))}}")
    }
    return Section(json: "{" + json.joined(separator: ", ") + "}", lines: lines)
}
