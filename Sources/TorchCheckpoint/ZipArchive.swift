// The zip container `torch.save` writes (torch >= 1.6): stored (uncompressed) entries, Zip64
// when large. Read in place from a mapped file; every offset and size is checked against the
// file before use, so a hostile archive cannot make a read go out of range.

import Foundation
import VoiceEmotionCore

/// One stored entry: where its bytes are and what their CRC-32 must be.
struct ZipEntry {
    let name: String
    /// Offset of the entry's data in the file.
    let dataOffset: Int
    let size: Int
    let crc32: UInt32
}

/// The central directory of a zip file held at `base` (`size` bytes).
struct ZipArchive {
    let path: String
    let base: UnsafeRawPointer
    let size: Int
    /// Entries by name.
    let entries: [String: ZipEntry]

    /// Most entries accepted (a checkpoint has one per storage plus a few).
    static let maximumEntries = 1_000_000

    init(path: String, base: UnsafeRawPointer, size: Int) throws {
        self.path = path
        self.base = base
        self.size = size
        func invalid(_ reason: String) -> VoiceEmotionError { .invalidTorchCheckpoint(path: path, reason: reason) }
        func u16(_ offset: Int) -> Int { Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
        func u32(_ offset: Int) -> Int { Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }

        // End of central directory: the last "PK\5\6" within the final 22 + 65 535 bytes.
        guard size >= 22 else { throw invalid("\(size) bytes, too short for a zip archive") }
        var eocd = -1
        var position = size - 22
        while position >= max(0, size - 22 - 65_535) {
            if u32(position) == 0x0605_4B50 { eocd = position; break }
            position -= 1
        }
        guard eocd >= 0 else {
            // Legacy torch.save output (before 1.6) is a bare pickle stream: name the converter.
            if size >= 2, base.load(as: UInt8.self) == 0x80 {
                throw invalid("the legacy (torch < 1.6) format, which is not a zip archive; convert it with "
                              + "Weights/convert_wav2vec2.py, or re-save it with torch >= 1.6")
            }
            throw invalid("not a zip archive (no end-of-central-directory record; truncated?)")
        }
        var count = u16(eocd + 10)
        var directorySize = u32(eocd + 12)
        var directoryOffset = u32(eocd + 16)
        // Zip64: the locator just before the record points to the 64-bit record.
        if (count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF), eocd >= 20, u32(eocd - 20) == 0x0706_4B50 {
            let record = u64(eocd - 12)
            guard size >= 56, record <= UInt64(size - 56), u32(Int(record)) == 0x0606_4B50 else { throw invalid("broken Zip64 end-of-central-directory record") }
            let r = Int(record)
            let (c, s, o) = (u64(r + 32), u64(r + 40), u64(r + 48))
            guard c <= UInt64(Self.maximumEntries), s <= UInt64(size), o <= UInt64(size) else { throw invalid("Zip64 sizes beyond the file") }
            (count, directorySize, directoryOffset) = (Int(c), Int(s), Int(o))
        }
        guard count <= Self.maximumEntries else { throw invalid("\(count) entries") }
        guard directoryOffset <= size, directorySize <= size - directoryOffset else {
            throw invalid("the central directory lies beyond the end of the file (truncated?)")
        }

        var entries: [String: ZipEntry] = [:]
        var cursor = directoryOffset
        for _ in 0..<count {
            guard cursor <= size - 46, u32(cursor) == 0x0201_4B50 else { throw invalid("broken central directory entry at byte \(cursor)") }
            let method = u16(cursor + 10)
            let crc = UInt32(u32(cursor + 16))
            var compressed = u32(cursor + 20)
            var uncompressed = u32(cursor + 24)
            let nameLength = u16(cursor + 28), extraLength = u16(cursor + 30), commentLength = u16(cursor + 32)
            var localOffset = u32(cursor + 42)
            let nameStart = cursor + 46
            guard nameStart + nameLength + extraLength + commentLength <= size else { throw invalid("a central directory entry runs past the end") }
            let name = String(decoding: UnsafeRawBufferPointer(start: base + nameStart, count: nameLength), as: UTF8.self)
            // Zip64 extended information: the 64-bit values of the fields that are all ones.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(extra), length = u16(extra + 2)
                guard extra + 4 + length <= extraEnd else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    func next() -> Int? {
                        guard field + 8 <= extra + 4 + length else { return nil }
                        defer { field += 8 }
                        let value = u64(field)
                        return value <= UInt64(Int.max) ? Int(value) : nil
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = next() ?? Int.max }
                    if compressed == 0xFFFF_FFFF { compressed = next() ?? Int.max }
                    if localOffset == 0xFFFF_FFFF { localOffset = next() ?? Int.max }
                }
                extra += 4 + length
            }
            guard method == 0 else {
                throw invalid("entry '\(name)' is compressed (method \(method)); torch.save stores entries uncompressed")
            }
            guard compressed == uncompressed else { throw invalid("entry '\(name)' has different stored and original sizes") }
            guard localOffset <= size - 30, u32(localOffset) == 0x0403_4B50 else {
                throw invalid("entry '\(name)' has no local header where the directory says (truncated?)")
            }
            let dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            guard dataOffset <= size, compressed <= size - dataOffset else {
                throw invalid("entry '\(name)' runs past the end of the file (truncated?)")
            }
            guard entries.updateValue(ZipEntry(name: name, dataOffset: dataOffset, size: compressed, crc32: crc), forKey: name) == nil else {
                throw invalid("entry '\(name)' appears twice")
            }
            cursor = nameStart + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The bytes of an entry, in place.
    func bytes(of entry: ZipEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + entry.dataOffset, count: entry.size)
    }

