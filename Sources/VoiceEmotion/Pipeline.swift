// The one analysis pipeline, over audio that can be read more than once (a file, decoded again
// for each pass; an array, sliced): detect speech (pass 1) -> plan windows -> classify each window
// as its samples go by (pass 2) -> assemble segment and recording results. Each stage is a small
// function; `EmotionAnalyzer`'s entry points only choose the source.

import AudioInput
import Foundation
import SileroVAD
import VoiceEmotionCore
import Wav2Vec2

/// Audio the pipeline reads in passes, block by block, at a fixed rate.
protocol SampleSource {
    /// Names the audio in errors and results (the file's path, or "<samples>").
    var label: String { get }
    /// The rate of the delivered samples.
    var sampleRate: Int { get }
    /// Samples in the audio, when known before reading (for progress).
    var expectedCount: Int? { get }
    /// One pass: `body` gets consecutive blocks and returns false to stop early. Returns the
    /// number of samples delivered.
    func read(_ body: (UnsafeBufferPointer<Float>) throws -> Bool) throws -> Int
}

/// A file decoded (and resampled) afresh on every pass, never held whole.
struct FileSource: SampleSource {
    let label: String
    let sampleRate: Int
    /// The file's description, read once (a file ffmpeg decodes is not probed again per pass).
    let info: AudioFormatInfo
    var expectedCount: Int? { info.frames.map { Int(Double($0) * Double(sampleRate) / Double(info.sampleRate)) } }

    init(path: String, sampleRate: Int) throws {
        label = path
        self.sampleRate = sampleRate
        info = try AudioLoader.info(path: path)
    }

    func read(_ body: (UnsafeBufferPointer<Float>) throws -> Bool) throws -> Int {
        var failure: (any Error)?
        let summary = try AudioLoader.stream(path: label, knownInfo: info, sampleRate: sampleRate) { block in
            do throws { return try body(block) } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return summary.samples
    }
}

/// Samples already in memory, handed over in blocks of the size a decode delivers.
struct ArraySource: SampleSource {
    let samples: [Float]
    let sampleRate: Int
    var label: String { "<samples>" }
    var expectedCount: Int? { samples.count }

    func read(_ body: (UnsafeBufferPointer<Float>) throws -> Bool) throws -> Int {
        let result = samples.withUnsafeBufferPointer { all in
            Result { () throws -> Int in
                var offset = 0
                while offset < all.count {
                    let end = min(offset + 65_536, all.count)
                    defer { offset = end }
                    if try !body(UnsafeBufferPointer(rebasing: all[offset..<end])) { return end }
                }
                return all.count
            }
        }
        return try result.get()
    }
}

/// One stretch of a speech segment given to the model at once.
struct Window {
    let segment: Int
    let first: Int
    let last: Int
    var count: Int { last - first }
}

/// Where the time of an analysis goes, for a progress fraction that moves evenly. Measured on the
/// development machine (Docs/Benchmarks.md: VAD RTF 0.0006 plus decoding 0.05 ms per second;
/// the models at 105-116 GFLOP/s of their matrix products on two cores). Only the ratio matters.
struct StageCosts {
    static let speechDetectionSecondsPerAudioSecond = 0.0007
    static let modelFlopsPerSecond = 100e9
    /// Before pass 1 the speech is not known yet: this share of the audio is assumed to be speech.
    static let assumedSpeechRatio = 0.7
}

/// Progress of one analysis: pass 1 takes the share its cost has among all stages (estimated
/// until the windows are known), pass 2 the rest in proportion to each window's FLOPs.
struct ProgressTracker {
    let report: ((AnalysisProgress) -> Bool)?
    private(set) var speechShare = 1.0
    private var lastFraction = 0.0

    /// `windowSamples`: the longest window the model is given (the estimate cuts the assumed
    /// speech into such windows, as the plan will).
    init(report: ((AnalysisProgress) -> Bool)?, model: (any EmotionModel)?, windowSamples: Int, expectedSamples: Int?, sampleRate: Int) {
        self.report = report
        guard let model else { return }
        let seconds = Double(expectedSamples ?? 60 * sampleRate) / Double(sampleRate)
        let speechSamples = Int(seconds * StageCosts.assumedSpeechRatio * Double(modelSampleRate))
        let windows = speechSamples / max(windowSamples, 1)
        let emotion = Double(windows) * Self.modelSeconds(model, samples: windowSamples)
            + Self.modelSeconds(model, samples: speechSamples - windows * windowSamples)
        let speech = seconds * StageCosts.speechDetectionSecondsPerAudioSecond
        speechShare = speech / max(speech + emotion, 1e-9)
    }

