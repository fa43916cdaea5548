// A minimal WAV writer for tests and benchmarks (the library reads audio; it does not write it).

/// The bytes of a mono 32-bit float WAV file (little-endian RIFF) holding `samples` at `rate`.
package func floatWAVBytes(_ samples: [Float], rate: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(44 + 4 * samples.count)
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    bytes += Array("RIFF".utf8); u32(UInt32(36 + 4 * samples.count)); bytes += Array("WAVE".utf8)
    bytes += Array("fmt ".utf8); u32(16); u16(3); u16(1); u32(UInt32(rate)); u32(UInt32(4 * rate)); u16(4); u16(32)
    bytes += Array("data".utf8); u32(UInt32(4 * samples.count))
    for sample in samples { u32(sample.bitPattern) }
    return bytes
}
