// The library's public face: a recording in, speech segments with their emotions and a stress
// index out. Every entry point runs the one pipeline (Pipeline.swift) over a sample source.

import AudioInput
import Foundation
import SileroVAD
import VoiceEmotionCore
import Wav2Vec2

/// Options of an `EmotionAnalyzer`.
public struct EmotionAnalyzerOptions: Sendable, Equatable {
    /// Speech segmentation (defaults: the official Silero `get_speech_timestamps`).
    public var speech = SpeechTimestampOptions()
    /// Stress weights for categorical models (default: the tutorial's).
    public var stressWeights = StressWeights.standard
    /// Longest stretch of audio given to the emotion model at once (1 s to 3600 s). Longer
    /// segments are split into equal windows, so memory stays bounded on hour-long files (~10 MB
    /// of activations per second of window; 20 s ≈ 0.2 GB plus the weights) and attention stays
    /// local. The window must fit `memoryLimitBytes` (checked when the analyzer is created).
    public var maximumWindowSeconds: Double = 20
    /// Also compute voice markers (pitch, intensity, voice quality, spectral balance, tempo,
    /// pauses; `ProsodySummary`)
    /// for every segment and the recording: measured in the second pass, from the same decode as
    /// the model's windows, one segment in memory at a time. Needs no emotion model. Off by
    /// default (its cost: Docs/Benchmarks.md).
    public var prosody = false
    /// Most activation memory one window may take (bytes; default 2 GiB), see
    /// `Wav2Vec2Options.memoryLimitBytes`.
    public var memoryLimitBytes: Int = 2 << 30
    /// Activation of legacy dense heads (see `Wav2Vec2Options`).
    public var legacyHeadActivation: HeadActivation = .tanh

    /// The defaults.
    public init() {}
}

/// Analyses voice recordings: speech segments (Silero VAD, bundled), their emotion (a Wav2Vec2 or
/// HuBERT checkpoint) and a stress index.
///
/// Create it once and reuse it; it is immutable and `Sendable`. Concurrent analyses run in
/// parallel safely: each works in its own buffers and shares only the read-only weights. The
/// threads each analysis computes on are the process-wide `ComputeThreads` setting (with several
/// analyses in parallel, set it to 1). Without a model folder it still finds speech segments and
/// the speech ratio.
///
/// Every analysis fails with a `VoiceEmotionError`; a progress handler returning false, or the
/// task being cancelled, ends it with `.cancelled`.
public final class EmotionAnalyzer: Sendable {
    /// The options in use.
    public let options: EmotionAnalyzerOptions
    /// The bundled voice activity detector.
    public let voiceActivity: VoiceActivityDetector
    /// The emotion model, when a folder (or a loaded model) was given.
    public let model: (any EmotionModel)?
    /// The model folder, when given.
    public let modelFolder: String?

    /// Loads the bundled VAD and, if `modelFolder` is not nil, the emotion model in it.
    public convenience init(modelFolder: String? = nil, options: EmotionAnalyzerOptions = .init()) throws {
        let loaded = try modelFolder.map {
            try Wav2Vec2Classifier(folder: $0, options: .init(legacyHeadActivation: options.legacyHeadActivation, memoryLimitBytes: options.memoryLimitBytes))
        }
        try self.init(model: loaded, modelFolder: modelFolder, options: options)
    }

