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
    /// The voice markers (pitch, intensity, HNR, pulses, syllables) per second of speech and margin.
    static let markersSecondsPerAudioSecond = 0.0045
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
    init(report: ((AnalysisProgress) -> Bool)?, model: (any EmotionModel)?, markers: Bool = false, windowSamples: Int, expectedSamples: Int?,
         sampleRate: Int) {
        self.report = report
        guard model != nil || markers else { return }
        let seconds = Double(expectedSamples ?? 60 * sampleRate) / Double(sampleRate)
        let speechSamples = Int(seconds * StageCosts.assumedSpeechRatio * Double(modelSampleRate))
        var pass2 = 0.0
        if let model {
            let windows = speechSamples / max(windowSamples, 1)
            pass2 += Double(windows) * Self.modelSeconds(model, samples: windowSamples)
                + Self.modelSeconds(model, samples: speechSamples - windows * windowSamples)
        }
        if markers { pass2 += Double(speechSamples) / Double(modelSampleRate) * StageCosts.markersSecondsPerAudioSecond }
        let speech = seconds * StageCosts.speechDetectionSecondsPerAudioSecond
        speechShare = speech / max(speech + pass2, 1e-9)
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
        var tracker = ProgressTracker(report: progress, model: model, markers: options.prosody,
                                      windowSamples: Int(options.maximumWindowSeconds * Double(modelSampleRate)),
                                      expectedSamples: source.expectedCount, sampleRate: source.sampleRate)
        try tracker.update(.decoding, 0)
        let speech = try detectSpeech(source, tracker: &tracker)
        let segments = speech.result.segments
        // Pass 2: every measurement of the speech from one decode.
        let emotion = model.map { EmotionConsumer(model: $0, windows: plan(segments), segments: segments.count, label: source.label) }
        let prosody = options.prosody
            ? ProsodyConsumer(segments: segments, sampleRate: source.sampleRate, recordingCount: speech.result.audioLength,
                              peak: speech.peak, minimum: speech.minimum, maximum: speech.maximum, sum: speech.sum)
            : nil
        let consumers: [any SegmentConsumer] = [emotion as (any SegmentConsumer)?, prosody].compactMap { $0 }
        let pass2Decode = try feed(consumers, from: source, tracker: &tracker)
        try tracker.update(prosody != nil ? .measuringVoice : .classifyingEmotion, 1)
        var timings = AnalysisTimings()
        timings.decodeSeconds = decodeSeconds + speech.decodeSeconds + pass2Decode
        timings.vadSeconds = speech.vadSeconds
        timings.emotionSeconds = emotion?.seconds ?? 0
        timings.prosodySeconds = prosody?.seconds ?? 0
        let file = source as? FileSource
        return assemble(file: file?.label, recordedAt: file?.info.recordedAt, segments: segments,
                        windowScores: emotion?.scores ?? [[([EmotionScore], Double)]](repeating: [], count: segments.count),
                        prosody: prosody?.pooled(), audioLength: speech.result.audioLength, timings: timings, start: start)
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

    /// The emotion model alone over `windows` of `source` (pass 2 with one consumer): scores per
    /// segment, each with its window's length as weight.
    func classify(_ windows: [Window], from source: SampleSource, segments: Int, tracker: inout ProgressTracker)
        throws -> (windows: [[([EmotionScore], Double)]], modelSeconds: Double, decodeSeconds: Double)
    {
        guard let model else { return ([[([EmotionScore], Double)]](repeating: [], count: segments), 0, 0) }
        let consumer = EmotionConsumer(model: model, windows: windows, segments: segments, label: source.label)
        let decode = try feed([consumer], from: source, tracker: &tracker)
        return (consumer.scores, consumer.seconds, decode)
    }

    /// Segment and recording results from the windows' scores (weighted by window length).
    func assemble(file: String?, recordedAt: RecordingTime?, segments: [SpeechSegment], windowScores: [[([EmotionScore], Double)]],
                  prosody: (segments: [ProsodySummary], recording: ProsodySummary)? = nil, audioLength: Int,
                  timings: AnalysisTimings, start: Date) -> RecordingAnalysis {
        let rate = Double(modelSampleRate)
        let analysed = zip(segments, windowScores).enumerated().map { index, pair in
            let (segment, windows) = pair
            let scores = Self.weightedMean(windows)
            return SegmentAnalysis(
                startSeconds: segment.startSeconds, endSeconds: segment.endSeconds, scores: scores,
                dimensions: EmotionDimensions(scores), stress: stress(scores), windows: windows.count, prosody: prosody?.segments[index])
        }
        let overall = Self.weightedMean(analysed.filter { !$0.scores.isEmpty }.map { ($0.scores, $0.durationSeconds) })
        let dominant = (model?.isRegression ?? true) || overall.isEmpty ? nil : overall.max { $0.score < $1.score }?.emotion
        var timings = timings
        timings.totalSeconds = Date().timeIntervalSince(start)
        return RecordingAnalysis(
            file: file, recordedAt: recordedAt, durationSeconds: Double(audioLength) / rate, speechSeconds: segments.reduce(0) { $0 + $1.durationSeconds },
            segments: analysed, scores: overall, dimensions: EmotionDimensions(overall), dominant: dominant,
            stress: overall.isEmpty ? nil : stress(overall), timings: timings, prosody: prosody?.recording)
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
