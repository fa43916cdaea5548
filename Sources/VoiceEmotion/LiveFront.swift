// The pushing side of a live session: interleaved input -> mono -> 16 kHz -> streaming VAD, and
// from its events the work for the model: segment starts, ended (or cut) segments with their
// samples, and update windows. Holds the current segment and a second of history, nothing more.

import AudioInput
import SileroVAD
import VoiceEmotionCore

final class LiveFront {
    private let channels: Int
    private let inputRate: Int
    private let resampler: Resampler?
    private let detector: StreamingVoiceDetector
    private let minimumSamples: Int
    private let maximumSpeech: Int, updateInterval: Int, updateWindow: Int
    /// Samples kept before the current position when no segment is open: more than the padding
    /// and the chunk a start event reaches back.
    private let historyKeep = modelSampleRate
    /// The VAD is fed at most this many samples at a time, so cuts and updates happen on time
    /// even when a push holds minutes of audio.
    private let step = 4096

    private var partialFrame: [Float] = []
    private var history: [Float] = []
    private var historyStart = 0   // the 16 kHz sample index of history[0]
    private var total = 0          // 16 kHz samples given to the VAD so far
    private var inputFrames = 0    // frames pushed, at the input rate (for error messages)
    private var segmentStart: Int?
    private var segmentNumber = 0  // of the open segment; a cut's continuation is a new one
    private var nextUpdate = 0

    init(analyzer: EmotionAnalyzer, sampleRate: Int, channels: Int, options: LiveAnalysisOptions) throws {
        self.channels = channels
        inputRate = sampleRate
        resampler = sampleRate == modelSampleRate ? nil : try Resampler(from: Double(sampleRate), to: Double(modelSampleRate), label: "<stream>")
        detector = try StreamingVoiceDetector(detector: analyzer.voiceActivity, sampleRate: modelSampleRate, options: options.speech)
        minimumSamples = analyzer.model?.minimumSamples ?? 400
        let rate = Double(modelSampleRate)
        maximumSpeech = Int(options.maximumSpeechSeconds * rate)
        updateInterval = Int(options.updateInterval * rate)
        updateWindow = Int(options.updateWindow * rate)
        history.reserveCapacity(2 * historyKeep)
    }

    /// The 16 kHz samples held: the open segment (at most `maximumSpeechSeconds`) and the history.
    var bufferedSamples: Int { history.count }

    /// Converts one block and runs it through the VAD; returns the model's new work.
    func push(_ samples: UnsafeBufferPointer<Float>, at time: UInt64) throws -> [LiveJob] {
        try AudioLoader.requireFinite(samples, sampleRate: inputRate * channels, label: "<stream>", offset: inputFrames * channels + partialFrame.count)
        var mono: [Float] = []
        if channels == 1 {
            mono = Array(samples)
        } else {
            let all = partialFrame + samples
            let frames = all.count / channels
            mono = [Float](repeating: 0, count: frames)
            if frames > 0 {
                all.withUnsafeBufferPointer { source in
                    mono.withUnsafeMutableBufferPointer { AudioLoader.downmix(source.baseAddress!, frames: frames, channels: channels, into: $0.baseAddress!) }
                }
            }
            partialFrame = Array(all[(frames * channels)...])
        }
        inputFrames += mono.count
        guard let resampler else { return try feed(mono, at: time) }
        var converted: [Float] = []
        try mono.withUnsafeBufferPointer { try resampler.process($0, into: &converted) }
        return try feed(converted, at: time)
    }

    /// The resampler's tail, and the open segment ended at the end of the audio.
    func finish(at time: UInt64) throws -> [LiveJob] {
        var jobs: [LiveJob] = []
        if let resampler {
            var tail: [Float] = []
            try resampler.finish(into: &tail)
            jobs = try feed(tail, at: time)
        }
        if let start = segmentStart {
            jobs.append(.segment(samples: slice(start, total), start: start, cut: false, number: segmentNumber, pushed: time))
            segmentStart = nil
        }
        return jobs
    }

    private func slice(_ from: Int, _ to: Int) -> [Float] {
        let a = min(max(from - historyStart, 0), history.count), b = min(max(to - historyStart, a), history.count)
        return Array(history[a..<b])
    }

    private func feed(_ block: [Float], at time: UInt64) throws -> [LiveJob] {
        var jobs: [LiveJob] = []
        var offset = 0
        while offset < block.count {
            let piece = Array(block[offset..<min(offset + step, block.count)])
            offset += piece.count
            history.append(contentsOf: piece)
            let events = try detector.push(piece)
            total += piece.count
            for event in events {
                switch event {
                case .start(let sample):
                    let start = min(max(sample, historyStart), total)
                    segmentStart = start
                    segmentNumber += 1
                    nextUpdate = start + updateInterval
                    jobs.append(.started(sample: start, pushed: time))
                case .end(let sample):
                    guard let start = segmentStart else { continue }
                    // After a cut the end can fall before the continuation began: it is then empty.
                    jobs.append(.segment(samples: slice(start, min(max(sample, start), total)), start: start, cut: false,
                                         number: segmentNumber, pushed: time))
                    segmentStart = nil
                }
            }
            // max_speech_duration: a segment that reaches the maximum is cut there, and the
            // speech goes on in a new one.
            while let start = segmentStart, total - start >= maximumSpeech {
                jobs.append(.segment(samples: slice(start, start + maximumSpeech), start: start, cut: true, number: segmentNumber, pushed: time))
                let next = start + maximumSpeech
                segmentStart = next
                segmentNumber += 1
                nextUpdate = next + updateInterval
                jobs.append(.started(sample: next, pushed: time))
            }
            if let start = segmentStart, total >= nextUpdate {
                let windowStart = max(start, total - updateWindow)
                if total - windowStart >= minimumSamples {
                    jobs.append(.update(samples: slice(windowStart, total), start: windowStart, segment: segmentNumber, pushed: time))
                }
                while nextUpdate <= total { nextUpdate += updateInterval }
            }
            trimHistory()
        }
        return jobs
    }

    /// Drops samples no segment or start event can need, in steps of a second (not per block).
    private func trimHistory() {
        let keepFrom = min(segmentStart ?? total, total - historyKeep)
        let drop = keepFrom - historyStart
        guard drop >= historyKeep else { return }
        history.removeFirst(drop)
        historyStart = keepFrom
    }
}
