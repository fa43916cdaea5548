// A small safetensors writer for tests and tools (fixtures, converted weights).

import StrictJSON
import VoiceEmotionCore

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Builds a safetensors file in memory: add tensors, then take `bytes()` or `write(to:)`.
package struct SafeTensorsWriter: Sendable {
    private var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], data: [UInt8])] = []
    /// The `__metadata__` string map written with the file.
    package var metadata: [String: String] = [:]

    /// Creates an empty writer.
    package init() {}

    /// Adds a tensor stored as F32, F16 or BF16 (converted from `values`, round to nearest even).
    package mutating func add(_ name: String, shape: [Int], values: [Float], as dtype: SafeTensorsDType = .float32) {
        precondition(shape.reduce(1, *) == values.count, "SafeTensorsWriter: '\(name)' shape does not match its values")
        precondition(!entries.contains { $0.name == name }, "SafeTensorsWriter: '\(name)' added twice")
        var data: [UInt8] = []
        data.reserveCapacity(values.count * dtype.byteSize)
        switch dtype {
        case .float32:
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        case .float16:
            for v in values { withUnsafeBytes(of: halfBits(v).littleEndian) { data.append(contentsOf: $0) } }
        case .bfloat16:
            for v in values { withUnsafeBytes(of: bfloat16Bits(v).littleEndian) { data.append(contentsOf: $0) } }
        default:
            preconditionFailure("SafeTensorsWriter writes F32, F16 and BF16 only")
        }
        entries.append((name, dtype, shape, data))
    }

    /// The complete file: header length, JSON header padded with spaces to 8 bytes, data.
    package func bytes() -> [UInt8] {
        var result = Self.header(entries.map { ($0.name, $0.dtype, $0.shape, $0.data.count) }, metadata: metadata)
        for entry in entries { result.append(contentsOf: entry.data) }
        return result
    }

    /// Writes the file to `path`, replacing any existing file.
    package func write(to path: String) throws {
        try Self.stream(to: path, tensors: entries.map { ($0.name, $0.dtype, $0.shape) }, metadata: metadata) { index, output in
            try entries[index].data.withUnsafeBytes { try output.write($0) }
        }
    }

    /// The length prefix and the JSON header (padded with spaces to 8 bytes) for tensors stored
    /// back to back in the given order.
    static func header(_ tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int], byteCount: Int)], metadata: [String: String]) -> [UInt8] {
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonStringLiteral($0)):\(jsonStringLiteral(metadata[$0]!))" }
            members.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.byteCount
            members.append("\(jsonStringLiteral(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var headerBytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var result: [UInt8] = []
        result.reserveCapacity(8 + headerBytes.count)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { result.append(contentsOf: $0) }
        return result + headerBytes
    }

    /// Writes a file tensor by tensor, so that a converted checkpoint is never held whole: the
    /// header first (offsets from the shapes), then each tensor's bytes, which `data(index,
    /// output)` hands to `output` in one or more pieces (exactly shape × dtype bytes in all; more
    /// or fewer is an error). The file appears at `path` only when complete (written beside it,
    /// then renamed).
    package static func stream(to path: String, tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int])],
                               metadata: [String: String], data: (Int, TensorOutput) throws -> Void) throws {
        // Sizes and offsets in checked arithmetic: shapes come from untrusted checkpoints.
        var sizes: [Int] = []
        var total = 0
        for tensor in tensors {
            var elements = 1
            for size in tensor.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: max(size, 0))
                guard !overflow else { throw VoiceEmotionError.writeFailed(path: path, reason: "tensor '\(tensor.name)' has an absurd shape \(tensor.shape)") }
                elements = product
            }
            let (bytes, overflow1) = elements.multipliedReportingOverflow(by: tensor.dtype.byteSize)
            let (sum, overflow2) = total.addingReportingOverflow(bytes)
            guard !overflow1, !overflow2 else { throw VoiceEmotionError.writeFailed(path: path, reason: "the tensors add up to more bytes than a file can hold") }
            sizes.append(bytes)
            total = sum
        }
        let partial = path + ".partial"
        // Never through a link planted at the partial name (it would write wherever it points):
        // O_NOFOLLOW | O_EXCL. A regular file left there by an interrupted write is ours to replace.
        var descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if descriptor < 0, errno == EEXIST {
            var status = stat()
            if lstat(partial, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
                unlink(partial)
                descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            } else {
                throw VoiceEmotionError.writeFailed(path: partial, reason: "something that is not a regular file is in the way (a link?); remove it and retry")
            }
        }
        guard descriptor >= 0 else { throw VoiceEmotionError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        let output = TensorOutput(descriptor: descriptor, path: path)
        var closed = false
        defer {
            if !closed { close(descriptor); unlink(partial) }
        }
        let headerBytes = header(zip(tensors, sizes).map { ($0.name, $0.dtype, $0.shape, $1) }, metadata: metadata)
        output.expect(headerBytes.count)
        try headerBytes.withUnsafeBytes { try output.write($0) }
        for index in tensors.indices {
            output.expect(sizes[index])
            try data(index, output)
            guard output.remaining == 0 else {
                throw VoiceEmotionError.writeFailed(
                    path: path, reason: "tensor '\(tensors[index].name)' came with \(sizes[index] - output.remaining) bytes where its shape needs \(sizes[index])")
            }
        }
        closed = true
        guard close(descriptor) == 0 else {
            unlink(partial)
            throw VoiceEmotionError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        guard rename(partial, path) == 0 else {
            unlink(partial)
            throw VoiceEmotionError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Where `SafeTensorsWriter.stream` takes one tensor's bytes.
package final class TensorOutput {
    private let descriptor: Int32
    private let path: String
    /// Bytes the current tensor still needs (negative once given too many).
    private(set) var remaining = 0

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    func expect(_ count: Int) { remaining = count }

    private func failure(_ reason: String) -> VoiceEmotionError { .writeFailed(path: path, reason: reason) }

    /// Appends `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        remaining -= bytes.count
        guard remaining >= 0 else { throw failure("a tensor came with more bytes than its shape needs") }
        var done = 0
        while done < bytes.count {
            let n = systemWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// Appends `bytes`, which are the bytes of the open file `source` from `offset` on: on Linux
    /// the kernel copies them from file to file (`sendfile`), the way `cp` copies, without
    /// passing them through this process; elsewhere, or if the kernel declines, they are written.
    package func write(_ bytes: UnsafeRawBufferPointer, sameAs source: Int32, offset: Int) throws {
        #if os(Linux)
        guard remaining - bytes.count >= 0 else { throw failure("a tensor came with more bytes than its shape needs") }
        var position = offset
        var copied = 0
        while copied < bytes.count {
            let n = sendfile(descriptor, source, &position, bytes.count - copied)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }  // declined (or the file ended): write the rest from memory
            copied += n
        }
        remaining -= copied
        try write(UnsafeRawBufferPointer(rebasing: bytes[copied...]))
        #else
        try write(bytes)
        #endif
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.write(fd, buffer, count)
    #else
    return Glibc.write(fd, buffer, count)
    #endif
}

/// Single → IEEE half bits, round to nearest even (overflow to infinity).
package func halfBits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    var mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }
    if halfExponent <= 0 {
        if halfExponent < -10 { return sign }
        mantissa |= 0x80_0000
        let shift = UInt32(14 - halfExponent)
        var half = mantissa >> shift
        let remainder = mantissa & ((1 << shift) - 1)
        let halfway = UInt32(1) << (shift - 1)
        if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
        return sign | UInt16(half)
    }
    var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
    let remainder = mantissa & 0x1FFF
    if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }  // may carry into the exponent: correct
    return sign | UInt16(half)
}

/// Single → bfloat16 bits, round to nearest even.
package func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(bits >> 16) | 0x40 }
    let rounding = 0x7FFF + ((bits >> 16) & 1)
    return UInt16((bits &+ rounding) >> 16)
}
