// Pass 2 of the pipeline: one read of the audio feeds every measurement that works on stretches
// of the speech. Each measurement is a `SegmentConsumer` (the emotion model's windows, the voice
// markers' segments with their margins; the next issue's speaker embeddings): it says which
// sample ranges it needs and is handed each one as soon as its samples have gone by. One decode,
// one progress (a stage per consumer, weighted by cost), one cancellation path (the progress
// handler, which the async entry points tie to task cancellation), and only the samples some
// consumer still needs are kept.

import Foundation
import Prosody
import VoiceEmotionCore

/// A measurement over stretches of the recording, fed by pass 2.
protocol SegmentConsumer: AnyObject {
    /// The progress stage it runs under.
    var stage: AnalysisProgress.Stage { get }
    /// The sample ranges it needs, with `lowerBound` and `upperBound` each non-decreasing (an
    /// `upperBound` may pass the end of the audio: such a range gets what there is).
    var ranges: [Range<Int>] { get }
    /// The relative cost of each range, in seconds of this machine (for progress).
    var costs: [Double] { get }
    /// Takes range `index` with its samples.
    func consume(_ index: Int, _ samples: ArraySlice<Float>) throws
    /// Seconds spent in `consume`.
    var seconds: Double { get }
}

/// The emotion model over the planned windows; scores per segment, each with its window's length
/// as weight.
final class EmotionConsumer: SegmentConsumer {
    let stage = AnalysisProgress.Stage.classifyingEmotion
    let ranges: [Range<Int>]
    let costs: [Double]
    private let model: any EmotionModel
    private let windows: [Window]
    private let label: String
    private(set) var scores: [[([EmotionScore], Double)]]
    private(set) var seconds = 0.0

    init(model: any EmotionModel, windows: [Window], segments: Int, label: String) {
        self.model = model
        self.windows = windows
        self.label = label
        ranges = windows.map { $0.first..<$0.last }
        costs = windows.map { ProgressTracker.modelSeconds(model, samples: $0.count) }
        scores = [[([EmotionScore], Double)]](repeating: [], count: segments)
    }

    func consume(_ index: Int, _ samples: ArraySlice<Float>) throws {
        let window = windows[index]
        guard samples.count == window.count else {
            throw VoiceEmotionError.corruptAudio(path: label, reason: "the file changed while it was being analysed")
        }
        let clock = Date()
        let outputs = try model.scores(Array(samples), shouldStop: nil)
        seconds += Date().timeIntervalSince(clock)
        scores[window.segment].append((zip(model.labels, outputs).map { EmotionScore(label: $0, score: Double($1)) }, Double(window.count)))
    }
}

/// Each segment's voice markers from its own samples and a margin (on the recording's frame
/// grids, so they equal the whole-file analysis); the recording's from the segments pooled.
final class ProsodyConsumer: SegmentConsumer {
    let stage = AnalysisProgress.Stage.measuringVoice
    let ranges: [Range<Int>]
    let costs: [Double]
    private let segments: [SpeechSegment]
    private let sampleRate: Int, recordingCount: Int
    private let peak: Double, centredMean: Double, centredPeak: Double
    private(set) var parts: [SegmentProsody] = []
    private(set) var seconds = 0.0

    /// `statistics`: pass 1's peak, minimum, maximum and sum of the samples (the markers'
    /// thresholds are relative to the recording's peak and its largest deviation from the mean).
    init(segments: [SpeechSegment], sampleRate: Int, recordingCount: Int, peak: Double, minimum: Double, maximum: Double, sum: Double) {
        self.segments = segments
        self.sampleRate = sampleRate
        self.recordingCount = recordingCount
        self.peak = peak
        let centred = Harmonicity.centredPeak(minimum: minimum, maximum: maximum, sum: sum, count: recordingCount)
        (centredMean, centredPeak) = (centred.mean, centred.peak)
        let margin = Int(ProsodyAnalysis.segmentMargin * Double(sampleRate))
        ranges = segments.map { max(0, $0.start - margin)..<($0.end + margin) }
        costs = ranges.map { Double($0.count) / Double(sampleRate) * StageCosts.markersSecondsPerAudioSecond }
    }

    func consume(_ index: Int, _ samples: ArraySlice<Float>) throws {
        let clock = Date()
        parts.append(ProsodyAnalysis.analyzeSegment(Array(samples), sampleRate: sampleRate, offset: ranges[index].lowerBound,
                                                    recordingCount: recordingCount, start: segments[index].startSeconds,
                                                    end: segments[index].endSeconds, recordingPeak: peak, recordingMean: centredMean,
                                                    recordingCentredPeak: centredPeak))
        seconds += Date().timeIntervalSince(clock)
    }

    /// The markers of each segment and of the recording.
    func pooled() -> (segments: [ProsodySummary], recording: ProsodySummary) {
        let result = ProsodySummary.pooled(parts, segments: segments.map { (start: $0.startSeconds, end: $0.endSeconds) })
        return (result.segments, result.recording)
    }
}

extension EmotionAnalyzer {
    /// Pass 2: reads `source` once and hands every consumer each of its ranges as soon as the
    /// samples have gone by (the range that ends first goes first), keeping only the samples a
    /// later range still needs. Progress runs from `tracker.speechShare` to 1 in proportion to
    /// the consumers' costs. Returns the seconds spent decoding.
    func feed(_ consumers: [any SegmentConsumer], from source: SampleSource, tracker: inout ProgressTracker) throws -> Double {
        var next = [Int](repeating: 0, count: consumers.count)
        let total = consumers.reduce(0.0) { $0 + $1.costs.reduce(0, +) }
        guard consumers.contains(where: { !$0.ranges.isEmpty }) else { return 0 }
        var done = 0.0
        var pending: [Float] = []
        var pendingStart = 0
        let start = Date()
        func remaining() -> Bool { consumers.indices.contains { next[$0] < consumers[$0].ranges.count } }
        func handReady(final: Bool, tracker: inout ProgressTracker) throws {
            let available = pendingStart + pending.count
            while true {
                var chosen: Int?
                for c in consumers.indices where next[c] < consumers[c].ranges.count {
                    let end = consumers[c].ranges[next[c]].upperBound
                    guard final || end <= available else { continue }
                    if chosen.map({ end < consumers[$0].ranges[next[$0]].upperBound }) ?? true { chosen = c }
                }
                guard let c = chosen else { return }
                let range = consumers[c].ranges[next[c]]
                let lower = max(range.lowerBound, pendingStart) - pendingStart, upper = min(range.upperBound, available) - pendingStart
                try consumers[c].consume(next[c], pending[lower..<max(lower, upper)])
                done += consumers[c].costs[next[c]]
                next[c] += 1
                try tracker.update(consumers[c].stage, tracker.speechShare + (1 - tracker.speechShare) * (total > 0 ? done / total : 1))
            }
        }
        _ = try source.read { (block) throws in
            pending.append(contentsOf: block)
            try handReady(final: false, tracker: &tracker)
            // Drop what no later range needs (each consumer's ranges start in time order).
            let keepFrom = consumers.indices.filter { next[$0] < consumers[$0].ranges.count }
                .map { consumers[$0].ranges[next[$0]].lowerBound }.min() ?? pendingStart + pending.count
            let drop = min(max(0, keepFrom - pendingStart), pending.count)
            pending.removeFirst(drop)
            pendingStart += drop
            return remaining()
        }
        try handReady(final: true, tracker: &tracker)  // ranges whose margin runs past the end
        let consuming = consumers.reduce(0.0) { $0 + $1.seconds }
        return max(0, Date().timeIntervalSince(start) - consuming)
    }
}
