// Every way a safetensors file can be malformed, as one typed error.

/// An error reading or writing a safetensors file. Each case names the problem (and the tensor,
/// when there is one); `description` adds the file.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// Fewer than the 8 bytes that hold the header length.
    case fileTooSmall(path: String, size: Int)
    /// The header length points past the end of the file.
    case headerLengthOutOfRange(path: String, headerLength: UInt64, fileSize: Int)
    /// The header length is larger than any real header (limit: 100 MB).
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The header is not valid UTF-8 JSON of the expected shape.
    case invalidHeader(path: String, reason: String)
    /// Two tensors share a name.
    case duplicateTensor(path: String, name: String)
    /// A dtype this reader does not know.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A known dtype that cannot be converted to Float (e.g. integers).
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A negative, non-integer or overflowing dimension.
    case invalidShape(path: String, tensor: String, reason: String)
    /// `data_offsets` past the end of the data section, or begin after end.
    case offsetsOutOfRange(path: String, tensor: String, begin: UInt64, end: UInt64, dataSize: Int)
    /// The byte range disagrees with shape × dtype size.
    case sizeMismatch(path: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(path: String, first: String, second: String)
    /// Bytes of the data section that no tensor covers (the format forbids holes).
    case unindexedBytes(path: String, offset: Int)
    /// A requested tensor is not in the file.
    case missingTensor(path: String, name: String)

    /// A readable message naming the file (or field) and the problem.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open safetensors file: \(reason)"
        case .fileTooSmall(let path, let size):
            return "\(path): not a safetensors file: \(size) bytes, shorter than the 8-byte header length"
        case .headerLengthOutOfRange(let path, let length, let size):
            return "\(path): safetensors header length \(length) runs past the end of the \(size)-byte file"
        case .headerTooLarge(let path, let length):
            return "\(path): safetensors header length \(length) is absurdly large (limit 100 MB)"
        case .invalidHeader(let path, let reason): return "\(path): invalid safetensors header: \(reason)"
        case .duplicateTensor(let path, let name): return "\(path): tensor '\(name)' appears twice in the header"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 can be read as Float"
        case .invalidShape(let path, let tensor, let reason): return "\(path): tensor '\(tensor)' has an invalid shape: \(reason)"
        case .offsetsOutOfRange(let path, let tensor, let begin, let end, let dataSize):
            return "\(path): tensor '\(tensor)' data_offsets [\(begin), \(end)] are outside the \(dataSize)-byte data section"
        case .sizeMismatch(let path, let tensor, let expected, let actual):
            return "\(path): tensor '\(tensor)' covers \(actual) bytes but its shape and dtype need \(expected)"
        case .overlappingTensors(let path, let first, let second):
            return "\(path): tensors '\(first)' and '\(second)' overlap"
        case .unindexedBytes(let path, let offset):
            return "\(path): data section has bytes at offset \(offset) that no tensor covers"
        case .missingTensor(let path, let name): return "\(path): no tensor named '\(name)'"
        }
    }
}
