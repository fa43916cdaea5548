// Live analysis: audio pushed as it arrives (any block size, rate and channel count) becomes
// speech start/end events, each ended segment's emotions (computed exactly as the offline
// pipeline computes a segment), and regular updates during speech. The pushing thread only
// converts, resamples and runs the VAD (microseconds per block); the model runs on a thread of
// its own, fed through a bounded queue.

import AudioInput
import Foundation
import SileroVAD
import VoiceEmotionCore
import Wav2Vec2

/// Settings of a live session.
public struct LiveAnalysisOptions: Sendable, Equatable {
    /// The streaming VAD (the official `VADIterator`'s threshold, minimum silence, padding).
    public var speech = StreamingOptions()
    /// Speech longer than this is cut into segments of this length, so an endless monologue still
    /// yields results (1...3600 s).
    public var maximumSpeechSeconds: Double = 30
    /// Seconds of audio between updates during ongoing speech (0.1...60).
    public var updateInterval: Double = 1
    /// Seconds of the current segment's latest speech each update classifies (0.5...30).
    public var updateWindow: Double = 3
    /// Time constant τ of the smoothed stress, in seconds of audio: each update moves it by
    /// 1 − e^(−Δt/τ) of the way to the new value, Δt the audio time since the previous update
    /// (5 s: an update 1 s later moves it 18% of the way). It carries over between segments.
    public var smoothingSeconds: Double = 5
    /// Ended segments waiting for the model; when this many wait, `push` waits for the model
    /// (backpressure) rather than dropping a result or growing without bound.
    public var maximumPendingSegments = 8
    /// Analyzer settings used for segments (window length, stress weights, memory limit).
    public var analysis = EmotionAnalyzerOptions()

    /// The defaults.
    public init() {}

    /// Throws `.invalidOption` naming the first setting outside its range.
    public func validate() throws {
        func check(_ name: String, _ value: Double, _ range: ClosedRange<Double>) throws {
            guard range.contains(value) else {
                throw VoiceEmotionError.invalidOption(name: name, value: "\(value)", reason: "must be within \(range.lowerBound)...\(range.upperBound)")
            }
        }
        try speech.validate()  // the VAD's own check, in its words
        try check("maximumSpeechSeconds", maximumSpeechSeconds, 1...3600)
        try check("updateInterval", updateInterval, 0.1...60)
        try check("updateWindow", updateWindow, 0.5...30)
        try check("smoothingSeconds", smoothingSeconds, 0.01...3600)
        try check("maximumPendingSegments", Double(maximumPendingSegments), 1...1024)
    }
}

/// What a live session reports, in order: for each stretch of speech `speechStarted`, then
/// `update`s, then `speechEnded`.
public enum LiveEvent: Sendable, Equatable {
    /// Speech began at `time` (seconds of audio since the session started).
    case speechStarted(time: Double, latency: Double)
    /// Scores of the latest speech during a segment.
    case update(LiveUpdate)
    /// A segment ended (or reached `maximumSpeechSeconds`): its full analysis.
    case speechEnded(LiveSegment)

    /// Audio time the event refers to: the start, the end of the update's window, the segment's end.
    public var time: Double {
        switch self {
        case .speechStarted(let time, _): return time
        case .update(let update): return update.time
        case .speechEnded(let ended): return ended.segment.endSeconds
        }
    }

    /// Wall-clock seconds from the push of the last audio the event depends on to its emission.
    public var latency: Double {
        switch self {
        case .speechStarted(_, let latency): return latency
        case .update(let update): return update.latency
        case .speechEnded(let ended): return ended.latency
        }
    }
}

/// An update during speech.
public struct LiveUpdate: Sendable, Equatable {
    /// The audio the scores are of: `windowStart` to `time` (seconds since the session started).
    public let windowStart: Double, time: Double
    /// Scores of that window, in the model's label order.
    public let scores: [EmotionScore]
    /// Its stress index, and the exponentially smoothed stress (`LiveAnalysisOptions.smoothingSeconds`).
    public let stress: Double?, smoothedStress: Double?
    /// Updates skipped since the previous one because the model was busy (coalesced).
    public let skipped: Int
    /// Seconds from the push of the window's last sample to this event.
    public let latency: Double
}

