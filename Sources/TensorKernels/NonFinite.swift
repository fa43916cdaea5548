// Finding NaN and infinity in large buffers: weights at load, activations before the head.
// A float is non-finite exactly when its exponent bits are all ones, so 16 lanes are tested per
// step with one AND and one compare, and large buffers are split across the thread budget.

/// Index of the first NaN or infinite element of `values`, or nil when all are finite.
package func firstNonFiniteIndex(_ values: UnsafePointer<Float>, count: Int) -> Int? {
    var found = [Int](repeating: .max, count: max(1, min(BLAS.cachedThreadCount, count)))
    let parts = found.count
    found.withUnsafeMutableBufferPointer { found in
        parallelParts(count, parts: count >= parallelThreshold ? parts : 1) { part, range in
            found[part] = firstNonFiniteSerial(values, range) ?? .max
        }
    }
    let first = found.min()!
    return first == .max ? nil : first
}

private func firstNonFiniteSerial(_ values: UnsafePointer<Float>, _ range: Range<Int>) -> Int? {
    let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000)
    var i = range.lowerBound
    let raw = UnsafeRawPointer(values)
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
