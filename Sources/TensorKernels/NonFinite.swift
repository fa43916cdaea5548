// Finding NaN and infinity in large buffers (weights at load, activations before the head):
// the SIMD scan of VoiceEmotionCore, split across the thread budget.

import VoiceEmotionCore

/// Index of the first NaN or infinite element of `values`, or nil when all are finite.
package func firstNonFiniteIndex(_ values: UnsafePointer<Float>, count: Int) -> Int? {
    var found = [Int](repeating: .max, count: max(1, min(BLAS.cachedThreadCount, count)))
    let parts = found.count
    found.withUnsafeMutableBufferPointer { found in
        parallelParts(count, parts: count >= parallelThreshold ? parts : 1) { part, range in
            found[part] = VoiceEmotionCore.firstNonFiniteIndex(values, in: range) ?? .max
        }
    }
    let first = found.min()!
    return first == .max ? nil : first
}