/// A finished segment.
public struct LiveSegment: Sendable, Equatable {
    /// Its analysis, as the offline pipeline computes a segment of the same samples.
    public let segment: SegmentAnalysis
    /// Whether it was cut at `maximumSpeechSeconds` (speech goes on in the next segment).
    public let wasCut: Bool
    /// Updates that fell due during this segment but were not made (the model was busy): with
    /// the updates made, every due update is accounted for.
    public let skippedUpdates: Int
    /// Seconds from the push of the audio that ended it to this event.
    public let latency: Double
}

/// Emotion and stress while someone speaks: push audio as it arrives, read `events`.
///
/// ```swift
/// let live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 48_000, channels: 2)
/// Task { for await event in live.events { print(event) } }
/// try live.push(int16: microphoneBlock)       // from any thread, any block size
/// live.finish()                               // flushes the last segment, then ends `events`
/// ```
///
/// `push` converts, resamples to 16 kHz and runs the streaming VAD (Silero's `VADIterator`
/// semantics) on the calling thread, which takes microseconds per block; the model runs on a
/// thread of its own. When the model falls behind, pending updates are coalesced (the next one
/// says how many were skipped) but ended segments are never dropped: with
/// `maximumPendingSegments` waiting, `push` waits for the model. Memory stays bounded however long
/// the session: the current segment (at most `maximumSpeechSeconds`), a second of history, the queue.
/// Cancelling the task that iterates `events` stops the session (later pushes throw `.cancelled`).
public final class LiveEmotionAnalyzer: @unchecked Sendable {
    /// Events in order; ends after `finish()` once the last segment is analysed, or on cancellation.
    public let events: AsyncStream<LiveEvent>
    /// The input's rate and channel count.
    public let sampleRate: Int, channels: Int
    /// The session's options.
    public let options: LiveAnalysisOptions

    private let analyzer: EmotionAnalyzer
    private let continuation: AsyncStream<LiveEvent>.Continuation
    private let condition = NSCondition()  // guards everything below, and the queue
    private let front: LiveFront
    private var jobs: [LiveJob] = []
    private var pendingSegments = 0
    private var skippedUpdates = 0
    private var skippedBySegment: [Int: Int] = [:]
    private var finishing = false, cancelled = false, workerDone = false
    private var pushing = false  // one push at a time queues its jobs, so their order holds
    private var smoothed: Double?, lastUpdateTime: Double?  // the model thread's only