    static func modelSeconds(_ model: any EmotionModel, samples: Int) -> Double {
        model.estimatedFlops(samples: samples) / StageCosts.modelFlopsPerSecond
    }

    /// Reports a fraction (never going back); throws `.cancelled` when the handler says stop.
    mutating func update(_ stage: AnalysisProgress.Stage, _ fraction: Double) throws {
        lastFraction = max(lastFraction, min(1, fraction))
        if let report, !report(AnalysisProgress(stage: stage, fraction: lastFraction)) { throw VoiceEmotionError.cancelled }
    }
}

extension EmotionAnalyzer {
    /// The pipeline: both passes over `source`, then the results. `decodeSeconds` is time spent
    /// before (resampling an array).
    func run(_ source: SampleSource, decodeSeconds: Double, start: Date,
             progress: ((AnalysisProgress) -> Bool)?) throws -> RecordingAnalysis {
        var tracker = ProgressTracker(report: progress, model: model, windowSamples: Int(options.maximumWindowSeconds * Double(modelSampleRate)),
                                      expectedSamples: source.expectedCount, sampleRate: source.sampleRate)
        try tracker.update(.decoding, 0)
        let speech = try detectSpeech(source, tracker: &tracker)
        let windows = plan(speech.result.segments)
        let emotion = try classify(windows, from: source, segments: speech.result.segments.count, tracker: &tracker)
        try tracker.update(.classifyingEmotion, 1)
        var timings = AnalysisTimings()
        timings.decodeSeconds = decodeSeconds + speech.decodeSeconds + emotion.decodeSeconds
        timings.vadSeconds = speech.vadSeconds
        timings.emotionSeconds = emotion.modelSeconds
        let file = source as? FileSource
        let result = assemble(file: file?.label, recordedAt: file?.info.recordedAt, segments: speech.result.segments,
                              windowScores: emotion.windows, audioLength: speech.result.audioLength, timings: timings, start: start)
        guard options.prosody else { return result }
        return try addProsody(to: result, segments: speech.result.segments, speech: speech, from: source, start: start)
    }

    /// Pass 3 (with `options.prosody`): each segment's voice markers from its own samples and a
    /// margin, one segment in memory at a time; the recording's from the segments' frames pooled.
    func addProsody(to result: RecordingAnalysis, segments: [SpeechSegment], speech: SpeechPass, from source: SampleSource,
                    start: Date) throws -> RecordingAnalysis {
        let rate = source.sampleRate
        let total = speech.result.audioLength
        let centred = Harmonicity.centredPeak(minimum: speech.minimum, maximum: speech.maximum, sum: speech.sum, count: total)
        let margin = Int(ProsodyAnalysis.segmentMargin * Double(rate))
        let ranges = segments.map { (first: max(0, $0.start - margin), last: $0.end + margin) }
        var parts: [SegmentProsody] = []
        var pending: [Float] = []
        var pendingStart = 0
        func analyze(_ index: Int) {
            let range = ranges[index]
            let first = range.first - pendingStart, last = min(range.last - pendingStart, pending.count)
            let samples = Array(pending[max(0, first)..<max(first, last)])
            parts.append(ProsodyAnalysis.analyzeSegment(samples, sampleRate: rate, offset: range.first, recordingCount: total,
                                                        start: segments[index].startSeconds, end: segments[index].endSeconds,
                                                        recordingPeak: speech.peak, recordingMean: centred.mean, recordingCentredPeak: centred.peak))
        }
        if !ranges.isEmpty {
            _ = try source.read { (block) throws in
                pending.append(contentsOf: block)
                while parts.count < ranges.count, ranges[parts.count].last <= pendingStart + pending.count { analyze(parts.count) }
                let keepFrom = parts.count < ranges.count ? ranges[parts.count].first : pendingStart + pending.count
                let drop = min(max(0, keepFrom - pendingStart), pending.count)
                pending.removeFirst(drop)
                pendingStart += drop
                if Task.isCancelled { throw VoiceEmotionError.cancelled }
                return parts.count < ranges.count
            }
            while parts.count < ranges.count { analyze(parts.count) }  // the last margin runs past the end
        }
        let spans = segments.map { (start: $0.startSeconds, end: $0.endSeconds) }
        let pooled = ProsodySummary.pooled(parts, segments: spans)
        var timings = result.timings
        timings.totalSeconds = Date().timeIntervalSince(start)
        return RecordingAnalysis(
            file: result.file, recordedAt: result.recordedAt, durationSeconds: result.durationSeconds, speechSeconds: result.speechSeconds,
            segments: zip(result.segments, pooled.segments).map { $0.with(prosody: $1) }, scores: result.scores, dimensions: result.dimensions,
            dominant: result.dominant, stress: result.stress, timings: timings, prosody: pooled.recording)
    }

