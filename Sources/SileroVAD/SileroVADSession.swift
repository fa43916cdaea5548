// Per-stream inference state of the Silero VAD: the LSTM state, the context samples, and every
// activation buffer, allocated once when the session is created. Processing allocates nothing.
//
// Why blocks: only the LSTM's `W_hh · h` depends on the previous chunk. The STFT, the four convs
// and the LSTM's input projection of up to `blockChunks` chunks are computed together as a few
// large sgemms (weights read once per block instead of once per chunk), then the recurrence runs
// chunk by chunk. The numbers are those of the chunk-by-chunk model; only the speed differs.

import TensorKernels
import VoiceEmotionCore

/// Runs the Silero VAD chunk by chunk, carrying state between chunks like the official model.
///
/// Not thread-safe (it owns mutable state); create one session per stream. Sessions are cheap
/// (~2.5 MB of buffers for blocks of 128 chunks); the weights they use are shared.
public final class SileroVADSession {
    /// Rate, chunk and context sizes of this session.
    public let geometry: SileroGeometry
    /// Chunks processed together by `process`.
    static let blockChunks = 128
    private let network: SileroNetwork
    private let frames: Int  // STFT frames per chunk (4)

    // One arena for every buffer; the pointers below are views into it.
    private let arena: UnsafeMutablePointer<Float>
    private let padded: UnsafeMutablePointer<Float>       // (block, context + chunk + reflection)
    private let magnitude: UnsafeMutablePointer<Float>    // (block · frames, bins)
    private let spectrum: UnsafeMutablePointer<Float>     // (block · frames, 2·bins), matrix STFT only
    private let activations: [UnsafeMutablePointer<Float>]  // encoder outputs, (block · length_i, channels_i)
    private let workspace: UnsafeMutablePointer<Float>    // conv patches / FFT scratch (largest use)
    private let gates: UnsafeMutablePointer<Float>        // (block, 4·128) LSTM gates
    private let hidden: UnsafeMutablePointer<Float>       // (128) LSTM h, carried between chunks
    private let cell: UnsafeMutablePointer<Float>         // (128) LSTM c, carried between chunks
    private let context: UnsafeMutablePointer<Float>      // (contextSize) last samples of the previous chunk
    private let encoderLengths: [Int]                     // frames after each encoder layer (4, 2, 1, 1)

    init(network: SileroNetwork) {
        self.network = network
        let g = network.geometry
        geometry = g
        frames = network.stftFrames
        let block = Self.blockChunks
        var lengths: [Int] = []
        var length = frames
        var workspaceCount = max(network.stft.workspaceCount(inputLength: g.paddedLength, batch: block),
                                 network.fft?.workspaceCount ?? 0)
        for conv in network.encoder {
            workspaceCount = max(workspaceCount, conv.workspaceCount(inputLength: length, batch: block))
            length = conv.outputLength(inputLength: length)
            lengths.append(length)
        }
        encoderLengths = lengths
        let spectrumCount = network.fft == nil ? block * frames * 2 * g.bins : 0
        let sizes = [block * g.paddedLength, block * frames * g.bins, spectrumCount]
            + zip(lengths, network.encoder).map { block * $0 * $1.outChannels }
            + [workspaceCount, block * 4 * 128, 128, 128, g.contextSize]
        let total = sizes.reduce(0, +)
        arena = .allocate(capacity: total)
        arena.initialize(repeating: 0, count: total)
        var views: [UnsafeMutablePointer<Float>] = []
        var offset = 0
        for size in sizes {
            views.append(arena + offset)
            offset += size
        }
        padded = views[0]
        magnitude = views[1]
        spectrum = views[2]
        let layers = lengths.count
        activations = Array(views[3..<(3 + layers)])
        workspace = views[3 + layers]
        gates = views[4 + layers]
        hidden = views[5 + layers]
        cell = views[6 + layers]
        context = views[7 + layers]
    }

    deinit { arena.deallocate() }

    /// Clears the LSTM state and the context, as the official `reset_states()`.
    public func reset() {
        hidden.update(repeating: 0, count: 128)
        cell.update(repeating: 0, count: 128)
        context.update(repeating: 0, count: geometry.contextSize)
    }

