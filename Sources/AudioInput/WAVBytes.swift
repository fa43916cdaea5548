// A minimal WAV writer for tests and benchmarks (the library reads audio; it does not write it).

/// The bytes of a 32-bit float WAV file (little-endian RIFF) holding `samples` (interleaved when
/// `channels` > 1) at `rate`. The header is written as given, absurd rates included (tests use that).
package func floatWAVBytes(_ samples: [Float], rate: Int, channels: Int = 1) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(44 + 4 * samples.count)
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    bytes += Array("RIFF".utf8); u32(UInt32(36 + 4 * samples.count)); bytes += Array("WAVE".utf8)
    bytes += Array("fmt ".utf8); u32(16); u16(3); u16(UInt16(channels)); u32(UInt32(rate))
    u32(UInt32(truncatingIfNeeded: 4 * rate * channels)); u16(UInt16(4 * channels)); u16(32)
    bytes += Array("data".utf8); u32(UInt32(4 * samples.count))
    for sample in samples { u32(sample.bitPattern) }
    return bytes
}
