// The library's public face: a recording in, speech segments with emotions and a stress index out.
// Pipeline: decode (libsndfile) -> 16 kHz mono (libsoxr) -> Silero VAD -> speech segments, cut into
// windows of at most `maximumWindowSeconds` -> Wav2Vec2/HuBERT per window -> duration-weighted
// scores per segment and per recording -> stress index.

import AudioInput
import Foundation
import SileroVAD
import TensorKernels
import Wav2Vec2

/// Options of an `EmotionAnalyzer`.
public struct EmotionAnalyzerOptions: Sendable {
    /// Speech segmentation (defaults: the official Silero `get_speech_timestamps`).
    public var speech = SpeechTimestampOptions()
    /// Stress weights for categorical models (default: the tutorial's).
    public var stressWeights = StressWeights.standard
    /// Longest stretch of audio given to the emotion model at once. Longer segments are split
    /// into equal windows, so memory stays bounded on hour-long files (~10 MB of activations per
    /// second of window; 20 s ≈ 0.2 GB plus the weights) and attention stays local.
    public var maximumWindowSeconds: Double = 20
    /// BLAS threads for the process (nil: leave as is, which is all cores for OpenBLAS).
    public var blasThreads: Int? = nil
    /// Activation of legacy dense heads (see `Wav2Vec2Options`).
    public var legacyHeadActivation: HeadActivation = .tanh

    /// The defaults.
    public init() {}
}

/// Analyses voice recordings: speech segments (Silero VAD, bundled), their emotion (a Wav2Vec2 or
/// HuBERT checkpoint) and a stress index.
///
/// Create it once and reuse it; it is immutable and `Sendable`. Concurrent `analyze` calls run in
/// parallel safely: each call allocates its own buffers and shares only the read-only weights.
/// (BLAS threads are process-wide: with several calls in parallel, set `blasThreads` to 1.)
/// Without a model folder it still finds speech segments and the speech ratio.
public final class EmotionAnalyzer: Sendable {
    /// The options in use.
    public let options: EmotionAnalyzerOptions
    /// The bundled voice activity detector.
    public let voiceActivity: VoiceActivityDetector
    /// The emotion model, when a folder was given.
    public let model: Wav2Vec2Classifier?
    /// The model folder, when given.
    public let modelFolder: String?

    /// Loads the bundled VAD and, if `modelFolder` is not nil, the emotion model in it.
    public init(modelFolder: String?, options: EmotionAnalyzerOptions = .init()) throws(EmotionAnalyzerError) {
        do { try options.speech.validate() } catch { throw .voiceActivity(error) }
        guard options.maximumWindowSeconds >= 1, options.maximumWindowSeconds.isFinite else {
            throw .invalidOption(name: "maximumWindowSeconds", reason: "must be a finite number of seconds >= 1")
        }
        if let threads = options.blasThreads {
            guard threads >= 1 else { throw .invalidOption(name: "blasThreads", reason: "must be at least 1") }
            BLAS.setThreadCount(threads)
        }
        do { voiceActivity = try VoiceActivityDetector.bundled() } catch { throw .voiceActivity(error) }
        if let modelFolder {
            do {
                model = try Wav2Vec2Classifier(folder: modelFolder, options: .init(legacyHeadActivation: options.legacyHeadActivation))
            } catch { throw .model(folder: modelFolder, error) }
        } else {
            model = nil
        }
        self.modelFolder = modelFolder
        self.options = options
    }

    /// Analyses an audio file (any format libsndfile reads).
    ///
    /// - Parameter progress: called with the stage and overall fraction; return false to cancel
    ///   (the call then throws `.cancelled`).
    public func analyze(file: String, progress: ((AnalysisProgress) -> Bool)? = nil) throws(EmotionAnalyzerError) -> RecordingAnalysis {
        let start = Date()
        if let progress, !progress(AnalysisProgress(stage: .decoding, fraction: 0)) { throw .cancelled }
        let audio: MonoAudio
        do { audio = try AudioLoader.load(path: file, sampleRate: 16000) } catch { throw .audio(error) }
        let decodeSeconds = Date().timeIntervalSince(start)
        return try analyze(samples: audio.samples, decodeSeconds: decodeSeconds, start: start, progress: progress)
    }

    /// Analyses mono samples at any rate (resampled to 16 kHz when needed).
    public func analyze(samples: [Float], sampleRate: Int, progress: ((AnalysisProgress) -> Bool)? = nil) throws(EmotionAnalyzerError) -> RecordingAnalysis {
        let start = Date()
        var audio = samples
        if sampleRate != 16000 {
            do { audio = try Resampler.resample(samples, from: Double(sampleRate), to: 16000) } catch { throw .audio(error) }
        }
        return try analyze(samples: audio, decodeSeconds: Date().timeIntervalSince(start), start: start, progress: progress)
    }

