// The one place a model family plugs in: what the analyzer, live analysis, progress and the
// journal need of an emotion model, and nothing else. `Wav2Vec2Classifier` adopts it; a second
// family (emotion2vec+) adopts it too, and nothing outside its own target names its type.

/// An emotion model over 16 kHz mono speech: Wav2Vec2/HuBERT checkpoints today.
///
/// Adopters are immutable and `Sendable`: one loaded model serves concurrent calls, each in its
/// own buffers.
public protocol EmotionModel: Sendable {
    /// Output names in output order (the checkpoint's own labels; `Emotion(label:)` maps them).
    var labels: [String] { get }
    /// Whether the outputs are regression values (arousal, dominance, valence) rather than
    /// class probabilities.
    var isRegression: Bool { get }
    /// The fewest samples one call takes (shorter speech is not given to the model).
    var minimumSamples: Int { get }
    /// The most samples one call accepts within its memory limit.
    var maximumSamples: Int { get }
    /// Bytes of activation memory one call needs for `samples` samples.
    func scratchBytes(samples: Int) -> Int
    /// Floating-point operations of one call on `samples` samples: progress estimates weigh
    /// the model's work by it.
    func estimatedFlops(samples: Int) -> Double
    /// The outputs for 16 kHz mono `samples`, in `labels` order: probabilities (they sum to 1)
    /// or regression values. `shouldStop`, asked between the model's steps, abandons the call
    /// with `VoiceEmotionError.cancelled`.
    func scores(_ samples: [Float], shouldStop: (() -> Bool)?) throws -> [Float]
    /// Frees the activation buffers kept from finished calls.
    func releaseCachedBuffers()
    /// Bytes of activation buffers currently kept for reuse.
    var cachedBufferBytes: Int { get }
}
