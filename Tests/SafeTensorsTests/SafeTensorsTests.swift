// The reader against well-formed files (round trips through the writer) and against every kind
// of malformed file, each of which must be a typed error, never a crash or an out-of-bounds read.

import Foundation
import Testing
import TestSupport
import SafeTensors
import VoiceEmotionCore

/// A file from a raw header string and data bytes; `declaredLength` overrides the length prefix.
func rawFile(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes += $0 }
    return bytes + headerBytes + data
}

func open(_ bytes: [UInt8]) throws -> SafeTensorsFile {
    try SafeTensorsFile(bytes: bytes, label: "test.safetensors")
}

@Suite struct SafeTensorsRoundTripTests {
    @Test func writerOutputReadsBackInEveryDtype() throws {
        var writer = SafeTensorsWriter()
        let values: [Float] = [0, 1, -2.5, 0.333_333_34, 65504, -0.000_061_035_156, 1e-7, 3.140_625]
        writer.add("f32", shape: [2, 4], values: values)
        writer.add("f16", shape: [8], values: values, as: .float16)
        writer.add("bf16", shape: [4, 2], values: values, as: .bfloat16)
        writer.add("empty", shape: [0, 3], values: [])
        writer.metadata = ["source": "unit \"test\"", "format": "pt"]
        let file = try open(writer.bytes())
        #expect(file.tensorNames == ["bf16", "empty", "f16", "f32"])
        #expect(file.metadata == ["source": "unit \"test\"", "format": "pt"])
        #expect(try file.floats("f32") == values)
        #expect(try file.info("f32").shape == [2, 4])
        // F16: exact for representable values, nearest for the rest (1/3 and 1e-7 round).
        let half = try file.floats("f16")
        #expect(half[0...2] == [0, 1, -2.5] && half[4] == 65504 && half[5] == -0.000_061_035_156 && half[7] == 3.140_625)
        #expect(abs(half[3] - 1.0 / 3) < 1e-3 && abs(half[6] - 1.19e-7) < 1e-8)
        let brain = try file.floats("bf16")
        #expect(brain[0...2] == [0, 1, -2.5] && brain[7] == 3.140_625 && abs(brain[3] - 1.0 / 3) < 2e-3)
        #expect(try file.floats("empty").isEmpty)
        try file.withFloats("f32") { #expect(Array($0) == values) }
        try file.withFloats("f16") { #expect(Array($0) == half) }
    }

    @Test func memoryMappedFileMatchesBytes() throws {
        var writer = SafeTensorsWriter()
        writer.add("a", shape: [3], values: [1, 2, 3])
        writer.add("b", shape: [1, 2], values: [4, 5], as: .float16)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID()).safetensors").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafeTensorsFile(path: path)
        #expect(try file.floats("a") == [1, 2, 3])
        #expect(try file.floats("b") == [4, 5])
        try file.withFloats("a") { buffer in
            // F32 read in place: the pointer lies inside the mapping, not in a copy.
            #expect(Array(buffer) == [1, 2, 3])
        }
        // In place: the same floats at the tensor's address in the mapping; F16 has no in-place view.
        let inPlace = try #require(try file.floatsInPlace("a"))
        #expect(Array(inPlace) == [1, 2, 3])
        let raw = try file.rawBytes("a")
        #expect(UnsafeRawPointer(inPlace.baseAddress!) == raw.baseAddress)
        #expect(try file.floatsInPlace("b") == nil)
        #expect(throws: VoiceEmotionError.missingTensor(path: path, name: "missing")) { try file.floatsInPlace("missing") }
    }

    @Test func halfConversionCoversSpecialValues() {
        #expect(floatFromHalfBits(0x7C00) == .infinity)
        #expect(floatFromHalfBits(0xFC00) == -.infinity)
        #expect(floatFromHalfBits(0x7E00).isNaN)
        #expect(floatFromHalfBits(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(floatFromHalfBits(0x8000) == 0 && floatFromHalfBits(0x8000).sign == .minus)
        for bits in UInt16(0)...UInt16(0x7BFF) {  // every finite positive half round-trips
            #expect(halfBits(floatFromHalfBits(bits)) == bits)
        }
    }
}

@Suite struct SafeTensorsMalformedTests {
    let oneTensor = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let eightBytes = [UInt8](repeating: 0, count: 8)

