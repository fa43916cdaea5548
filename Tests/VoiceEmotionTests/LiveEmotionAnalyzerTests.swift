// The live analyzer against the offline pieces it must agree with: StreamingVoiceDetector on the
// whole array (the official VADIterator semantics) for the boundaries, and the offline pipeline's
// analysis of the same segments for the results; then ordering, flushing, cancellation, memory
// over an hour, other rates, stereo and 16-bit input.

import AudioInput
import SileroVAD
import Foundation
import TestSupport
import Testing
import VoiceEmotion

let liveRepository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let liveModel = liveRepository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/base_weighted").path
/// 62 s of speech in 16 segments (Tests/SileroVADTests/Fixtures).
let liveSpeech = liveRepository.appendingPathComponent("Tests/SileroVADTests/Fixtures/speech_16k.flac").path

func loadSpeech() throws -> [Float] { try AudioLoader.load(path: liveSpeech, sampleRate: 16_000).samples }

/// Pushes `samples` in blocks of seeded random sizes (1...maximumBlock), at most `speedup` times
/// faster than real time when given (else as fast as possible), finishes, and returns every event.
func runLive(_ live: LiveEmotionAnalyzer, _ samples: [Float], seed: UInt64 = 7, maximumBlock: Int = 3000,
             speedup: Double? = nil) async throws -> [LiveEvent] {
    let collector = Task { var all: [LiveEvent] = []; for await event in live.events { all.append(event) }; return all }
    var random = SplitMix64(seed: seed)
    var offset = 0
    let start = Date()
    while offset < samples.count {
        let size = Int(random.next() % UInt64(maximumBlock)) + 1
        try samples.withUnsafeBufferPointer { try live.push(UnsafeBufferPointer(rebasing: $0[offset..<min(offset + size, samples.count)])) }
        offset += size
        if let speedup {
            let ahead = Double(offset) / Double(live.sampleRate) / speedup - Date().timeIntervalSince(start)
            if ahead > 0 { try await Task.sleep(nanoseconds: UInt64(ahead * 1e9)) }
        }
    }
    live.finish()
    return await collector.value
}

