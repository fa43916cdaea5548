// `--journal N`: the stress journal's costs on a synthetic journal of N memos (seeded, eight
// memos a day, eight labels, six segments each): what `journal add` adds to each memo beyond its
// analysis (hashing the memo file, and the insert transaction), and the dashboard of the whole
// journal (read, summarise, render) with the size of the page.

import Foundation
import VoiceEmotion
import VoiceEmotionJournal

/// A small seeded generator (SplitMix64), so every run builds the same journal.
private struct Seeded {
    var state: UInt64
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

private let labels = ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]

/// One synthetic memo's analysis: Monday mornings a little more stressed, as in real journals.
private func syntheticAnalysis(_ random: inout Seeded, weekday: Int, hour: Int) -> RecordingAnalysis {
    var raw = labels.map { _ in random.next() + 0.05 }
    if weekday == 1 && hour < 12 { raw[0] += 0.6; raw[3] += 0.4 }
    let total = raw.reduce(0, +)
    let scores = zip(labels, raw).map { EmotionScore(label: $0, score: $1 / total) }
    let stress = StressWeights.standard.stress(scores)
    let duration = 20 + 100 * random.next()
    var segments: [SegmentAnalysis] = []
    var t = 0.5
    for _ in 0..<6 {
        let length = duration / 8
        segments.append(SegmentAnalysis(startSeconds: t, endSeconds: t + length, scores: scores, dimensions: nil, stress: stress, windows: 1))
        t += length * 1.25
    }
    return RecordingAnalysis(file: "/memos/memo.m4a", durationSeconds: duration, speechSeconds: duration * 0.75, segments: segments,
                             scores: scores, dimensions: nil, dominant: scores.max { $0.score < $1.score }?.emotion, stress: stress, timings: AnalysisTimings())
}

/// Builds the journal and measures; returns report lines.
func benchmarkJournal(memos: Int, runs: Int, keep: String?) throws -> [String] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-bench-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let journal = try Journal(path: folder.appendingPathComponent("journal.sqlite").path)
    let model = ModelIdentity(name: "synthetic", sha256: String(repeating: "0", count: 64))
    var random = Seeded(state: 42)
    let days = max(7, memos / 8)
    let start = LocalTime(year: 2024, month: 1, day: 1)
    var addTimes: [Double] = []
    for i in 0..<memos {
        let day = i * days / memos
        let hour = 6 + Int(random.next() * 17)
        let local = start.adding(days: day)
        let text = "\(local.dayText)T\(String(format: "%02d", hour)):\(String(format: "%02d", Int(random.next() * 60))):00Z"
        let analysis = syntheticAnalysis(&random, weekday: local.weekday, hour: hour)
        let began = DispatchTime.now().uptimeNanoseconds
        try journal.add(analysis, contentSHA256: String(format: "%064x", i), model: model,
                        recordedAt: RecordingTime(iso8601: text, source: .metadata, tag: "bench"), replace: false)
        addTimes.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
    }
    addTimes.sort()
    // Hashing a memo file: the bundled 24 s sample (FLAC) stands for a typical memo.
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Docs/Samples/voice-memo.flac").path
    let sampleBytes = (try? FileManager.default.attributesOfItem(atPath: sample)[.size] as? Int) ?? 0
    let hashing = try Timing(runs: max(runs, 5)) { _ = try Journal.contentSHA256(ofFile: sample) }
    // The dashboard of the whole journal, as `voice-emotion dashboard` makes it.
    var page = ""
    let today = start.adding(days: days)
    let dashboard = try Timing(runs: runs) { page = try JournalDashboard.html(journal: journal, options: DashboardOptions(today: today)) }
    let read = try Timing(runs: runs) { _ = try journal.recordings(JournalFilter(latestPerContent: true, includeSegments: false)) }
    let recordings = try journal.recordings(JournalFilter(latestPerContent: true, includeSegments: false))
    let summary = Timing(runs: runs) { _ = JournalSummary(recordings) }
    if let keep { try Data(page.utf8).write(to: URL(fileURLWithPath: keep)) }
    func ms(_ seconds: Double) -> String { format(seconds * 1000, 2) }
    let addMedian = addTimes[addTimes.count / 2], add95 = addTimes[min(addTimes.count - 1, addTimes.count * 95 / 100)]
    return [
        "journal of \(memos) memos over \(days) days (8 labels, 6 segments each); \(runs) runs after a warm-up; median (min-max)",
        "  add (one transaction)   \(ms(addMedian)) ms median, p95 \(ms(add95)) ms, max \(ms(addTimes.last!)) ms",
        "  hash a memo (\(sampleBytes / 1000) kB)  \(ms(hashing.median)) ms (\(ms(hashing.minimum))-\(ms(hashing.maximum)))",
        "  overhead per memo       \(ms(addMedian + hashing.median)) ms beyond the analysis (target <= 5 ms)",
        "  read all memos          \(ms(read.median)) ms (\(ms(read.minimum))-\(ms(read.maximum)))",
        "  summarise               \(ms(summary.median)) ms (\(ms(summary.minimum))-\(ms(summary.maximum)))",
        "  dashboard               \(ms(dashboard.median)) ms (\(ms(dashboard.minimum))-\(ms(dashboard.maximum))) (target <= 1000 ms)",
        "  page size               \(format(Double(page.utf8.count) / 1e6, 2)) MB (target <= 5 MB)" + (keep.map { ", written to \($0)" } ?? ""),
    ]
}