    /// Async variant of `analyze(file:)`: runs off the caller's executor and stops at the next
    /// chunk or window when the task is cancelled.
    public func analyze(file: String, progress: (@Sendable (AnalysisProgress) -> Void)? = nil) async throws -> RecordingAnalysis {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await Task.detached(priority: .userInitiated) { [self] in
                try self.analyze(file: file) { update in
                    progress?(update)
                    return !flag.isSet
                }
            }.value
        } onCancel: {
            flag.set()
        }
    }

    /// Async variant of `analyze(samples:sampleRate:)`.
    public func analyze(samples: [Float], sampleRate: Int, progress: (@Sendable (AnalysisProgress) -> Void)? = nil) async throws -> RecordingAnalysis {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await Task.detached(priority: .userInitiated) { [self] in
                try self.analyze(samples: samples, sampleRate: sampleRate) { update in
                    progress?(update)
                    return !flag.isSet
                }
            }.value
        } onCancel: {
            flag.set()
        }
    }

    // MARK: - Pipeline

    /// VAD share of the progress bar (the model takes the rest).
    private static let vadShare = 0.2

    private func analyze(samples: [Float], decodeSeconds: Double, start: Date,
                         progress: ((AnalysisProgress) -> Bool)?) throws(EmotionAnalyzerError) -> RecordingAnalysis {
        var timings = AnalysisTimings()
        timings.decodeSeconds = decodeSeconds
        let rate = 16000.0
        let vadStart = Date()
        var stopped = false
        let speech: VoiceActivityResult
        do {
            speech = try voiceActivity.analyze(samples, sampleRate: 16000, options: options.speech) { fraction in
                guard let progress else { return true }
                stopped = !progress(AnalysisProgress(stage: .detectingSpeech, fraction: fraction * Self.vadShare))
                return !stopped
            }
        } catch { throw .voiceActivity(error) }
        if stopped { throw .cancelled }
        timings.vadSeconds = Date().timeIntervalSince(vadStart)

        let emotionStart = Date()
        let totalSpeech = max(1, speech.segments.reduce(0) { $0 + ($1.end - $1.start) })
        var done = 0
        var segments: [SegmentAnalysis] = []
        for segment in speech.segments {
            let window = try classify(samples, from: segment.start, to: segment.end)
            segments.append(SegmentAnalysis(
                startSeconds: Double(segment.start) / rate, endSeconds: Double(segment.end) / rate, scores: window.scores,
                dimensions: EmotionDimensions(window.scores), stress: stress(window.scores), windows: window.count))
            done += segment.end - segment.start
            if let progress, !progress(AnalysisProgress(
                stage: .classifyingEmotion, fraction: Self.vadShare + (1 - Self.vadShare) * Double(done) / Double(totalSpeech))) {
                throw .cancelled
            }
        }
        timings.emotionSeconds = Date().timeIntervalSince(emotionStart)

        let overall = Self.weightedMean(segments.filter { !$0.scores.isEmpty }.map { ($0.scores, $0.durationSeconds) })
        let dimensions = EmotionDimensions(overall)
        let dominant = (model?.isRegression ?? true) || overall.isEmpty ? nil : overall.max { $0.score < $1.score }?.emotion
        timings.totalSeconds = Date().timeIntervalSince(start)
        return RecordingAnalysis(
            durationSeconds: Double(samples.count) / rate, speechSeconds: speech.speechSeconds, segments: segments,
            scores: overall, dimensions: dimensions, dominant: dominant, stress: overall.isEmpty ? nil : stress(overall),
            timings: timings)
    }

    /// Scores of `samples[start..<end]`: one model call per window of at most
    /// `maximumWindowSeconds`, averaged weighted by window length.
    private func classify(_ samples: [Float], from start: Int, to end: Int) throws(EmotionAnalyzerError) -> (scores: [EmotionScore], count: Int) {
        guard let model, end - start >= model.config.minimumSamples else { return ([], 0) }
        let maximum = Int(options.maximumWindowSeconds * 16000)
        let count = (end - start + maximum - 1) / maximum
        let step = (end - start) / count
        var windows: [([EmotionScore], Double)] = []
        for w in 0..<count {
            let first = start + w * step, last = w == count - 1 ? end : first + step
            let result: ClassificationResult
            do { result = try model.classify(Array(samples[first..<last])) } catch { throw .model(folder: modelFolder ?? "", error) }
            let scores = zip(result.labels, result.scores).map { EmotionScore(label: $0, score: Double($1)) }
            windows.append((scores, Double(last - first)))
        }
        return (Self.weightedMean(windows), count)
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
    private func stress(_ scores: [EmotionScore]) -> Double? {
        guard !scores.isEmpty else { return nil }
        if model?.isRegression == true, let dimensions = EmotionDimensions(scores) { return StressWeights.stress(dimensions) }
        return options.stressWeights.stress(scores)
    }
}

/// A thread-safe one-way flag: set by a task-cancellation handler, read by the analysis.
private final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