    /// What pass 1 found, and where its time went.
    struct SpeechPass {
        let result: VoiceActivityResult
        /// Time in the VAD and the segmentation.
        let vadSeconds: Double
        /// The rest of the pass: decoding and resampling.
        let decodeSeconds: Double
        /// The largest absolute sample (the voice markers' silence threshold is relative to it).
        let peak: Double
        /// The smallest and largest samples and their sum (the HNR's threshold is relative to the
        /// largest deviation from the mean).
        let minimum: Double, maximum: Double, sum: Double
    }

    /// Pass 1: every sample through the VAD (one probability per chunk), then the segments.
    func detectSpeech(_ source: SampleSource, tracker: inout ProgressTracker) throws -> SpeechPass {
        let stream = try SpeechProbabilityStream(detector: voiceActivity, sampleRate: source.sampleRate)
        var vadSeconds = 0.0
        let expected = Double(source.expectedCount ?? 0)
        let start = Date()
        var peak: Float = 0, minimum = Float.greatestFiniteMagnitude, maximum = -Float.greatestFiniteMagnitude
        var sum = 0.0
        let count = try source.read { (block) throws in
            for sample in block {
                peak = max(peak, abs(sample)); minimum = min(minimum, sample); maximum = max(maximum, sample)
                sum += Double(sample)
            }
            let clock = Date()
            try stream.append(block)
            vadSeconds += Date().timeIntervalSince(clock)
            let fraction = expected > 0 ? min(1, Double(stream.sampleCount) / expected) : 0
            try tracker.update(.detectingSpeech, fraction * tracker.speechShare)
            return true
        }
        let clock = Date()
        let probabilities = stream.finish()
        let segments = try speechSegments(probabilities: probabilities, sampleRate: source.sampleRate, audioLength: count, options: options.speech)
        vadSeconds += Date().timeIntervalSince(clock)
        try tracker.update(.detectingSpeech, tracker.speechShare)
        let result = VoiceActivityResult(sampleRate: source.sampleRate, audioLength: count, probabilities: probabilities, segments: segments)
        return SpeechPass(result: result, vadSeconds: vadSeconds, decodeSeconds: max(0, Date().timeIntervalSince(start) - vadSeconds),
                          peak: Double(peak), minimum: Double(minimum), maximum: Double(maximum), sum: sum)
    }

    /// The model windows of `segments`, in time order: each segment long enough for the model is
    /// cut into equal windows of at most `maximumWindowSeconds`.
    func plan(_ segments: [SpeechSegment]) -> [Window] {
        guard let model else { return [] }
        let maximum = Int(options.maximumWindowSeconds * Double(modelSampleRate))
        var windows: [Window] = []
        for (index, segment) in segments.enumerated() where segment.end - segment.start >= model.minimumSamples {
            let count = (segment.end - segment.start + maximum - 1) / maximum
            let step = (segment.end - segment.start) / count
            for w in 0..<count {
                let first = segment.start + w * step
                windows.append(Window(segment: index, first: first, last: w == count - 1 ? segment.end : first + step))
            }
        }
        return windows
    }

