// Every way a safetensors file can be malformed, as `VoiceEmotionError.invalidWeightsFile` with a
// reason that names the tensor. Named constructors keep the checks readable at the throw sites.

import VoiceEmotionCore

extension VoiceEmotionError {
    /// Fewer than the 8 bytes that hold the header length.
    package static func fileTooSmall(path: String, size: Int) -> Self {
        .invalidWeightsFile(path: path, reason: "\(size) bytes, shorter than the 8-byte header length")
    }
    /// The header length points past the end of the file.
    package static func headerLengthOutOfRange(path: String, headerLength: UInt64, fileSize: Int) -> Self {
        .invalidWeightsFile(path: path, reason: "header length \(headerLength) runs past the end of the \(fileSize)-byte file")
    }
    /// The header length is larger than any real header (the format's limit: 100 MB).
    package static func headerTooLarge(path: String, headerLength: UInt64) -> Self {
        .invalidWeightsFile(path: path, reason: "header length \(headerLength) is absurdly large (limit 100 MB)")
    }
    /// The header is not UTF-8 JSON of the expected shape, or exceeds the parser's limits.
    package static func invalidHeader(path: String, reason: String) -> Self {
        .invalidWeightsFile(path: path, reason: "invalid header: \(reason)")
    }
    /// Two tensors share a name.
    package static func duplicateTensor(path: String, name: String) -> Self {
        .invalidWeightsFile(path: path, reason: "tensor '\(name)' appears twice in the header")
    }
    /// A dtype this reader does not know.
    package static func unknownDType(path: String, tensor: String, dtype: String) -> Self {
        .invalidWeightsFile(path: path, reason: "tensor '\(tensor)' has unknown dtype '\(dtype)'")
    }
    /// A known dtype that cannot be read as Float (integers, F64, F8).
    package static func unsupportedDType(path: String, tensor: String, dtype: String) -> Self {
        .invalidWeightsFile(path: path, reason: "tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 can be read as Float")
    }
    /// A negative, non-integer or overflowing dimension.
    package static func invalidShape(path: String, tensor: String, reason: String) -> Self {
        .invalidWeightsFile(path: path, reason: "tensor '\(tensor)' has an invalid shape: \(reason)")
    }
    /// `data_offsets` past the end of the data section, or begin after end.
    package static func offsetsOutOfRange(path: String, tensor: String, begin: UInt64, end: UInt64, dataSize: Int) -> Self {
        .invalidWeightsFile(path: path, reason: "tensor '\(tensor)' data_offsets [\(begin), \(end)] are outside the \(dataSize)-byte data section")
    }
    /// The byte range disagrees with shape × dtype size.
    package static func sizeMismatch(path: String, tensor: String, expectedBytes: Int, actualBytes: Int) -> Self {
        .invalidWeightsFile(path: path, reason: "tensor '\(tensor)' covers \(actualBytes) bytes but its shape and dtype need \(expectedBytes)")
    }
    /// Two tensors' byte ranges overlap.
    package static func overlappingTensors(path: String, first: String, second: String) -> Self {
        .invalidWeightsFile(path: path, reason: "tensors '\(first)' and '\(second)' overlap")
    }
    /// Bytes of the data section that no tensor covers (the format forbids holes).
    package static func unindexedBytes(path: String, offset: Int) -> Self {
        .invalidWeightsFile(path: path, reason: "the data section has bytes at offset \(offset) that no tensor covers")
    }
}
