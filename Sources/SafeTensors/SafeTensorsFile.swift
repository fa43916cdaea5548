// Memory-mapped safetensors reader (format: https://github.com/huggingface/safetensors).
// Layout: u64 little-endian header length N, N bytes of JSON, then the data section. The whole
// header is validated at open, so no later read can go out of bounds.

import StrictJSON
import VoiceEmotionCore

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Element type of a stored tensor.
package enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// Floating-point types (F32, F16 and BF16 can be read as Float).
    case float64 = "F64", float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    /// 8-bit floats (sizes only).
    case float8E4M3 = "F8_E4M3", float8E5M2 = "F8_E5M2"
    /// Integer and boolean types (sizes only).
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8"
    case uint64 = "U64", uint32 = "U32", uint16 = "U16", uint8 = "U8", bool = "BOOL"

    /// Bytes per element.
    package var byteSize: Int {
        switch self {
        case .float64, .int64, .uint64: return 8
        case .float32, .int32, .uint32: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float8E4M3, .float8E5M2, .int8, .uint8, .bool: return 1
        }
    }

    /// Whether `SafeTensorsFile.floats` can read this type.
    package var isReadableAsFloat: Bool { self == .float32 || self == .float16 || self == .bfloat16 }
}

/// Where one tensor lives in the file.
package struct TensorInfo: Sendable, Equatable {
    /// Tensor name as written in the header.
    package let name: String
    /// Element type.
    package let dtype: SafeTensorsDType
    /// Dimensions, outermost first.
    package let shape: [Int]
    /// Byte range within the data section.
    package let byteRange: Range<Int>
    /// Number of elements (product of the shape).
    package var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped (or held in memory when opened from bytes) and validated.
///
/// Reading F32 tensors in place (`withFloats`) costs no copy; F16 and BF16 are converted.
/// Immutable after opening, so it can be shared across threads.
package final class SafeTensorsFile: @unchecked Sendable {
    /// The path the file was opened from, or a label for in-memory data (used in error messages).
    package let path: String
    /// Tensors by name.
    package let tensors: [String: TensorInfo]
    /// The optional `__metadata__` string map.
    package let metadata: [String: String]

    private let base: UnsafeRawPointer
    private let size: Int
    private let dataStart: Int
    private let unmap: (@Sendable () -> Void)?
    private let isMapped: Bool

    /// Tensor names, sorted.
    package var tensorNames: [String] { tensors.keys.sorted() }

    /// Opens and validates a file by memory-mapping it. Anything but a regular file (a FIFO, a
    /// device, a link to one) is refused without blocking.
    package convenience init(path: String) throws {
        let mapping: (base: UnsafeRawPointer?, size: Int, unmap: @Sendable () -> Void)
        do { mapping = try RegularFile.map(path: path) } catch {
            if error == .notFound { throw VoiceEmotionError.fileNotFound(path: path) }
            throw VoiceEmotionError.unreadableFile(path: path, reason: error.reason)
        }
        guard let base = mapping.base, mapping.size >= 8 else {
            mapping.unmap()
            throw VoiceEmotionError.fileTooSmall(path: path, size: mapping.size)
        }
        try self.init(path: path, base: base, size: mapping.size, isMapped: true, release: mapping.unmap)
    }

    /// Opens and validates a file held in memory; `label` names it in error messages.
    package convenience init(bytes: [UInt8], label: String = "<memory>") throws {
        guard bytes.count >= 8 else { throw VoiceEmotionError.fileTooSmall(path: label, size: bytes.count) }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        let address = UInt(bitPattern: copy)
        try self.init(path: label, base: UnsafeRawPointer(copy), size: bytes.count, isMapped: false) {
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }

    private init(path: String, base: UnsafeRawPointer, size: Int, isMapped: Bool, release: @escaping @Sendable () -> Void) throws {
        do {
            let parsed = try Self.parseHeader(path: path, base: base, size: size)
            self.path = path
            self.base = base
            self.size = size
            self.dataStart = parsed.dataStart
            self.tensors = parsed.tensors
            self.metadata = parsed.metadata
            self.unmap = release
            self.isMapped = isMapped
        } catch {
            release()
            throw error
        }
    }

    deinit { unmap?() }

    /// The named tensor's description, or a `missingTensor` error.
    package func info(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else { throw VoiceEmotionError.missingTensor(path: path, name: name) }
        return info
    }

    /// Calls `body` with the tensor's elements as Float: in place for 4-byte-aligned F32 data,
    /// otherwise through a converted temporary copy.
    package func withFloats<R>(_ name: String, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        let info = try self.info(name)
        let start = base + dataStart + info.byteRange.lowerBound
        if info.dtype == .float32, Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
            return try body(UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: info.elementCount))
        }
        let values = try floats(name)
        return try values.withUnsafeBufferPointer(body)
    }

    /// The tensor's F32 elements read in place, with no copy: valid while this file object is
    /// alive. Nil when the tensor is not F32, its data is not 4-byte aligned, or the host is
    /// big-endian (safetensors is little-endian); callers then use `floats(_:)`.
    package func floatsInPlace(_ name: String) throws -> UnsafeBufferPointer<Float>? {
        let info = try self.info(name)
        let start = base + dataStart + info.byteRange.lowerBound
        guard info.dtype == .float32, 1.littleEndian == 1,
              Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: info.elementCount)
    }

    /// The tensor's elements converted to Float (F32, F16 or BF16; anything else is `unsupportedDType`).
    package func floats(_ name: String) throws -> [Float] {
        let info = try self.info(name)
        guard info.dtype.isReadableAsFloat else {
            throw VoiceEmotionError.unsupportedDType(path: path, tensor: name, dtype: info.dtype.rawValue)
        }
        let start = base + dataStart + info.byteRange.lowerBound
        let count = info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch info.dtype {
            case .float32:
                for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(littleEndian: start.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .float16:
                for i in 0..<count { buffer[i] = floatFromHalfBits(UInt16(littleEndian: start.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            default:  // .bfloat16: the top 16 bits of an IEEE single
                for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(UInt16(littleEndian: start.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
            }
            initialized = count
        }
    }

    /// Tells the kernel the tensor's mapped pages are no longer needed (a loader that has copied
    /// the tensor calls this, so peak memory is the copies, not the copies plus the mapped file).
    /// The data stays readable: pages are read back from the file if touched again. No effect
    /// for files opened from bytes.
    package func releasePages(_ name: String) {
        guard isMapped, let info = tensors[name], !info.byteRange.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (dataStart + info.byteRange.lowerBound) / page * page
        let end = dataStart + info.byteRange.upperBound
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }

    /// The raw bytes of a tensor, whatever its dtype.
    package func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let info = try self.info(name)
        return UnsafeRawBufferPointer(start: base + dataStart + info.byteRange.lowerBound, count: info.byteRange.count)
    }

    // MARK: - Header validation

    /// The format's own limit (the reference implementation's `MAX_HEADER_SIZE`).
    static let maximumHeaderLength: UInt64 = 100_000_000
    /// More tensors than any real checkpoint file has; bounds the memory a header can claim.
    package static let maximumTensorCount = 65_536
    /// Dimensions of one tensor (real ones have at most 5 or 6).
    package static let maximumRank = 16

    /// Header JSON limits: a header holds tensor entries (three fields, a shape and two offsets)
    /// and string metadata, so nothing needs deep nesting or long arrays.
    private static let headerLimits: JSONLimits = {
        var limits = JSONLimits()
        limits.maximumDepth = 3
        limits.maximumArrayCount = maximumRank
        limits.maximumObjectMembers = maximumTensorCount
        limits.maximumValues = maximumTensorCount + 1
        return limits
    }()

    private static func parseHeader(path: String, base: UnsafeRawPointer, size: Int) throws
        -> (tensors: [String: TensorInfo], metadata: [String: String], dataStart: Int)
    {
        guard size >= 8 else { throw VoiceEmotionError.fileTooSmall(path: path, size: size) }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= maximumHeaderLength else { throw VoiceEmotionError.headerTooLarge(path: path, headerLength: headerLength) }
        guard headerLength <= UInt64(size - 8) else {
            throw VoiceEmotionError.headerLengthOutOfRange(path: path, headerLength: headerLength, fileSize: size)
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = size - dataStart
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        // Read in place, one top-level member at a time, each converted at once: memory stays
        // proportional to the tensors described, never to the header's bytes.
        var parser = StrictJSONParser(bytes: UnsafeRawBufferPointer(start: base + 8, count: Int(headerLength)), limits: headerLimits)
        func headerError(_ error: JSONParseError) -> VoiceEmotionError {
            switch error {
            case .duplicateKey(let key, let topLevel):
                return topLevel ? .duplicateTensor(path: path, name: key) : .invalidHeader(path: path, reason: "duplicate key '\(key)'")
            case .syntax(let reason), .limitExceeded(let reason):
                return .invalidHeader(path: path, reason: reason)
            }
        }
        do { try parser.beginTopLevelObject() } catch { throw headerError(error) }
        while true {
            let member: (key: String, value: JSONValue)?
            do { member = try parser.nextTopLevelMember() } catch { throw headerError(error) }
            guard let (name, value) = member else { break }
            if name == "__metadata__" {
                guard case .object(let entries) = value else { throw VoiceEmotionError.invalidHeader(path: path, reason: "__metadata__ is not an object") }
                for (key, entry) in entries {
                    guard case .string(let text) = entry else {
                        throw VoiceEmotionError.invalidHeader(path: path, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors[name] = try parseTensor(path: path, name: name, value: value, dataSize: dataSize)
        }
        // The data section must be covered exactly: sorted by start, each tensor begins where the
        // previous one ended (no overlap, no hole) and the last ends at the end of the file.
        let ordered = tensors.values.sorted { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        var position = 0
        var previous: TensorInfo?
        for info in ordered where !info.byteRange.isEmpty {
            if info.byteRange.lowerBound < position, let previous {
                throw VoiceEmotionError.overlappingTensors(path: path, first: previous.name, second: info.name)
            }
            if info.byteRange.lowerBound > position { throw VoiceEmotionError.unindexedBytes(path: path, offset: position) }
            position = info.byteRange.upperBound
            previous = info
        }
        if position < dataSize { throw VoiceEmotionError.unindexedBytes(path: path, offset: position) }
        return (tensors, metadata, dataStart)
    }

    private static func parseTensor(path: String, name: String, value: JSONValue, dataSize: Int) throws -> TensorInfo {
        guard case .object(let fields) = value else { throw VoiceEmotionError.invalidHeader(path: path, reason: "entry '\(name)' is not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else {
                throw VoiceEmotionError.invalidHeader(path: path, reason: "tensor '\(name)' has no '\(key)'")
            }
            return found.value
        }
        guard case .string(let dtypeName) = try field("dtype") else {
            throw VoiceEmotionError.invalidHeader(path: path, reason: "tensor '\(name)' dtype is not a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else { throw VoiceEmotionError.unknownDType(path: path, tensor: name, dtype: dtypeName) }
        guard case .array(let dimensions) = try field("shape") else {
            throw VoiceEmotionError.invalidShape(path: path, tensor: name, reason: "shape is not an array")
        }
        var shape: [Int] = []
        var elements = 1
        for dimension in dimensions {
            guard case .integer(let d) = dimension else {
                throw VoiceEmotionError.invalidShape(path: path, tensor: name, reason: "dimension is not an integer (or overflows 64 bits)")
            }
            guard d >= 0 else { throw VoiceEmotionError.invalidShape(path: path, tensor: name, reason: "negative dimension \(d)") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw VoiceEmotionError.invalidShape(path: path, tensor: name, reason: "element count overflows") }
            elements = product
            shape.append(Int(d))
        }
        let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw VoiceEmotionError.invalidShape(path: path, tensor: name, reason: "byte size overflows") }
        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
              case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1], begin >= 0, end >= 0
        else { throw VoiceEmotionError.invalidHeader(path: path, reason: "tensor '\(name)' data_offsets is not two non-negative integers") }
        guard begin <= end, end <= Int64(dataSize) else {
            throw VoiceEmotionError.offsetsOutOfRange(path: path, tensor: name, begin: UInt64(begin), end: UInt64(end), dataSize: dataSize)
        }
        guard Int(end - begin) == byteCount else {
            throw VoiceEmotionError.sizeMismatch(path: path, tensor: name, expectedBytes: byteCount, actualBytes: Int(end - begin))
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: Int(begin)..<Int(end))
    }
}

/// IEEE half → single, by bits (portable: `Float16` is unavailable on some Apple targets).
@inlinable
package func floatFromHalfBits(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x03FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa · 2^-24, exact in single precision.
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
}