    @Test func shorterThanEightBytes() {
        #expect(throws: VoiceEmotionError.fileTooSmall(path: "test.safetensors", size: 5)) { try open([1, 2, 3, 4, 5]) }
    }

    @Test func headerLengthPastEndOfFile() {
        let bytes = rawFile(oneTensor, data: eightBytes, declaredLength: 500)
        #expect(throws: VoiceEmotionError.headerLengthOutOfRange(path: "test.safetensors", headerLength: 500, fileSize: bytes.count)) {
            try open(bytes)
        }
    }

    @Test func absurdHeaderLength() {
        #expect(throws: VoiceEmotionError.headerTooLarge(path: "test.safetensors", headerLength: 1 << 40)) {
            try open(rawFile("{}", declaredLength: 1 << 40))
        }
        #expect(throws: VoiceEmotionError.headerTooLarge(path: "test.safetensors", headerLength: .max)) {
            try open(rawFile("{}", declaredLength: .max))
        }
    }

    @Test(arguments: [
        "{", "[]", #"{"t":}"#, #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#, "\u{FF}",
        #"{"t":{"dtype":"F32","shape":[2]}}"#, #"{"t":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, #"{"t":[1]}"#, #"{"__metadata__":{"a":1}}"#,
        String(repeating: "[", count: 10_000), #"{"a\u12"}"#, "{\"t\u{01}\":1}",
    ])
    func invalidJSON(_ header: String) {
        #expect {
            try open(rawFile(header, data: eightBytes))
        } throws: { error in
            guard case .invalidWeightsFile(_, let reason) = error as? VoiceEmotionError else { return false }
            return reason.hasPrefix("invalid header: ")
        }
    }

    @Test func offsetsOutsideTheData() {
        let header = #"{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        #expect(throws: VoiceEmotionError.offsetsOutOfRange(path: "test.safetensors", tensor: "t", begin: 0, end: 16, dataSize: 8)) {
            try open(rawFile(header, data: eightBytes))
        }
        let reversed = #"{"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#
        #expect(throws: VoiceEmotionError.offsetsOutOfRange(path: "test.safetensors", tensor: "t", begin: 8, end: 0, dataSize: 8)) {
            try open(rawFile(reversed, data: eightBytes))
        }
        let negative = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#
        #expect(throws: VoiceEmotionError.invalidHeader(path: "test.safetensors", reason: "tensor 't' data_offsets is not two non-negative integers")) {
            try open(rawFile(negative, data: eightBytes))
        }
    }

    @Test func sizeDisagreesWithShape() {
        let header = #"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect(throws: VoiceEmotionError.sizeMismatch(path: "test.safetensors", tensor: "t", expectedBytes: 12, actualBytes: 8)) {
            try open(rawFile(header, data: eightBytes))
        }
    }

    @Test func overlappingTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: VoiceEmotionError.overlappingTensors(path: "test.safetensors", first: "a", second: "b")) {
            try open(rawFile(header, data: eightBytes))
        }
    }

    @Test func holesAndTrailingBytes() {
        let hole = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: VoiceEmotionError.unindexedBytes(path: "test.safetensors", offset: 0)) { try open(rawFile(hole, data: eightBytes)) }
        let trailing = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(throws: VoiceEmotionError.unindexedBytes(path: "test.safetensors", offset: 4)) { try open(rawFile(trailing, data: eightBytes)) }
    }

    @Test func dtypes() throws {
        let unknown = #"{"t":{"dtype":"F42","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: VoiceEmotionError.unknownDType(path: "test.safetensors", tensor: "t", dtype: "F42")) {
            try open(rawFile(unknown, data: eightBytes))
        }
        let integer = #"{"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        let file = try open(rawFile(integer, data: eightBytes))
        #expect(throws: VoiceEmotionError.unsupportedDType(path: "test.safetensors", tensor: "t", dtype: "I64")) { try file.floats("t") }
        #expect(try file.rawBytes("t").count == 8)
    }

    @Test(arguments: [
        #"{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#,
    ])
    func invalidShapes(_ header: String) {
        #expect {
            try open(rawFile(header, data: eightBytes))
        } throws: { error in
            guard case .invalidWeightsFile(_, let reason) = error as? VoiceEmotionError else { return false }
            return reason.hasPrefix("tensor 't' has an invalid shape: ")
        }
    }

    @Test func duplicateNames() {
        let header = #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: VoiceEmotionError.duplicateTensor(path: "test.safetensors", name: "t")) { try open(rawFile(header, data: eightBytes)) }
    }

    @Test func missingTensorAndMissingFile() throws {
        let file = try open(rawFile(oneTensor, data: eightBytes))
        #expect(throws: VoiceEmotionError.missingTensor(path: "test.safetensors", name: "nope")) { try file.floats("nope") }
        #expect(throws: VoiceEmotionError.fileNotFound(path: "/nonexistent/model.safetensors")) {
            try SafeTensorsFile(path: "/nonexistent/model.safetensors")
        }
    }

    @Test func errorsNameTheFile() {
        let message = VoiceEmotionError.sizeMismatch(path: "m.safetensors", tensor: "w", expectedBytes: 12, actualBytes: 8).description
        #expect(message.contains("m.safetensors") && message.contains("'w'"))
    }

    /// Random truncations and byte changes of a valid file: every outcome is a clean success or a
    /// typed error (the test would crash on an out-of-bounds read or a trap).
    @Test func randomCorruptionNeverCrashes() {
        var writer = SafeTensorsWriter()
        writer.add("a", shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        writer.add("b", shape: [5], values: [1, 2, 3, 4, 5], as: .bfloat16)
        writer.metadata = ["k": "v"]
        let valid = writer.bytes()
        var generator = SplitMix64(seed: 20261127)
        var opened = 0
        for _ in 0..<3000 {
            var bytes = valid
            if Bool.random(using: &generator) {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            }
            for _ in 0..<Int.random(in: 0...4, using: &generator) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let file = try? open(bytes) {
                opened += 1
                for name in file.tensorNames { _ = try? file.floats(name) }
            }
        }
        #expect(opened < 3000)
    }
}

