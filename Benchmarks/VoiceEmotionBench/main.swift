// voice-emotion-bench: speed measurements (see Docs/Benchmarks.md).
//
//   swift run -c release voice-emotion-bench [--threads N] [--runs N] [--json]
//       [--only sgemm,vad,wav2vec2,e2e,prosody,live] [--model DIR] [--configs base,large] [--lengths 3,10,30]
//       (prosody and live run only when named: --only prosody,live)
//   swift run -c release voice-emotion-bench --write-random-model base|large DIR
//   swift run -c release voice-emotion-bench --convert DIR [--runs N]   (DIR/pytorch_model.bin)
//   swift run -c release voice-emotion-bench --journal 10000 [--runs N] [--keep-page FILE]
//
// Reports the hardware reference (sgemm), the Silero VAD (one thread), Wav2Vec2 forward passes
// (random weights with the real shapes unless --model is given) and analyze end to end, with a
// warm-up, medians and ranges, the thread count and the peak resident memory.

import Foundation
import TensorKernels

let settings = parseArguments()
if let request = settings.writeModel {
    // A random-weight model folder kept for other measurements (e.g. memory of a long analysis).
    let folder = try writeRandomModel(standardConfig(request.config), to: URL(fileURLWithPath: request.folder))
    print("wrote a random-weight \(request.config) model to \(folder.path)")
    exit(0)
}
if let folder = settings.convertFolder {
    // The native checkpoint converter against a plain copy of the same file.
    try benchmarkConversion(folder: folder, runs: settings.runs).forEach { print($0) }
    exit(0)
}
if let memos = settings.journalMemos {
    // The stress journal: per-memo overhead of `journal add`, and the dashboard of N memos.
    try benchmarkJournal(memos: memos, runs: settings.runs, keep: settings.keepPage).forEach { print($0) }
    exit(0)
}
BLAS.setThreadCount(settings.threads)
var report: [(String, String)] = [("threads", "\(settings.threads)"), ("runs", "\(settings.runs)")]
var lines: [String] = ["voice-emotion-bench: \(settings.threads) threads, \(settings.runs) runs after a warm-up; median (min-max)"]

let sgemm = benchmarkSgemm(runs: settings.runs)
report.append(("sgemm_gflops", format(sgemm.median, 1)))
report.append(("sgemm_gflops_range", "[\(format(sgemm.minimum, 1)), \(format(sgemm.maximum, 1))]"))
lines.append("sgemm 1024^3            \(format(sgemm.median, 1)) GFLOP/s (\(format(sgemm.minimum, 1))-\(format(sgemm.maximum, 1)))")

if settings.includes("vad") {
    let vad = try benchmarkVAD(runs: settings.runs)
    report.append(("vad", vad.json))
    lines += vad.lines
}
if settings.includes("wav2vec2") {
    let w2v = try benchmarkWav2Vec2(settings: settings)
    report.append(("wav2vec2", w2v.json))
    lines += w2v.lines
}
if settings.includes("e2e") {
    let e2e = try benchmarkEndToEnd(settings: settings)
    report.append(("end_to_end", e2e.json))
    lines += e2e.lines
}
if settings.only?.contains("prosody") == true {
    let prosody = try benchmarkProsody(settings: settings)
    report.append(("prosody", prosody.json))
    lines += prosody.lines
}
if settings.only?.contains("live") == true {
    // Real time (the sample's length per model): only when asked for by name.
    let live = try benchmarkLive(settings: settings)
    report.append(("live", live.json))
    lines += live.lines
}
// The peak is reset after each random model is written (wav2vec2 entries and the end-to-end
// entry carry their own peaks); this is the peak of what ran after the last reset.
report.append(("peak_rss_mb", format(peakResidentMB(), 1)))
report.append(("peak_rss_reset_after_model_writing", peakWasReset ? "true" : "false"))
lines.append("peak resident memory    \(format(peakResidentMB(), 1)) MB" + (peakWasReset ? " (since the last random model was written)" : ""))

if settings.json {
    print("{" + report.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
} else {
    lines.forEach { print($0) }
}
