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
    /// Longest stretch of audio given to the emotion model at once (1 s to 3600 s). Longer
    /// segments are split into equal windows, so memory stays bounded on hour-long files (~10 MB
    /// of activations per second of window; 20 s ≈ 0.2 GB plus the weights) and attention stays
    /// local. The window must fit `memoryLimitBytes` (checked when the analyzer is created).
    public var maximumWindowSeconds: Double = 20
    /// Most activation memory one window may take (bytes; default 2 GiB), see
    /// `Wav2Vec2Options.memoryLimitBytes`.
    public var memoryLimitBytes: Int = 2 << 30
    /// Compute threads for the process (1 to 1024; `BLAS.setThreadCount`; nil: leave as is,
    /// which is `OPENBLAS_NUM_THREADS` if set, else all cores).
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
/// parallel safely: each call works in its own buffers and shares only the read-only weights.
/// (The thread budget is process-wide: with several calls in parallel, set `blasThreads` to 1.)
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
        guard (1...3600).contains(options.maximumWindowSeconds) else {
            throw .invalidOption(name: "maximumWindowSeconds", reason: String(format: "%g is not within 1...3600 seconds", options.maximumWindowSeconds))
        }
        guard options.memoryLimitBytes > 0 else {
            throw .invalidOption(name: "memoryLimitBytes", reason: "\(options.memoryLimitBytes) is not a positive number of bytes")
        }
        for (emotion, weight) in options.stressWeights.weights where !weight.isFinite {
            throw .invalidOption(name: "stressWeights", reason: "the weight of \(emotion.name) is \(weight); weights must be finite")
        }
        guard options.stressWeights.otherWeight.isFinite else {
            throw .invalidOption(name: "stressWeights", reason: "otherWeight is \(options.stressWeights.otherWeight); weights must be finite")
        }
        if let threads = options.blasThreads {
            guard (1...1024).contains(threads) else { throw .invalidOption(name: "blasThreads", reason: "\(threads) is not within 1...1024") }
            BLAS.setThreadCount(threads)
        }
        do { voiceActivity = try VoiceActivityDetector.bundled() } catch { throw .voiceActivity(error) }
        if let modelFolder {
            let loaded: Wav2Vec2Classifier
            do {
                loaded = try Wav2Vec2Classifier(folder: modelFolder, options: .init(
                    legacyHeadActivation: options.legacyHeadActivation, memoryLimitBytes: options.memoryLimitBytes))
            } catch { throw .model(folder: modelFolder, error) }
            // Every window must fit the memory limit; say so now rather than mid-recording.
            let window = Int(options.maximumWindowSeconds * Double(Self.sampleRate))
            if loaded.scratchBytes(samples: window) > options.memoryLimitBytes {
                let fits = Double(loaded.maximumSamples) / Double(Self.sampleRate)
                throw .invalidOption(name: "maximumWindowSeconds", reason: String(
                    format: "a %g s window needs more than the %d MB memory limit with this model; at most %.1f s fit%@",
                    options.maximumWindowSeconds, options.memoryLimitBytes >> 20, fits,
                    fits >= 1 ? " (lower the window: maximumWindowSeconds, --max-window-s; or raise the limit: memoryLimitBytes, --memory-limit-mb)"
                        : " (the model's config makes its activations unusually large; raise the limit: memoryLimitBytes, --memory-limit-mb)"))
            }
            model = loaded
        } else {
            model = nil
        }
        self.modelFolder = modelFolder
        self.options = options
    }

    /// Analyses an audio file (any format libsndfile reads).
    ///
    /// The file is decoded twice, block by block, and never held whole: the first pass feeds
    /// the VAD (keeping one probability per 32 ms), the second collects only the speech windows
    /// as they pass and classifies each as soon as it is complete. An hour of audio thus needs
    /// one window of samples (plus the model's activations), not 230 MB of 16 kHz samples.
    /// Results are identical to `analyze(samples:sampleRate:)` on the decoded audio.
    ///
    /// - Parameter progress: called with the stage and overall fraction; return false to cancel
    ///   (the call then throws `.cancelled`).
    public func analyze(file: String, progress: ((AnalysisProgress) -> Bool)? = nil) throws(EmotionAnalyzerError) -> RecordingAnalysis {
        let start = Date()
        var timings = AnalysisTimings()
        if let progress, !progress(AnalysisProgress(stage: .decoding, fraction: 0)) { throw .cancelled }

        // Pass 1: decode -> VAD probabilities.
        let stream: SpeechProbabilityStream
        do { stream = try SpeechProbabilityStream(detector: voiceActivity, sampleRate: 16000) } catch { throw .voiceActivity(error) }
        var cancelled = false
        var streamFailure: SileroVADError?
        var vadSeconds = 0.0
        let summary: AudioStreamSummary
        do {
            summary = try AudioLoader.stream(path: file, sampleRate: 16000, progress: { fraction in
                if let progress, !progress(AnalysisProgress(stage: .detectingSpeech, fraction: fraction * Self.vadShare)) { cancelled = true }
            }) { block in
                let clock = Date()
                do throws(SileroVADError) { try stream.append(block) } catch {
                    streamFailure = error
                    return false
                }
                vadSeconds += Date().timeIntervalSince(clock)
                return !cancelled
            }
        } catch { throw .audio(error) }
        if let streamFailure { throw .voiceActivity(streamFailure) }
        if cancelled { throw .cancelled }
        let clock = Date()
        let probabilities = stream.finish()
        let segments: [SpeechSegment]
        do {
            segments = try speechSegments(probabilities: probabilities, sampleRate: 16000, audioLength: summary.samples, options: options.speech)
        } catch { throw .voiceActivity(error) }
        timings.vadSeconds = vadSeconds + Date().timeIntervalSince(clock)

        // Pass 2: decode again, classify each window once its samples have gone by.
        let windows = plan(segments)
        var scores = [[([EmotionScore], Double)]](repeating: [], count: segments.count)
        var emotionSeconds = 0.0
        if !windows.isEmpty, let model {
            var pending: [Float] = []  // samples from `pendingStart` on that some window still needs
            var pendingStart = 0, next = 0
            var failure: EmotionAnalyzerError?
            do throws(AudioError) {
                try AudioLoader.stream(path: file, sampleRate: 16000) { block in
                    pending.append(contentsOf: block)
                    while next < windows.count, windows[next].last <= pendingStart + pending.count {
                        let window = windows[next]
                        let clock = Date()
                        do throws(EmotionAnalyzerError) {
                            let samples = Array(pending[(window.first - pendingStart)..<(window.last - pendingStart)])
                            scores[window.segment].append((try classify(samples, model: model), Double(window.last - window.first)))
                        } catch {
                            failure = error
                            return false
                        }
                        emotionSeconds += Date().timeIntervalSince(clock)
                        next += 1
                        if let progress, !progress(AnalysisProgress(
                            stage: .classifyingEmotion, fraction: Self.vadShare + (1 - Self.vadShare) * Double(next) / Double(windows.count))) {
                            failure = .cancelled
                            return false
                        }
                    }
                    // Drop what no later window needs (windows are in time order).
                    let keepFrom = next < windows.count ? windows[next].first : pendingStart + pending.count
                    let drop = min(max(0, keepFrom - pendingStart), pending.count)
                    pending.removeFirst(drop)
                    pendingStart += drop
                    return next < windows.count
                }
            } catch { throw .audio(error) }
            if let failure { throw failure }
            if next < windows.count {
                throw .audio(.corrupt(path: file, reason: "the file changed while it was being analysed"))
            }
        }
        if windows.isEmpty || model == nil { _ = progress?(AnalysisProgress(stage: .classifyingEmotion, fraction: 1)) }
        timings.emotionSeconds = emotionSeconds
        timings.decodeSeconds = max(0, Date().timeIntervalSince(start) - timings.vadSeconds - emotionSeconds)
        return assemble(segments: segments, windowScores: scores, audioLength: summary.samples, timings: timings, start: start)
    }

    /// Analyses mono samples at any rate (resampled to 16 kHz when needed).
    /// NaN or infinite samples are refused (`.audio(.nonFiniteSample)`); the rate must be within
    /// `AudioLoader.sampleRates`.
    public func analyze(samples: [Float], sampleRate: Int, progress: ((AnalysisProgress) -> Bool)? = nil) throws(EmotionAnalyzerError) -> RecordingAnalysis {
        let start = Date()
        do {
            try samples.withUnsafeBufferPointer { (buffer) throws(AudioError) in
                try AudioLoader.requireFinite(buffer, sampleRate: sampleRate, label: "<samples>")
            }
        } catch { throw .audio(error) }
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

    /// Frees the model's activation buffers kept from earlier windows (up to ~0.2 GB after
    /// 20 s windows) — for apps that analyse now and then and want the memory back in between.
    /// The next analysis allocates them again. Safe to call at any time.
    public func releaseCachedMemory() { model?.releaseCachedBuffers() }

    /// Bytes of activation buffers the model keeps for the next window.
    public var cachedMemoryBytes: Int { model?.cachedBufferBytes ?? 0 }

    // MARK: - Pipeline

    /// VAD share of the progress bar (the model takes the rest).
    private static let vadShare = 0.2
    /// The rate the VAD and the emotion models run at.
    static let sampleRate = 16000

    private func analyze(samples: [Float], decodeSeconds: Double, start: Date,
                         progress: ((AnalysisProgress) -> Bool)?) throws(EmotionAnalyzerError) -> RecordingAnalysis {
        var timings = AnalysisTimings()
        timings.decodeSeconds = decodeSeconds
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
        let windows = plan(speech.segments)
        var scores = [[([EmotionScore], Double)]](repeating: [], count: speech.segments.count)
        if let model {
            for (index, window) in windows.enumerated() {
                let result = try classify(Array(samples[window.first..<window.last]), model: model)
                scores[window.segment].append((result, Double(window.last - window.first)))
                if let progress, !progress(AnalysisProgress(
                    stage: .classifyingEmotion, fraction: Self.vadShare + (1 - Self.vadShare) * Double(index + 1) / Double(windows.count))) {
                    throw .cancelled
                }
            }
        }
        if windows.isEmpty || model == nil { _ = progress?(AnalysisProgress(stage: .classifyingEmotion, fraction: 1)) }
        timings.emotionSeconds = Date().timeIntervalSince(emotionStart)
        return assemble(segments: speech.segments, windowScores: scores, audioLength: samples.count, timings: timings, start: start)
    }

    /// One stretch of a speech segment given to the model at once.
    struct Window {
        let segment: Int
        let first: Int
        let last: Int
    }

    /// The model windows of `segments`, in time order: each segment long enough for the model is
    /// cut into equal windows of at most `maximumWindowSeconds`.
    func plan(_ segments: [SpeechSegment]) -> [Window] {
        guard let model else { return [] }
        let maximum = Int(options.maximumWindowSeconds * 16000)
        var windows: [Window] = []
        for (index, segment) in segments.enumerated() where segment.end - segment.start >= model.config.minimumSamples {
            let count = (segment.end - segment.start + maximum - 1) / maximum
            let step = (segment.end - segment.start) / count
            for w in 0..<count {
                let first = segment.start + w * step
                windows.append(Window(segment: index, first: first, last: w == count - 1 ? segment.end : first + step))
            }
        }
        return windows
    }

    /// Scores of one window.
    private func classify(_ samples: [Float], model: Wav2Vec2Classifier) throws(EmotionAnalyzerError) -> [EmotionScore] {
        let result: ClassificationResult
        do { result = try model.classify(samples) } catch { throw .model(folder: modelFolder ?? "", error) }
        return zip(result.labels, result.scores).map { EmotionScore(label: $0, score: Double($1)) }
    }

    /// Segment and recording results from the windows' scores (weighted by window length).
    private func assemble(segments: [SpeechSegment], windowScores: [[([EmotionScore], Double)]], audioLength: Int,
                          timings: AnalysisTimings, start: Date) -> RecordingAnalysis {
        let rate = 16000.0
        let analysed = zip(segments, windowScores).map { segment, windows in
            let scores = Self.weightedMean(windows)
            return SegmentAnalysis(
                startSeconds: Double(segment.start) / rate, endSeconds: Double(segment.end) / rate, scores: scores,
                dimensions: EmotionDimensions(scores), stress: stress(scores), windows: windows.count)
        }
        let overall = Self.weightedMean(analysed.filter { !$0.scores.isEmpty }.map { ($0.scores, $0.durationSeconds) })
        let dominant = (model?.isRegression ?? true) || overall.isEmpty ? nil : overall.max { $0.score < $1.score }?.emotion
        var timings = timings
        timings.totalSeconds = Date().timeIntervalSince(start)
        return RecordingAnalysis(
            durationSeconds: Double(audioLength) / rate, speechSeconds: segments.reduce(0) { $0 + $1.durationSeconds },
            segments: analysed, scores: overall, dimensions: EmotionDimensions(overall), dominant: dominant,
            stress: overall.isEmpty ? nil : stress(overall), timings: timings)
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