/// Headers that are valid JSON but built to exhaust memory or stall: refused by the parser's
/// limits before they are held (a 100 MB header of one `[0,0,...]` array took 1.83 GB).
@Suite struct SafeTensorsLimitTests {
    @Test func longArraysAreRefusedAtOnce() {
        let zeros = Array(repeating: "0", count: 1_000_000).joined(separator: ",")
        let header = #"{"t":{"dtype":"F32","shape":["# + zeros + #"],"data_offsets":[0,0]}}"#
        #expect(throws: VoiceEmotionError.invalidHeader(path: "test.safetensors", reason: "more than 16 elements in an array")) {
            try open(rawFile(header))
        }
    }

    @Test func tooManyTensorsAreRefused() {
        let entries = (0...65_536).map { #""t\#($0)":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"# }
        #expect(throws: VoiceEmotionError.invalidHeader(path: "test.safetensors", reason: "more than 65536 members in the top-level object")) {
            try open(rawFile("{" + entries.joined(separator: ",") + "}"))
        }
        // The limit itself is accepted.
        let fitting = entries.dropLast().joined(separator: ",")
        #expect((try? open(rawFile("{" + fitting + "}")))?.tensors.count == 65_536)
    }

    @Test func nestingBeyondTheFormatIsRefused() {
        let header = #"{"t":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}}"#
        #expect(throws: VoiceEmotionError.invalidHeader(path: "test.safetensors", reason: "nesting deeper than 3 levels")) {
            try open(rawFile(header, data: [UInt8](repeating: 0, count: 8)))
        }
    }

    /// A FIFO blocked `open` forever (it waits for a writer); it is refused without blocking.
    @Test(.timeLimit(.minutes(1))) func fifoIsNotARegularFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID()).safetensors").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: VoiceEmotionError.unreadableFile(path: path, reason: "not a regular file")) { try SafeTensorsFile(path: path) }
        #expect(throws: VoiceEmotionError.unreadableFile(path: "/dev/zero", reason: "not a regular file")) { try SafeTensorsFile(path: "/dev/zero") }
    }
}
