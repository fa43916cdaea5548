// Silero VAD: microseconds per 16 kHz chunk on one thread, and the real-time factor of analyze()
// over a 10-minute recording.

import VoiceEmotionCore
import SileroVAD
import TensorKernels

struct Section {
    let json: String
    let lines: [String]
}

func benchmarkVAD(runs: Int) throws -> Section {
    let threads = BLAS.threadCount
    BLAS.setThreadCount(1)
    defer { BLAS.setThreadCount(threads) }
    let audio = try speechRecording(seconds: 600)
    let detector = try VoiceActivityDetector.bundled()
    let session = try detector.makeSession(sampleRate: modelSampleRate)
    let chunks = audio.count / 512
    // A recording: blocks of chunks share the non-recurrent work.
    let recording = Timing(runs: runs) {
        session.reset()
        audio.withUnsafeBufferPointer { _ = try! session.probabilities(of: UnsafeBufferPointer(rebasing: $0[0..<(chunks * 512)])) }
    }.scaled(1e6 / Double(chunks))
    // A live stream: one chunk per call.
    let streamingChunks = 2000
    let streaming = Timing(runs: runs) {
        session.reset()
        audio.withUnsafeBufferPointer { input in
            for i in 0..<streamingChunks {
                _ = try! session.probability(of: UnsafeBufferPointer(rebasing: input[(i * 512)..<(i * 512 + 512)]))
            }
        }
    }.scaled(1e6 / Double(streamingChunks))
    let analyze = try Timing(runs: runs) { _ = try detector.analyze(audio, sampleRate: modelSampleRate) }.scaled(1 / 600.0)
    let json = """
        {"us_per_chunk": \(format(recording.median, 2)), "us_per_chunk_min": \(format(recording.minimum, 2)), \
        "us_per_chunk_max": \(format(recording.maximum, 2)), "us_per_chunk_streaming": \(format(streaming.median, 2)), \
        "threads": 1, "chunks": \(chunks), "audio_s": 600, "rtf": \(format(analyze.median, 6)), \
        "rtf_min": \(format(analyze.minimum, 6)), "rtf_max": \(format(analyze.maximum, 6))}
        """
    return Section(json: json, lines: [
        "VAD chunk, recording    \(format(recording.median, 2)) us (\(format(recording.minimum, 2))-\(format(recording.maximum, 2))), 1 thread, \(chunks) chunks",
        "VAD chunk, streaming    \(format(streaming.median, 2)) us (\(format(streaming.minimum, 2))-\(format(streaming.maximum, 2))), 1 thread, one chunk per call",
        "VAD analyze 10 min      RTF \(format(analyze.median, 5)) (\(format(analyze.minimum, 5))-\(format(analyze.maximum, 5)))",
    ])
}