    /// Speech probability of the next chunk of exactly `geometry.chunkSize` samples.
    public func probability(of chunk: UnsafeBufferPointer<Float>) throws -> Float {
        guard chunk.count == geometry.chunkSize else {
            throw VoiceEmotionError.chunkSizeMismatch(expected: geometry.chunkSize, found: chunk.count)
        }
        var result: Float = 0
        process(chunk.baseAddress!, chunks: 1, probabilities: &result)
        return result
    }

    /// Speech probability of the next chunk (an array of exactly `geometry.chunkSize` samples).
    public func probability(of chunk: [Float]) throws -> Float {
        try chunk.withUnsafeBufferPointer { (buffer) throws in try probability(of: buffer) }
    }

    /// Probabilities of `chunks` consecutive chunks (`chunks · chunkSize` contiguous samples),
    /// exactly as `chunks` successive single-chunk calls.
    public func probabilities(of samples: UnsafeBufferPointer<Float>) throws -> [Float] {
        guard samples.count % geometry.chunkSize == 0 else {
            throw VoiceEmotionError.chunkSizeMismatch(expected: geometry.chunkSize, found: samples.count % geometry.chunkSize)
        }
        let count = samples.count / geometry.chunkSize
        guard count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            process(samples.baseAddress!, chunks: count, probabilities: buffer.baseAddress!)
            initialized = count
        }
    }

    /// Runs `chunks` consecutive chunks starting at `samples`, writing one probability each.
    func process(_ samples: UnsafePointer<Float>, chunks: Int, probabilities: UnsafeMutablePointer<Float>) {
        var done = 0
        while done < chunks {
            let n = min(Self.blockChunks, chunks - done)
            processBlock(samples + done * geometry.chunkSize, chunks: n, probabilities: probabilities + done)
            done += n
        }
    }

    private func processBlock(_ samples: UnsafePointer<Float>, chunks n: Int, probabilities: UnsafeMutablePointer<Float>) {
        let g = geometry
        let width = g.paddedLength
        let body = g.contextSize + g.chunkSize
        // context ++ chunk ++ reflection of its tail (right side only, as the official STFT pads).
        // The context of chunk c > 0 is simply the end of chunk c - 1.
        for c in 0..<n {
            let row = padded + c * width
            let chunk = samples + c * g.chunkSize
            row.update(from: c == 0 ? UnsafePointer(context) : chunk - g.contextSize, count: g.contextSize)
            (row + g.contextSize).update(from: chunk, count: g.chunkSize)
            for j in 0..<g.contextSize { row[body + j] = row[body - 2 - j] }
        }
        context.update(from: samples + n * g.chunkSize - g.contextSize, count: g.contextSize)

        let bins = g.bins
        if let fft = network.fft {
            let perChunk = frames
            fft.magnitudes(frameCount: n * perChunk, frame: { UnsafePointer(self.padded + ($0 / perChunk) * width + ($0 % perChunk) * g.hop) },
                           output: magnitude, workspace: workspace)
        } else {
            network.stft.apply(input: padded, length: width, batch: n, output: spectrum, workspace: workspace)
            for row in 0..<(n * frames) {
                let source = spectrum + row * 2 * bins
                for k in 0..<bins {
                    let re = source[k], im = source[bins + k]
                    magnitude[row * bins + k] = (re * re + im * im).squareRoot()
                }
            }
        }

        var input = UnsafePointer(magnitude)
        var length = frames
        for (i, conv) in network.encoder.enumerated() {
            conv.apply(input: input, length: length, batch: n, output: activations[i], workspace: workspace)
            length = encoderLengths[i]
            reluInPlace(activations[i], count: n * length * conv.outChannels)
            input = UnsafePointer(activations[i])
        }
        // The encoder ends with one frame of 128 channels per chunk: the LSTM inputs, (n, 128).
        network.lstm.projectInputs(input, rows: n, gates: gates)
        network.decoderWeight.withUnsafeBufferPointer { w in
            for c in 0..<n {
                network.lstm.advance(gates: gates + c * 4 * 128, hidden: hidden, cell: cell)
                var logit = network.decoderBias
                for j in 0..<128 { logit += w[j] * max(hidden[j], 0) }
                probabilities[c] = sigmoid(logit)
            }
        }
    }
}
