// Finding NaN and infinity in sample and weight buffers. A float is non-finite exactly when its
// exponent bits are all ones, so 16 lanes are tested per step with one AND and one compare.

/// Index of the first NaN or infinite element of `values[range]`, or nil when all are finite.
package func firstNonFiniteIndex(_ values: UnsafePointer<Float>, in range: Range<Int>) -> Int? {
    let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000)
    let raw = UnsafeRawPointer(values)
    var i = range.lowerBound
    while i + 16 <= range.upperBound {
        let bits = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<UInt32>.self)
        if any((bits & exponent) .== exponent) { break }  // the exact index is found below
        i += 16
    }
    while i < range.upperBound {
        if !values[i].isFinite { return i }
        i += 1
    }
    return nil
}

/// Throws `nonFiniteSample` for the first NaN or infinite sample; `offset` is the index of
/// `samples[0]` in the recording, for the time in the message.
package func requireFiniteSamples(
    _ samples: UnsafeBufferPointer<Float>, sampleRate: Int, label: String, offset: Int = 0
) throws {
    guard let base = samples.baseAddress, let index = firstNonFiniteIndex(base, in: 0..<samples.count) else { return }
    throw VoiceEmotionError.nonFiniteSample(path: label, seconds: Double(offset + index) / Double(sampleRate))
}
