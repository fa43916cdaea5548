// Per-stream inference state of the Silero VAD: the LSTM state, the 64-sample context, and every
// activation buffer, allocated once when the session is created. A step allocates nothing.

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif
import TensorKernels

/// Runs the Silero VAD chunk by chunk, carrying state between chunks like the official model.
///
/// Not thread-safe (it owns mutable state); create one session per stream. Sessions are cheap
/// (a few KB); the weights they use are shared.
public final class SileroVADSession {
    /// Rate, chunk and context sizes of this session.
    public let geometry: SileroGeometry
    private let network: SileroNetwork

    // One arena for every buffer; the pointers below are views into it.
    private let arena: UnsafeMutablePointer<Float>
    private let arenaCount: Int
    private let padded: UnsafeMutablePointer<Float>       // (context + chunk + reflection)
    private let spectrum: UnsafeMutablePointer<Float>     // (frames, 2·bins): real parts then imaginary parts
    private let magnitude: UnsafeMutablePointer<Float>    // (frames, bins)
    private let activations: [UnsafeMutablePointer<Float>]  // encoder outputs, (length_i, channels_i)
    private let workspace: UnsafeMutablePointer<Float>    // conv patches (largest layer)
    private let lstmWorkspace: UnsafeMutablePointer<Float>
    private let hidden: UnsafeMutablePointer<Float>       // (128) LSTM h, carried between chunks
    private let cell: UnsafeMutablePointer<Float>         // (128) LSTM c, carried between chunks
    private let context: UnsafeMutablePointer<Float>      // (contextSize) last samples of the previous chunk
    private let encoderLengths: [Int]

    init(network: SileroNetwork) {
        self.network = network
        let g = network.geometry
        geometry = g
        let frames = network.stftFrames
        var lengths: [Int] = []
        var length = frames
        var workspaceCount = network.stft.workspaceCount(inputLength: g.paddedLength)
        for conv in network.encoder {
            workspaceCount = max(workspaceCount, conv.workspaceCount(inputLength: length))
            length = conv.outputLength(inputLength: length)
            lengths.append(length)
        }
        encoderLengths = lengths
        let sizes = [g.paddedLength, frames * 2 * g.bins, frames * g.bins]
            + zip(lengths, network.encoder).map { $0 * $1.outChannels }
            + [workspaceCount, network.lstm.workspaceCount, 128, 128, g.contextSize]
        arenaCount = sizes.reduce(0, +)
        arena = .allocate(capacity: arenaCount)
        arena.initialize(repeating: 0, count: arenaCount)
        var views: [UnsafeMutablePointer<Float>] = []
        var offset = 0
        for size in sizes {
            views.append(arena + offset)
            offset += size
        }
        padded = views[0]
        spectrum = views[1]
        magnitude = views[2]
        activations = Array(views[3..<(3 + lengths.count)])
        workspace = views[3 + lengths.count]
        lstmWorkspace = views[4 + lengths.count]
        hidden = views[5 + lengths.count]
        cell = views[6 + lengths.count]
        context = views[7 + lengths.count]
    }

    deinit { arena.deallocate() }

    /// Clears the LSTM state and the context, as the official `reset_states()`.
    public func reset() {
        hidden.update(repeating: 0, count: 128)
        cell.update(repeating: 0, count: 128)
        context.update(repeating: 0, count: geometry.contextSize)
    }

    /// Speech probability of the next chunk of exactly `geometry.chunkSize` samples.
    public func probability(of chunk: UnsafeBufferPointer<Float>) throws(SileroVADError) -> Float {
        guard chunk.count == geometry.chunkSize else {
            throw .chunkSizeMismatch(expected: geometry.chunkSize, found: chunk.count)
        }
        return step(chunk.baseAddress!)
    }

    /// Speech probability of the next chunk (an array of exactly `geometry.chunkSize` samples).
    public func probability(of chunk: [Float]) throws(SileroVADError) -> Float {
        try chunk.withUnsafeBufferPointer { (buffer) throws(SileroVADError) in try probability(of: buffer) }
    }

    /// One model step on `chunkSize` samples (length checked by the caller).
    func step(_ chunk: UnsafePointer<Float>) -> Float {
        let g = geometry
        let n = g.contextSize + g.chunkSize
        // context ++ chunk ++ reflection of its tail (right side only, as the official STFT pads).
        padded.update(from: context, count: g.contextSize)
        (padded + g.contextSize).update(from: chunk, count: g.chunkSize)
        for j in 0..<g.contextSize { padded[n + j] = padded[n - 2 - j] }
        context.update(from: chunk + (g.chunkSize - g.contextSize), count: g.contextSize)

        network.stft.apply(input: padded, length: g.paddedLength, output: spectrum, workspace: workspace)
        let bins = g.bins
        let frames = network.stftFrames
        for t in 0..<frames {
            let row = spectrum + t * 2 * bins
            for k in 0..<bins {
                let re = row[k], im = row[bins + k]
                magnitude[t * bins + k] = (re * re + im * im).squareRoot()
            }
        }
        var input = UnsafePointer(magnitude)
        var length = frames
        for (i, conv) in network.encoder.enumerated() {
            conv.apply(input: input, length: length, output: activations[i], workspace: workspace)
            length = encoderLengths[i]
            reluInPlace(activations[i], count: length * conv.outChannels)
            input = UnsafePointer(activations[i])
        }
        network.lstm.step(input: input, hidden: hidden, cell: cell, workspace: lstmWorkspace)
        var logit = network.decoderBias
        network.decoderWeight.withUnsafeBufferPointer { w in
            for j in 0..<128 { logit += w[j] * max(hidden[j], 0) }
        }
        return sigmoid(logit)
    }
}