    /// Loads the bundled VAD and uses `model`, an emotion model already loaded (any family, or
    /// an app's own adopter of `EmotionModel`); `modelFolder` names where it came from, if anywhere.
    public init(model: (any EmotionModel)?, modelFolder: String? = nil, options: EmotionAnalyzerOptions = .init()) throws {
        try options.speech.validate()
        guard (1...3600).contains(options.maximumWindowSeconds) else {
            throw VoiceEmotionError.invalidOption(name: "maximumWindowSeconds", value: String(format: "%g", options.maximumWindowSeconds),
                                 reason: "must be within 1...3600 seconds")
        }
        guard options.memoryLimitBytes > 0 else {
            throw VoiceEmotionError.invalidOption(name: "memoryLimitBytes", value: "\(options.memoryLimitBytes)", reason: "must be a positive number of bytes")
        }
        for (emotion, weight) in options.stressWeights.weights.sorted(by: { $0.key.name < $1.key.name }) where !weight.isFinite {
            throw VoiceEmotionError.invalidOption(name: "stressWeights[\(emotion.name)]", value: "\(weight)", reason: "weights must be finite")
        }
        guard options.stressWeights.otherWeight.isFinite else {
            throw VoiceEmotionError.invalidOption(name: "stressWeights.otherWeight", value: "\(options.stressWeights.otherWeight)", reason: "weights must be finite")
        }
        voiceActivity = try VoiceActivityDetector.bundled()
        if let loaded = model {
            // Every window must fit the memory limit; say so now rather than mid-recording.
            let window = Int(options.maximumWindowSeconds * Double(modelSampleRate))
            if loaded.scratchBytes(samples: window) > options.memoryLimitBytes {
                let fits = Double(loaded.maximumSamples) / Double(modelSampleRate)
                throw VoiceEmotionError.invalidOption(
                    name: "maximumWindowSeconds", value: String(format: "%g", options.maximumWindowSeconds), reason: String(
                        format: "a window this long needs more than the %d MB memory limit with this model; at most %.1f s fit%@",
                        options.memoryLimitBytes >> 20, fits,
                        fits >= 1 ? " (lower the window: maximumWindowSeconds; or raise the limit: memoryLimitBytes)"
                            : " (the model's config makes its activations unusually large; raise the limit: memoryLimitBytes)"))
            }
        }
        self.model = model
        self.modelFolder = modelFolder
        self.options = options
    }

    /// Loads the bundled VAD and the emotion model in `modelFolder` (a file URL).
    public convenience init(modelFolder: URL, options: EmotionAnalyzerOptions = .init()) throws {
        try self.init(modelFolder: modelFolder.path, options: options)
    }

    // MARK: - Analysing

    /// Analyses an audio file (any format `AudioLoader` reads), off the caller's executor.
    ///
    /// The file is decoded twice, block by block, and never held whole: the first pass feeds
    /// the VAD (keeping one probability per 32 ms), the second collects only the speech windows
    /// as they pass and classifies each as soon as it is complete. An hour of audio thus needs
    /// one window of samples (plus the model's activations), not 230 MB of 16 kHz samples.
    /// Results are identical to `analyze(samples:sampleRate:)` on the decoded audio.
    ///
    /// - Parameters:
    ///   - file: The audio file's path.
    ///   - progress: Called with the stage and the overall fraction done (weighted by each
    ///     stage's cost, so it moves evenly).
    /// - Throws: `VoiceEmotionError`; `.cancelled` when the task is cancelled (checked between
    ///   blocks and windows).
    public func analyze(file: String, progress: (@Sendable (AnalysisProgress) -> Void)? = nil) async throws -> RecordingAnalysis {
        try await detached(progress) { [self] handler throws in try analyzeBlocking(file: file, progress: handler) }
    }

    /// Analyses an audio file given as a file URL.
    public func analyze(file: URL, progress: (@Sendable (AnalysisProgress) -> Void)? = nil) async throws -> RecordingAnalysis {
        try await analyze(file: file.path, progress: progress)
    }

    /// Analyses mono samples at any rate in `audioSampleRates` (resampled to 16 kHz when needed),
    /// off the caller's executor. NaN or infinite samples are refused (`.nonFiniteSample`).
    public func analyze(samples: [Float], sampleRate: Int, progress: (@Sendable (AnalysisProgress) -> Void)? = nil)
        async throws -> RecordingAnalysis
    {
        try await detached(progress) { [self] handler throws in
            try analyzeBlocking(samples: samples, sampleRate: sampleRate, progress: handler)
        }
    }

    /// `analyze(file:)` on the calling thread, for code that is not async. `progress` returning
    /// false stops the analysis with `.cancelled`.
    public func analyzeBlocking(file: String, progress: ((AnalysisProgress) -> Bool)? = nil) throws -> RecordingAnalysis {
        let start = Date()
        return try run(FileSource(path: file, sampleRate: modelSampleRate), decodeSeconds: 0, start: start, progress: progress)
    }