    /// A session on `analyzer` (which needs an emotion model) for audio at `sampleRate`
    /// (1 kHz ... 768 kHz) with `channels` interleaved channels (1...64; mixed to mono by their mean).
    public init(analyzer: EmotionAnalyzer, sampleRate: Int, channels: Int = 1, options: LiveAnalysisOptions = .init()) throws {
        guard analyzer.model != nil else {
            throw VoiceEmotionError.invalidOption(name: "analyzer", value: "no model",
                                                  reason: "live analysis needs an emotion model")
        }
        guard audioSampleRates.contains(sampleRate) else { throw VoiceEmotionError.invalidSampleRate(path: "<stream>", rate: sampleRate) }
        guard (1...64).contains(channels) else {
            throw VoiceEmotionError.invalidOption(name: "channels", value: "\(channels)", reason: "must be within 1...64")
        }
        try options.validate()
        self.analyzer = analyzer
        self.sampleRate = sampleRate
        self.channels = channels
        self.options = options
        front = try LiveFront(analyzer: analyzer, sampleRate: sampleRate, channels: channels, options: options)
        (events, continuation) = AsyncStream.makeStream(of: LiveEvent.self)
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.cancel() }
        }
        // The thread holds the session only while it works on it: a session dropped without
        // finish() or cancel() ends (deinit cancels it), and so does the thread.
        let worker = Thread { [weak self] in
            while let live = self, live.workOnce() {}
        }
        worker.name = "LiveEmotionAnalyzer"
        worker.start()
    }

    deinit {
        cancel()
        continuation.finish()
    }

    /// Pushes interleaved Float samples (any count; a partial frame waits for the next push).
    /// NaN or infinite samples are refused with `.nonFiniteSample` before any of the block is used.
    public func push(_ samples: [Float]) throws {
        try samples.withUnsafeBufferPointer { try push($0) }
    }

    /// Pushes interleaved Float samples.
    public func push(_ samples: UnsafeBufferPointer<Float>) throws {
        let now = DispatchTime.now().uptimeNanoseconds
        condition.lock()
        // Another push may be waiting for the model (backpressure) with jobs still to queue.
        while pushing && !cancelled { condition.wait() }
        pushing = true
        defer {
            pushing = false
            condition.broadcast()
            condition.unlock()
        }
        guard !cancelled else { throw VoiceEmotionError.cancelled }
        guard !finishing else {
            throw VoiceEmotionError.invalidOption(name: "push", value: "after finish()", reason: "a finished session takes no more audio; start a new one")
        }
        let produced = try front.push(samples, at: now)
        enqueue(produced)
    }

    /// Pushes interleaved 16-bit PCM samples (scaled by 1/32768).
    public func push(int16 samples: [Int16]) throws {
        try push(samples.map { Float($0) / 32768 })
    }

    /// Ends the session: flushes the resampler and the last segment (speech still going on ends
    /// at the end of the audio, as offline), lets the model finish, then ends `events`.
    public func finish() {
        condition.lock()
        while pushing && !cancelled { condition.wait() }
        pushing = true  // the flush may wait for the model like a push; no push may slip in
        defer {
            pushing = false
            condition.broadcast()
            condition.unlock()
        }
        guard !finishing, !cancelled else { return }
        if let produced = try? front.finish(at: DispatchTime.now().uptimeNanoseconds) { enqueue(produced) }
        finishing = true
    }

    /// Stops at once: pending work is dropped and `events` ends.
    public func cancel() {
        condition.lock()
        if cancelled || workerDone {
            condition.unlock()
            return
        }
        cancelled = true
        jobs.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Audio samples (16 kHz) the session holds now: the current segment and a second of history.
    package var bufferedSamples: Int { condition.withLock { front.bufferedSamples } }

    /// Queues jobs (lock held), coalescing updates and waiting while too many segments wait.
    private func enqueue(_ produced: [LiveJob]) {
        for job in produced {
            switch job {
            case .update:
                // Only the newest update is worth computing: replace one still waiting.
                if let index = jobs.lastIndex(where: { if case .update = $0 { return true } else { return false } }) {
                    skip(jobs.remove(at: index))
                }
            case .segment:
                // The segment's own result supersedes updates of it that have not run.
                for (index, waiting) in jobs.enumerated().reversed() {
                    if case .update = waiting { skip(jobs.remove(at: index)) }
                }
                while pendingSegments >= options.maximumPendingSegments && !cancelled { condition.wait() }
                pendingSegments += 1
            case .started:
                break
            }
            jobs.append(job)
        }
        condition.broadcast()
    }

    /// Counts an update that will not be made (lock held).
    private func skip(_ job: LiveJob) {
        guard case .update(_, _, let segment, _) = job else { return }
        skippedUpdates += 1
        skippedBySegment[segment, default: 0] += 1
    }

    /// One step of the model thread: waits (a quarter second at most, so that a session nobody
    /// holds any more is noticed) for a job and runs it. Returns false when the session is over.
    private func workOnce() -> Bool {
        condition.lock()
        if jobs.isEmpty && !finishing && !cancelled { _ = condition.wait(until: Date().addingTimeInterval(0.25)) }
        if cancelled || (jobs.isEmpty && finishing) {
            workerDone = true
            condition.unlock()
            continuation.finish()
            return false
        }
        if jobs.isEmpty {
            condition.unlock()
            return true
        }
        let job = jobs.removeFirst()
        let skipped: Int
        if case .update = job { skipped = skippedUpdates; skippedUpdates = 0 } else { skipped = 0 }
        condition.unlock()

        var event: LiveEvent?
        switch job {
        case .started(let sample, let pushed):
            event = .speechStarted(time: Double(sample) / Double(modelSampleRate), latency: Self.seconds(since: pushed))
        case .update(let samples, let start, let segment, let pushed):
            // A segment that ends meanwhile goes first: the update is abandoned (and counted
            // as skipped) rather than making the segment's result wait for it.
            let result: [Float]?
            do {
                result = try analyzer.model!.scores(samples, shouldStop: { [self] in condition.withLock { pendingSegments > 0 || cancelled } })
            } catch {
                result = nil
                condition.withLock {
                    skippedUpdates += 1 + skipped
                    skippedBySegment[segment, default: 0] += 1
                }
            }
            if let result {
                let scores = zip(analyzer.model!.labels, result).map { EmotionScore(label: $0, score: Double($1)) }
                let stress = analyzer.stress(scores)
                let time = Double(start + samples.count) / Double(modelSampleRate)
                if let stress {
                    if let previous = smoothed, let last = lastUpdateTime {
                        smoothed = previous + (1 - exp(-max(0, time - last) / options.smoothingSeconds)) * (stress - previous)
                    } else {
                        smoothed = stress
                    }
                    lastUpdateTime = time
                }
                event = .update(LiveUpdate(windowStart: Double(start) / Double(modelSampleRate), time: time, scores: scores,
                                           stress: stress, smoothedStress: smoothed, skipped: skipped, latency: Self.seconds(since: pushed)))
            }
        case .segment(let samples, let start, let cut, let number, let pushed):
            let skippedOfSegment = condition.withLock { skippedBySegment.removeValue(forKey: number) ?? 0 }
            if let segment = try? analyzer.analyzeSegment(samples, start: start) {
                event = .speechEnded(LiveSegment(segment: segment, wasCut: cut, skippedUpdates: skippedOfSegment, latency: Self.seconds(since: pushed)))
            }
            condition.withLock {
                pendingSegments -= 1
                condition.broadcast()
            }
        }
        if let event { continuation.yield(event) }
        return true
    }

    private static func seconds(since uptime: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds &- uptime) / 1e9
    }
}