/// The segments the events describe, as (start, end) in 16 kHz samples.
func segments(_ events: [LiveEvent]) -> [SegmentAnalysis] {
    events.compactMap { if case .speechEnded(let ended) = $0 { return ended.segment } else { return nil } }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct LiveEmotionAnalyzerTests {
    let analyzer: EmotionAnalyzer
    init() throws { analyzer = try EmotionAnalyzer(modelFolder: liveModel) }

    func options(maximumSpeech: Double = 3600) -> LiveAnalysisOptions {
        var options = LiveAnalysisOptions()
        options.maximumSpeechSeconds = maximumSpeech
        return options
    }

    @Test func agreesWithTheStreamingDetectorAndTheOfflinePipeline() async throws {
        let speech = try loadSpeech()
        let events = try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options()), speech)
        // Reference boundaries: the streaming detector on the whole array; speech still open at
        // the end ends with the audio.
        let detector = try StreamingVoiceDetector(detector: analyzer.voiceActivity, sampleRate: 16_000)
        var reference: [SpeechSegment] = []
        var open: Int?
        for event in try detector.push(speech) {
            switch event {
            case .start(let sample): open = sample
            case .end(let sample): reference.append(SpeechSegment(start: open!, end: sample, sampleRate: 16_000)); open = nil
            }
        }
        if let open { reference.append(SpeechSegment(start: open, end: speech.count, sampleRate: 16_000)) }
        let live = segments(events)
        #expect(reference.count >= 10)
        #expect(live.map { ($0.startSeconds, $0.endSeconds) }.elementsEqual(reference.map { ($0.startSeconds, $0.endSeconds) }, by: ==))
        // Each segment's result is the offline pipeline's for the same samples.
        let offline = try analyzer.analyzeBlocking(samples: speech, speechSegments: reference)
        #expect(offline.segments.count == live.count)
        var largest = 0.0
        for (a, b) in zip(live, offline.segments) {
            #expect(a.windows == b.windows && a.scores.map(\.label) == b.scores.map(\.label))
            for (x, y) in zip(a.scores, b.scores) { largest = max(largest, abs(x.score - y.score)) }
            if let s = a.stress, let t = b.stress { largest = max(largest, abs(s - t)) }
        }
        ParityLog.record("live.segments_equal_offline", worst: largest, bound: 1e-5)
        #expect(largest <= 1e-5, "largest difference \(largest)")
    }

    @Test func eventsComeInOrder() async throws {
        // 20 times real time: the (tiny) model keeps up, so updates are made, not coalesced.
        let events = try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options()), try loadSpeech(),
                                       seed: 11, speedup: 20)
        var open = false
        var updates = 0, skipped = 0, segmentSkipped = 0, lastTime = 0.0, started = 0.0
        for event in events {
            switch event {
            case .speechStarted(let time, _):
                #expect(!open && time >= lastTime)
                open = true
                started = time
            case .update(let update):
                #expect(open && update.time > update.windowStart && update.windowStart >= started && update.time - update.windowStart <= 3.0001)
                #expect(update.smoothedStress != nil && update.latency >= 0)
                updates += 1
                skipped += update.skipped
            case .speechEnded(let ended):
                #expect(open && ended.segment.startSeconds == started && ended.latency >= 0)
                open = false
                lastTime = ended.segment.endSeconds
                segmentSkipped += ended.skippedUpdates
            }
        }
        // 47 s of speech in 16 segments: 40 updates fall due. Made, or skipped when the model was
        // busy (how many depends on the machine's load), each is accounted for by its segment.
        #expect(!open && updates + segmentSkipped == 40, "\(updates) updates, \(segmentSkipped) skipped")
        #expect(skipped <= segmentSkipped)
        // Updates fall due every second of a segment's speech and are made at the end of the
        // block that reaches that point (blocks here are at most 3000 samples, 0.19 s); one the
        // model had no time for is skipped, never late.
        var segmentStart = 0.0, previous = 0
        for event in events {
            if case .speechStarted(let time, _) = event { segmentStart = time; previous = 0 }
            guard case .update(let update) = event else { continue }
            let elapsed = update.time - segmentStart
            #expect(Int(elapsed) > previous && elapsed - Double(Int(elapsed)) < 3000.0 / 16_000, "update \(elapsed) s into its segment")
            #expect(abs(update.windowStart - max(segmentStart, update.time - 3)) < 1e-9)
            previous = Int(elapsed)
        }
    }

    @Test func smoothingFollowsItsTimeConstant() async throws {
        let events = try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options()), try loadSpeech(), speedup: 20)
        let updates = events.compactMap { if case .update(let u) = $0 { return u } else { return nil } }
        #expect(!updates.isEmpty)  // the formula is checked on every update made (how many: the machine's load)
        var smoothed: Double?
        var last = 0.0
        for update in updates {
            let stress = try #require(update.stress)
            smoothed = smoothed.map { $0 + (1 - exp(-(update.time - last) / 5)) * (stress - $0) } ?? stress
            last = update.time
            #expect(abs(update.smoothedStress! - smoothed!) < 1e-12)
        }
    }

    @Test func finishFlushesSpeechStillGoingOn() async throws {
        // Cut in the middle of the first segment (0.7...4.96 s).
        let speech = Array(try loadSpeech()[0..<48_000])
        let events = try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options()), speech)
        guard case .speechEnded(let last)? = events.last else { Issue.record("no speechEnded at the end: \(events)"); return }
        #expect(last.segment.endSeconds == 3 && !last.wasCut && !last.segment.scores.isEmpty)
    }

    @Test func longSpeechIsCutAtTheMaximum() async throws {
        let events = try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options(maximumSpeech: 2)), try loadSpeech())
        let ended = events.compactMap { if case .speechEnded(let e) = $0 { return e } else { return nil } }
        #expect(ended.allSatisfy { $0.segment.durationSeconds <= 2 + 1e-12 }, "\(ended.map(\.segment.durationSeconds).max()!)")
        #expect(ended.filter(\.wasCut).count >= 10)
        // A cut segment is followed by a continuation starting where it stopped.
        for (a, b) in zip(ended, ended.dropFirst()) where a.wasCut { #expect(b.segment.startSeconds == a.segment.endSeconds) }
    }

    @Test func silenceGivesNothingAndHoldsASecond() async throws {
        let live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options())
        let collector = Task { var n = 0; for await _ in live.events { n += 1 }; return n }
        let block = [Float](repeating: 0, count: 16_000)
        var largest = 0
        for _ in 0..<600 {  // ten minutes
            try live.push(block)
            largest = max(largest, live.bufferedSamples)
        }
        live.finish()
        #expect(await collector.value == 0)
        #expect(largest <= 2 * 16_000 + 4096)
    }

    @Test func anHourOfSpeechStaysBounded() async throws {
        // Cut at 3 s: most of the recording's segments (up to 4.8 s) reach it.
        let options = options(maximumSpeech: 3)
        let live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options)
        let collector = Task { () -> (Int, Int) in
            var (ended, cut) = (0, 0)
            for await event in live.events { if case .speechEnded(let e) = event { ended += 1; if e.wasCut { cut += 1 } } }
            return (ended, cut)
        }
        let speech = try loadSpeech()
        let residentBefore = residentBytes()
        var largest = 0
        for _ in 0..<(3600 / 62 + 1) {  // 59 × 62 s > one hour, in 1 s blocks
            var offset = 0
            while offset < speech.count {
                try speech.withUnsafeBufferPointer { try live.push(UnsafeBufferPointer(rebasing: $0[offset..<min(offset + 16_000, speech.count)])) }
                offset += 16_000
                largest = max(largest, live.bufferedSamples)
            }
        }
        live.finish()
        let (ended, cut) = await collector.value
        #expect(ended >= 59 * 15 && cut >= 59 * 8, "\(ended) segments, \(cut) cut")
        // The open segment (at most 3 s) and one to two seconds of history, never the hour.
        #expect(largest <= 5 * 16_000 + 4096, "held \(largest) samples")
        #expect(residentBytes() - residentBefore < 64 << 20, "resident memory grew by \((residentBytes() - residentBefore) >> 20) MB")
    }

    @Test func otherRatesStereoAndInt16() async throws {
        let speech = try loadSpeech()
        let reference = segments(try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options()), speech))
        // Stereo with both channels equal is the mono stream exactly; 16-bit input too, as
        // the file holds 16-bit samples.
        let stereo = speech.flatMap { [$0, $0] }
        let fromStereo = segments(try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, channels: 2, options: options()), stereo, maximumBlock: 999))
        #expect(fromStereo == reference)
        let live16 = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options())
        let collector = Task { var all: [LiveEvent] = []; for await e in live16.events { all.append(e) }; return all }
        let pcm = speech.map { Int16(($0 * 32768).rounded()) }
        for start in stride(from: 0, to: pcm.count, by: 320) { try live16.push(int16: Array(pcm[start..<min(start + 320, pcm.count)])) }
        live16.finish()
        #expect(segments(await collector.value) == reference)
        // Other rates go through the resampler (to 16 kHz, the rate of the VAD and the model):
        // the same segments within one VAD chunk (32 ms) at 44.1 and 48 kHz; at 8 kHz, whose
        // audio lacks everything above 4 kHz, within two.
        for (rate, tolerance) in [(8_000, 0.064), (44_100, 0.032), (48_000, 0.032)] {
            let audio = try Resampler.resample(speech, from: 16_000, to: Double(rate))
            let found = segments(try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: rate, options: options()), audio))
            #expect(found.count == reference.count, "\(rate) Hz: \(found.count) segments")
            for (a, b) in zip(found, reference) {
                #expect(abs(a.startSeconds - b.startSeconds) <= tolerance + 1e-9 && abs(a.endSeconds - b.endSeconds) <= tolerance + 1e-9, "\(rate) Hz: \(a.startSeconds)-\(a.endSeconds) vs \(b.startSeconds)-\(b.endSeconds)")
            }
        }
    }

    /// Live and offline share one downmix: a 1, 2, 3 or 6-channel recording (channels that
    /// differ) gives live exactly the mono stream `AudioLoader` decodes from the file, so every
    /// segment's scores are equal bit for bit. (Live divided by n where the loader multiplied by
    /// 1/n: the last bit differed for 3 and 6 channels.)
    @Test(arguments: [1, 2, 3, 6])
    func liveAndOfflineDownmixAlike(_ channels: Int) async throws {
        let speech = Array(try loadSpeech().prefix(16_000 * 12))
        let gains: [Float] = [1, 0.37, -0.61, 0.83, 0.29, -0.44]
        var interleaved = [Float](repeating: 0, count: speech.count * channels)
        for (f, x) in speech.enumerated() { for c in 0..<channels { interleaved[f * channels + c] = x * gains[c] + Float(c) * 1e-4 } }
        // A float WAV of those channels, decoded as any file is.
        var file = Data("RIFF".utf8)
        func u32(_ v: Int) { var v = UInt32(v).littleEndian; file.append(Data(bytes: &v, count: 4)) }
        func u16(_ v: Int) { var v = UInt16(v).littleEndian; file.append(Data(bytes: &v, count: 2)) }
        u32(36 + interleaved.count * 4); file.append(Data("WAVEfmt ".utf8))
        u32(16); u16(3); u16(channels); u32(16_000); u32(16_000 * 4 * channels); u16(4 * channels); u16(32)
        file.append(Data("data".utf8)); u32(interleaved.count * 4)
        interleaved.withUnsafeBytes { file.append(contentsOf: $0) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("channels-\(channels)-\(UUID()).wav")
        try file.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let offline = try AudioLoader.load(path: path.path, sampleRate: 16_000).samples
        let fromMono = segments(try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options()), offline))
        let fromChannels = segments(try await runLive(LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, channels: channels, options: options()),
                                                      interleaved, maximumBlock: 1001))
        #expect(!fromMono.isEmpty && fromChannels == fromMono)
    }

    @Test func cancellingStopsTheSession() async throws {
        let live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options())
        let consumer = Task { for await _ in live.events {} }
        try live.push([Float](repeating: 0, count: 1600))
        consumer.cancel()
        await consumer.value
        // The stream's end reached the session: pushing now is refused.
        var refused = false
        for _ in 0..<100 where !refused {
            do { try live.push([Float](repeating: 0, count: 160)) } catch VoiceEmotionError.cancelled { refused = true }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(refused)
    }

    @Test func aDroppedSessionEnds() async throws {
        var live: LiveEmotionAnalyzer? = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: options())
        let stream = live!.events
        try live!.push(Array(try loadSpeech()[0..<48_000]))
        let consumer = Task { var n = 0; for await _ in stream { n += 1 }; return n }
        live = nil  // neither finish() nor cancel(): the session and its thread still end
        let ended = await consumer.value
        #expect(ended >= 0)
    }

    @Test func badInputIsRefused() throws {
        #expect(throws: VoiceEmotionError.invalidSampleRate(path: "<stream>", rate: 0)) { try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 0) }
        #expect(throws: VoiceEmotionError.self) { try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, channels: 0) }
        var bad = LiveAnalysisOptions()
        bad.updateInterval = 0
        #expect(throws: VoiceEmotionError.invalidOption(name: "updateInterval", value: "0.0", reason: "must be within 0.1...60.0")) {
            try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: bad)
        }
        // The VAD settings are checked by the VAD's own validation, in the same words offline,
        // streaming and live (three checks with three messages before).
        var pad = LiveAnalysisOptions()
        pad.speech.speechPadMs = -1
        let words = VoiceEmotionError.invalidOption(name: "speechPadMs", value: "-1.0", reason: "must be a duration from 0 to 86400000 ms (a day)")
        #expect(throws: words) { try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000, options: pad) }
        #expect(throws: words) { try StreamingVoiceDetector(detector: VoiceActivityDetector.bundled(), sampleRate: 16_000, options: pad.speech) }
        var offline = SpeechTimestampOptions()
        offline.speechPadMs = -1
        #expect(throws: words) { try offline.validate() }
        let live = try LiveEmotionAnalyzer(analyzer: analyzer, sampleRate: 16_000)
        try live.push([Float](repeating: 0, count: 16_000))
        #expect(throws: VoiceEmotionError.nonFiniteSample(path: "<stream>", seconds: 1.5)) {
            try live.push([Float](repeating: 0, count: 8_000) + [.nan])
        }
        #expect(throws: VoiceEmotionError.self) { try LiveEmotionAnalyzer(analyzer: EmotionAnalyzer(), sampleRate: 16_000) }
        live.finish()
    }
}

/// This process's resident memory (Linux /proc; 0 elsewhere).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = Int(text.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