    /// Drops this process's mapping of the entry's whole pages (the data stays in the page cache).
    func releasePages(of entry: ZipEntry) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (entry.dataOffset + page - 1) / page * page
        let end = (entry.dataOffset + entry.size) / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Throws `invalidTorchCheckpoint` unless the entry's CRC-32 matches its bytes.
    func verify(_ entry: ZipEntry) throws {
        let found = CRC32.checksum(bytes(of: entry))
        guard found == entry.crc32 else {
            throw VoiceEmotionError.invalidTorchCheckpoint(
                path: path, reason: "entry '\(entry.name)' fails its CRC-32 check (corrupt download?)")
        }
    }
}

/// CRC-32 (IEEE 802.3, zip's), sixteen bytes per step with sixteen tables ("slicing-by-16":
/// about 1.9 GB/s on this machine, against 1.5 GB/s for slicing-by-8); large buffers are split
/// in two halves checked on two threads, their CRCs then combined.
package enum CRC32 {
    /// Table k (entries 256k ..< 256(k+1)) advances a byte through k further zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 16 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[i] = c
        }
        for k in 1..<16 {
            for i in 0..<256 {
                let previous = tables[(k - 1) * 256 + i]
                tables[k * 256 + i] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// Buffers from this size on are split across two threads.
    static let parallelThreshold = 8 << 20

    /// The CRC-32 of `bytes` (continuing from `initial`, the CRC of what came before).
    package static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard bytes.count >= parallelThreshold else { return serial(bytes, initial: initial) }
        let half = bytes.count / 2
        let parts = UnsafeMutablePointer<UInt32>.allocate(capacity: 2)
        defer { parts.deallocate() }
        // Addresses as integers: each part reads its half and writes its own result slot.
        let (input, output, count) = (UInt(bitPattern: bytes.baseAddress), UInt(bitPattern: parts), bytes.count)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            let start = UnsafeRawPointer(bitPattern: input)! + (part == 0 ? 0 : half)
            let piece = UnsafeRawBufferPointer(start: start, count: part == 0 ? half : count - half)
            UnsafeMutablePointer<UInt32>(bitPattern: output)![part] = serial(piece, initial: part == 0 ? initial : 0)
        }
        return combine(parts[0], parts[1], secondLength: bytes.count - half)
    }

    /// The CRC of A followed by B, from CRC(A), CRC(B) and B's length: CRC(A) is carried
    /// through B's length of zero bits (a multiplication by x^(8·length) modulo the polynomial).
    package static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        multiply(xPower(bits: UInt64(secondLength) * 8), first) ^ second
    }

    /// a(x)·b(x) modulo the CRC polynomial, both in the reflected bit order CRC-32 uses
    /// (bit 31 is x^0).
    private static func multiply(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var product: UInt32 = 0, b = b, bit: UInt32 = 1 << 31
        while bit != 0 {
            if a & bit != 0 { product ^= b }
            b = b & 1 != 0 ? (b >> 1) ^ 0xEDB8_8320 : b >> 1  // b·x
            bit >>= 1
        }
        return product
    }

    /// x^(2^k) modulo the polynomial, for k in 0..<64, by repeated squaring of x.
    private static let squarings: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 64)
        var value: UInt32 = 1 << 30  // x
        for k in 0..<64 {
            table[k] = value
            value = multiply(value, value)
        }
        return table
    }()

    /// x^bits modulo the polynomial.
    private static func xPower(bits: UInt64) -> UInt32 {
        var result: UInt32 = 1 << 31, bits = bits, k = 0  // 1
        while bits != 0 {
            if bits & 1 != 0 { result = multiply(squarings[k], result) }
            bits >>= 1
            k += 1
        }
        return result
    }

    static func serial(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return initial }
        var crc = ~initial
        var i = 0
        tables.withUnsafeBufferPointer { t in
            func word(_ offset: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
            func look(_ table: Int, _ byte: UInt32) -> UInt32 { t[table << 8 | Int(byte & 0xFF)] }
            while i + 16 <= bytes.count {
                let a = word(i) ^ crc, b = word(i + 4), c = word(i + 8), d = word(i + 12)
                crc = look(15, a) ^ look(14, a >> 8) ^ look(13, a >> 16) ^ look(12, a >> 24)
                    ^ look(11, b) ^ look(10, b >> 8) ^ look(9, b >> 16) ^ look(8, b >> 24)
                    ^ look(7, c) ^ look(6, c >> 8) ^ look(5, c >> 16) ^ look(4, c >> 24)
                    ^ look(3, d) ^ look(2, d >> 8) ^ look(1, d >> 16) ^ look(0, d >> 24)
                i += 16
            }
            while i < bytes.count {
                crc = look(0, crc ^ UInt32(base.load(fromByteOffset: i, as: UInt8.self))) ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }
}