    /// `analyze(samples:sampleRate:)` on the calling thread, for code that is not async.
    public func analyzeBlocking(samples: [Float], sampleRate: Int, progress: ((AnalysisProgress) -> Bool)? = nil)
        throws -> RecordingAnalysis
    {
        let start = Date()
        // Checked before resampling, which would smear one NaN over its neighbours.
        try samples.withUnsafeBufferPointer { (buffer) throws in
            try AudioLoader.requireFinite(buffer, sampleRate: sampleRate, label: "<samples>")
        }
        let audio = sampleRate == modelSampleRate ? samples
            : try Resampler.resample(samples, from: Double(sampleRate), to: Double(modelSampleRate))
        return try run(ArraySource(samples: audio, sampleRate: modelSampleRate), decodeSeconds: Date().timeIntervalSince(start),
                       start: start, progress: progress)
    }

    /// Emotions of speech segments found elsewhere (your own segmentation, or a live session's):
    /// 16 kHz mono `samples` and segments in their sample indices, analysed exactly as
    /// `analyze(samples:sampleRate:)` analyses the segments its VAD finds. Segments must be in
    /// time order, within the samples, and not overlap.
    public func analyzeBlocking(samples: [Float], speechSegments segments: [SpeechSegment]) throws -> RecordingAnalysis {
        let start = Date()
        try samples.withUnsafeBufferPointer { (buffer) throws in
            try AudioLoader.requireFinite(buffer, sampleRate: modelSampleRate, label: "<samples>")
        }
        var previousEnd = 0
        for segment in segments {
            guard segment.sampleRate == modelSampleRate, segment.start >= previousEnd, segment.end > segment.start, segment.end <= samples.count else {
                throw VoiceEmotionError.invalidOption(name: "speechSegments", value: "\(segment.start)..<\(segment.end) at \(segment.sampleRate) Hz",
                                                      reason: "segments must be 16 kHz sample ranges in time order, within the \(samples.count) samples, not overlapping")
            }
            previousEnd = segment.end
        }
        var tracker = ProgressTracker(report: nil, model: nil, windowSamples: 0, expectedSamples: nil, sampleRate: modelSampleRate)
        let emotion = try classify(plan(segments), from: ArraySource(samples: samples, sampleRate: modelSampleRate), segments: segments.count, tracker: &tracker)
        var timings = AnalysisTimings()
        timings.emotionSeconds = emotion.modelSeconds
        return assemble(file: nil, recordedAt: nil, segments: segments, windowScores: emotion.windows, audioLength: samples.count,
                        timings: timings, start: start)
    }

    /// Speech only, for a file: per-chunk probabilities and segments at the rate the VAD runs best
    /// at for it (8 kHz for 8 kHz files, 16 kHz otherwise), decoded block by block. Uses the
    /// analyzer's speech options; the model is not needed.
    public func detectSpeech(file: String, progress: ((Double) -> Bool)? = nil) throws -> VoiceActivityResult {
        let info = try AudioLoader.info(path: file)
        let rate = info.sampleRate == SileroGeometry.rate8k.sampleRate ? SileroGeometry.rate8k.sampleRate : modelSampleRate
        var tracker = ProgressTracker(report: progress.map { handler in { handler($0.fraction) } }, model: nil,
                                      windowSamples: 0, expectedSamples: nil, sampleRate: rate)
        return try detectSpeech(FileSource(path: file, sampleRate: rate), tracker: &tracker).result
    }

    /// Frees the model's activation buffers kept from earlier windows (up to ~0.2 GB after
    /// 20 s windows) — for apps that analyse now and then and want the memory back in between.
    /// The next analysis allocates them again. Safe to call at any time.
    public func releaseCachedMemory() { model?.releaseCachedBuffers() }

    /// Bytes of activation buffers the model keeps for the next window.
    public var cachedMemoryBytes: Int { model?.cachedBufferBytes ?? 0 }

    /// Runs `work` on a detached task with a progress handler that also reports the task's
    /// cancellation; the one bridge from the blocking pipeline to async callers.
    private func detached(
        _ progress: (@Sendable (AnalysisProgress) -> Void)?,
        _ work: @escaping @Sendable (@escaping (AnalysisProgress) -> Bool) throws -> RecordingAnalysis
    ) async throws -> RecordingAnalysis {
        let flag = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await Task.detached(priority: .userInitiated) { () -> Result<RecordingAnalysis, any Error> in
                Result { () throws in
                    try work { update in
                        progress?(update)
                        return !flag.isSet
                    }
                }
            }.value
        } onCancel: {
            flag.set()
        }
        return try result.get()
    }
}

/// A thread-safe one-way flag: set by a task-cancellation handler, read by the analysis.
private final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
