// The zip container `torch.save` writes (torch >= 1.6): stored (uncompressed) entries, Zip64
// when large. Read in place from a mapped file; every offset and size is checked against the
// file before use, so a hostile archive cannot make a read go out of range.

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
            guard record <= UInt64(size - 56), u32(Int(record)) == 0x0606_4B50 else { throw invalid("broken Zip64 end-of-central-directory record") }
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

    /// Throws `invalidTorchCheckpoint` unless the entry's CRC-32 matches its bytes.
    func verify(_ entry: ZipEntry) throws {
        let found = CRC32.checksum(bytes(of: entry))
        guard found == entry.crc32 else {
            throw VoiceEmotionError.invalidTorchCheckpoint(
                path: path, reason: "entry '\(entry.name)' fails its CRC-32 check (corrupt download?)")
        }
    }
}

/// CRC-32 (IEEE 802.3, zip's), eight bytes per step with eight tables.
enum CRC32 {
    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[0][i] = c
        }
        for i in 0..<256 {
            for t in 1..<8 { tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][Int(tables[t - 1][i] & 0xFF)] }
        }
        return tables
    }()

    static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return initial }
        var crc = ~initial
        var i = 0
        let t = tables
        t[0].withUnsafeBufferPointer { t0 in t[1].withUnsafeBufferPointer { t1 in t[2].withUnsafeBufferPointer { t2 in
        t[3].withUnsafeBufferPointer { t3 in t[4].withUnsafeBufferPointer { t4 in t[5].withUnsafeBufferPointer { t5 in
        t[6].withUnsafeBufferPointer { t6 in t[7].withUnsafeBufferPointer { t7 in
            while i + 8 <= bytes.count {
                let one = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                let two = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                crc = t7[Int(one & 0xFF)] ^ t6[Int((one >> 8) & 0xFF)] ^ t5[Int((one >> 16) & 0xFF)] ^ t4[Int(one >> 24)]
                    ^ t3[Int(two & 0xFF)] ^ t2[Int((two >> 8) & 0xFF)] ^ t1[Int((two >> 16) & 0xFF)] ^ t0[Int(two >> 24)]
                i += 8
            }
            while i < bytes.count {
                crc = t0[Int((crc ^ UInt32(base.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        } } } } } } } }
        return ~crc
    }
}