    /// Pass 2: reads the source again and classifies each window as soon as its samples have gone
    /// by, keeping only the samples a later window still needs. Scores per segment, each with its
    /// window's length as weight.
    func classify(_ windows: [Window], from source: SampleSource, segments: Int, tracker: inout ProgressTracker)
        throws -> (windows: [[([EmotionScore], Double)]], modelSeconds: Double, decodeSeconds: Double)
    {
        var scores = [[([EmotionScore], Double)]](repeating: [], count: segments)
        guard let model, !windows.isEmpty else { return (scores, 0, 0) }
        let costs = windows.map { ProgressTracker.modelSeconds(model, samples: $0.count) }
        let total = costs.reduce(0, +)
        var done = 0.0
        var pending: [Float] = []  // samples from `pendingStart` on that some window still needs
        var pendingStart = 0, next = 0
        var modelSeconds = 0.0
        let start = Date()
        _ = try source.read { (block) throws in
            pending.append(contentsOf: block)
            while next < windows.count, windows[next].last <= pendingStart + pending.count {
                let window = windows[next]
                let clock = Date()
                let outputs = try model.scores(Array(pending[(window.first - pendingStart)..<(window.last - pendingStart)]), shouldStop: nil)
                modelSeconds += Date().timeIntervalSince(clock)
                scores[window.segment].append((zip(model.labels, outputs).map { EmotionScore(label: $0, score: Double($1)) },
                                               Double(window.count)))
                done += costs[next]
                next += 1
                try tracker.update(.classifyingEmotion, tracker.speechShare + (1 - tracker.speechShare) * done / total)
            }
            // Drop what no later window needs (windows are in time order).
            let keepFrom = next < windows.count ? windows[next].first : pendingStart + pending.count
            let drop = min(max(0, keepFrom - pendingStart), pending.count)
            pending.removeFirst(drop)
            pendingStart += drop
            return next < windows.count
        }
        if next < windows.count {
            throw VoiceEmotionError.corruptAudio(path: source.label, reason: "the file changed while it was being analysed")
        }
        return (scores, modelSeconds, max(0, Date().timeIntervalSince(start) - modelSeconds))
    }

    /// Segment and recording results from the windows' scores (weighted by window length).
    func assemble(file: String?, recordedAt: RecordingTime?, segments: [SpeechSegment], windowScores: [[([EmotionScore], Double)]], audioLength: Int,
                  timings: AnalysisTimings, start: Date) -> RecordingAnalysis {
        let rate = Double(modelSampleRate)
        let analysed = zip(segments, windowScores).map { segment, windows in
            let scores = Self.weightedMean(windows)
            return SegmentAnalysis(
                startSeconds: segment.startSeconds, endSeconds: segment.endSeconds, scores: scores,
                dimensions: EmotionDimensions(scores), stress: stress(scores), windows: windows.count)
        }
        let overall = Self.weightedMean(analysed.filter { !$0.scores.isEmpty }.map { ($0.scores, $0.durationSeconds) })
        let dominant = (model?.isRegression ?? true) || overall.isEmpty ? nil : overall.max { $0.score < $1.score }?.emotion
        var timings = timings
        timings.totalSeconds = Date().timeIntervalSince(start)
        return RecordingAnalysis(
            file: file, recordedAt: recordedAt, durationSeconds: Double(audioLength) / rate, speechSeconds: segments.reduce(0) { $0 + $1.durationSeconds },
            segments: analysed, scores: overall, dimensions: EmotionDimensions(overall), dominant: dominant,
            stress: overall.isEmpty ? nil : stress(overall), timings: timings)
    }

    /// One speech segment's result from its own samples (16 kHz; `start` is its first sample in
    /// the recording): the same windows, model calls and weighting as the offline pipeline gives a
    /// segment of that length, so a live segment and the offline one agree.
    func analyzeSegment(_ samples: [Float], start: Int) throws -> SegmentAnalysis {
        let local = SpeechSegment(start: 0, end: samples.count, sampleRate: modelSampleRate)
        var tracker = ProgressTracker(report: nil, model: nil, windowSamples: 0, expectedSamples: nil, sampleRate: modelSampleRate)
        let windows = plan([local])
        let emotion = try classify(windows, from: ArraySource(samples: samples, sampleRate: modelSampleRate), segments: 1, tracker: &tracker)
        let scores = Self.weightedMean(emotion.windows[0])
        let rate = Double(modelSampleRate)
        return SegmentAnalysis(startSeconds: Double(start) / rate, endSeconds: Double(start + samples.count) / rate, scores: scores,
                               dimensions: EmotionDimensions(scores), stress: stress(scores), windows: emotion.windows[0].count)
    }

    /// Label-wise mean of score lists (same labels, same order), weighted.
    static func weightedMean(_ items: [([EmotionScore], Double)]) -> [EmotionScore] {
        guard let first = items.first?.0 else { return [] }
        let total = items.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return [] }
        return first.indices.map { i in
            let value = items.reduce(0) { $0 + $1.0[i].score * $1.1 } / total
            return EmotionScore(label: first[i].label, score: value)
        }
    }

    /// Stress of scores: the dimensional formula for arousal/valence models, else the weights.
    func stress(_ scores: [EmotionScore]) -> Double? {
        guard !scores.isEmpty else { return nil }
        if model?.isRegression == true, let dimensions = EmotionDimensions(scores) { return StressWeights.stress(dimensions) }
        return options.stressWeights.stress(scores)
    }
}
