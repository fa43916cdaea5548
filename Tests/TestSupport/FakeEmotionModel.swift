// A second emotion model family that is not Wav2Vec2: proof that the analyzer, live analysis and
// the journal need only the `EmotionModel` protocol. Its "emotion" is the loudness of the window.

import Foundation
import VoiceEmotionCore

/// Labels `calm` and `angry`; angry = min(1, 10 × RMS of the window). Counts its calls.
public final class FakeEmotionModel: EmotionModel, @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0

    public init() {}

    /// How many windows it has scored.
    public var callCount: Int { lock.withLock { calls } }

    public var labels: [String] { ["calm", "angry"] }
    public var isRegression: Bool { false }
    public var minimumSamples: Int { 400 }
    public var maximumSamples: Int { 1 << 30 }
    public func scratchBytes(samples: Int) -> Int { 4 * samples }
    public func estimatedFlops(samples: Int) -> Double { 1e3 * Double(samples) }

    public func scores(_ samples: [Float], shouldStop: (() -> Bool)?) throws -> [Float] {
        if shouldStop?() == true { throw VoiceEmotionError.cancelled }
        lock.withLock { calls += 1 }
        let rms = (samples.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
        let angry = Float(min(1, 10 * rms))
        return [1 - angry, angry]
    }

    /// The scores `scores` gives for `samples`, as the analyzer's `EmotionScore`s would hold them.
    public static func expectedAngry(_ samples: ArraySlice<Float>) -> Double {
        let rms = (samples.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
        return Double(Float(min(1, 10 * rms)))
    }

    public func releaseCachedBuffers() {}
    public var cachedBufferBytes: Int { 0 }
}