/// Work for the model thread, with the uptime at which the audio it depends on was pushed.
enum LiveJob {
    case started(sample: Int, pushed: UInt64)
    case update(samples: [Float], start: Int, segment: Int, pushed: UInt64)
    case segment(samples: [Float], start: Int, cut: Bool, number: Int, pushed: UInt64)
}

extension LiveEvent: Encodable {
    enum CodingKeys: String, CodingKey {
        case event, time = "time_s", latency = "latency_s", windowStart = "window_start_s", scores, stress
        case smoothedStress = "smoothed_stress", skipped, cut, skippedUpdates = "skipped_updates", segment
    }

    /// One JSON object per event (`voice-emotion live --json` prints them as JSON Lines):
    /// `{"event": "speech_started"|"update"|"speech_ended", "time_s", "latency_s", ...}`; updates add
    /// `window_start_s`, `scores`, `stress`, `smoothed_stress`, `skipped`; ended segments add `cut`,
    /// `skipped_updates` and `segment` in the schema of `analyze --json` segments.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func microseconds(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
        switch self {
        case .speechStarted:
            try c.encode("speech_started", forKey: .event)
        case .update:
            try c.encode("update", forKey: .event)
        case .speechEnded:
            try c.encode("speech_ended", forKey: .event)
        }
        try c.encode(JSONRounding.time(time), forKey: .time)
        try c.encode(microseconds(latency), forKey: .latency)
        switch self {
        case .speechStarted:
            break
        case .update(let update):
            try c.encode(JSONRounding.time(update.windowStart), forKey: .windowStart)
            try c.encode(ScoreMap(update.scores), forKey: .scores)
            try c.encode(update.stress.map(JSONRounding.score), forKey: .stress)
            try c.encode(update.smoothedStress.map(JSONRounding.score), forKey: .smoothedStress)
            try c.encode(update.skipped, forKey: .skipped)
        case .speechEnded(let ended):
            try c.encode(ended.wasCut, forKey: .cut)
            try c.encode(ended.skippedUpdates, forKey: .skippedUpdates)
            try c.encode(ended.segment, forKey: .segment)
        }
    }
}
