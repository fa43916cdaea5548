// A PyTorch checkpoint (`pytorch_model.bin` as torch >= 1.6 writes it) read without Python:
// the zip is mapped, the state dict's pickle runs in the restricted unpickler, and each tensor is
// a checked view (offset, shape, stride) into a storage entry of the zip. Storages are CRC-checked
// when first read. `convert` writes the hub folder VoiceEmotion loads, one tensor at a time.

import Foundation
import SafeTensors
import StrictJSON
import VoiceEmotionCore

/// A `torch.save` state dict, read in place from its file.
package final class TorchCheckpoint {
    /// The file.
    package let path: String
    /// Tensor names in the state dict's order, with their descriptions.
    let tensors: [(name: String, description: TensorDescription)]
    private let archive: ZipArchive
    private let prefix: String
    private let unmap: @Sendable () -> Void
    private var verified = Set<String>()

    /// Opens and checks `path`: a torch >= 1.6 zip, little-endian, whose pickle is a state dict
    /// of tensors only, each inside its storage, and each storage as long as its entry says.
    package init(path: String) throws {
        let mapping: (base: UnsafeRawPointer?, size: Int, unmap: @Sendable () -> Void)
        do { mapping = try RegularFile.map(path: path) } catch {
            if error == .notFound { throw VoiceEmotionError.fileNotFound(path: path) }
            throw VoiceEmotionError.unreadableFile(path: path, reason: error.reason)
        }
        guard let base = mapping.base else { throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "the file is empty") }
        self.path = path
        unmap = mapping.unmap
        do {
            archive = try ZipArchive(path: path, base: base, size: mapping.size)
            guard let pickle = archive.entries.values.first(where: { $0.name.hasSuffix("/data.pkl") }) else {
                throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "no data.pkl in the archive")
            }
            prefix = String(pickle.name.dropLast("data.pkl".count))
            if let order = archive.entries[prefix + "byteorder"] {
                let text = String(decoding: archive.bytes(of: order), as: UTF8.self)
                guard text == "little" else {
                    throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "byte order '\(text)'; only little-endian checkpoints are read")
                }
            }
            try archive.verify(pickle)
            var unpickler = Unpickler(path: path, bytes: archive.bytes(of: pickle))
            guard case .dict(let pairs) = try unpickler.run() else {
                throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "the pickle is not a state dict")
            }
            var tensors: [(String, TensorDescription)] = []
            var names = Set<String>()
            for (key, value) in pairs {
                guard case .string(let name) = key else {
                    throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "a state-dict key that is not a string")
                }
                guard case .tensor(let tensor) = value else {
                    throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "entry '\(name)' is not a tensor")
                }
                guard names.insert(name).inserted else {
                    throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "entry '\(name)' appears twice")
                }
                try Self.check(tensor, name: name, archive: archive, prefix: prefix, path: path)
                tensors.append((name, tensor))
            }
            self.tensors = tensors
        } catch {
            mapping.unmap()
            throw error
        }
    }

    deinit { unmap() }

    /// The tensor's view must lie inside its storage, and the storage entry must hold it.
    private static func check(_ t: TensorDescription, name: String, archive: ZipArchive, prefix: String, path: String) throws {
        func invalid(_ reason: String) -> VoiceEmotionError { .invalidTorchCheckpoint(path: path, reason: "tensor '\(name)' \(reason)") }
        guard let entry = archive.entries[prefix + "data/" + t.storageKey] else { throw invalid("refers to storage \(t.storageKey), which the archive lacks") }
        let (storageBytes, overflow) = t.storageElements.multipliedReportingOverflow(by: t.storageType.byteSize)
        guard !overflow, entry.size == storageBytes else {
            throw invalid("has a storage of \(entry.size) bytes where \(t.storageElements) \(t.storageType.rawValue) elements need \(overflow ? "more" : String(storageBytes))")
        }
        var elements = 1
        for size in t.shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int.max / 8 else { throw invalid("has an absurd shape \(t.shape)") }
            elements = product
        }
        var last = t.offset
        for (size, stride) in zip(t.shape, t.stride) {
            if size > 0 {
                let (reach, o2) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, o3) = last.addingReportingOverflow(reach)
                guard !o2, !o3 else { throw invalid("has an absurd stride \(t.stride)") }
                last = sum
            }
        }
        guard elements == 0 || last < t.storageElements else {
            throw invalid("with shape \(t.shape), stride \(t.stride) and offset \(t.offset) reaches past its storage of \(t.storageElements) elements")
        }
    }

    /// Tensor names in the state dict's order.
    package var names: [String] { tensors.map(\.name) }

    /// The safetensors dtype a tensor is stored as.
    package func dtype(_ name: String) throws -> SafeTensorsDType { try description(name).storageType.safeTensorsType }

    /// The tensor's shape.
    package func shape(_ name: String) throws -> [Int] { try description(name).shape }

    private func description(_ name: String) throws -> TensorDescription {
        guard let found = tensors.first(where: { $0.name == name }) else { throw VoiceEmotionError.missingTensor(path: path, name: name) }
        return found.description
    }

    /// The tensor's elements in row-major order, as stored (its own dtype's little-endian
    /// bytes). Views, offsets and shared storages are materialised; the storage is CRC-checked
    /// the first time it is read.
    package func contiguousBytes(_ name: String) throws -> [UInt8] {
        let t = try description(name)
        let entry = archive.entries[prefix + "data/" + t.storageKey]!
        if !verified.contains(t.storageKey) {
            try archive.verify(entry)
            verified.insert(t.storageKey)
        }
        let storage = archive.bytes(of: entry)
        let width = t.storageType.byteSize
        let count = t.shape.reduce(1, *)
        var output = [UInt8](repeating: 0, count: count * width)
        guard count > 0 else { return output }
        // Row-major strides: then the view is one contiguous run of the storage.
        var contiguous = true, expected = 1
        for (size, stride) in zip(t.shape, t.stride).reversed() {
            if size != 1 && stride != expected { contiguous = false }
            expected *= size
        }
        output.withUnsafeMutableBytes { out in
            if contiguous {
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[(t.offset * width)..<((t.offset + count) * width)]))
                return
            }
            var index = [Int](repeating: 0, count: t.shape.count)
            for element in 0..<count {
                var source = t.offset
                for d in 0..<index.count { source += index[d] * t.stride[d] }
                (out.baseAddress! + element * width).copyMemory(from: storage.baseAddress! + source * width, byteCount: width)
                var d = index.count - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < t.shape[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
        }
        return output
    }

    /// The tensor's elements as Float (float dtypes only).
    package func floats(_ name: String) throws -> [Float] {
        let type = try description(name).storageType
        let bytes = try contiguousBytes(name)
        guard let values = Self.floats(bytes, type) else {
            throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "tensor '\(name)' holds \(type.rawValue) elements, not floats")
        }
        return values
    }

    static func floats(_ bytes: [UInt8], _ type: StorageType) -> [Float]? {
        bytes.withUnsafeBytes { raw -> [Float]? in
            switch type {
            case .float: return (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .half: return (0..<(raw.count / 2)).map { floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            case .bfloat16: return (0..<(raw.count / 2)).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) }
            case .double: return (0..<(raw.count / 8)).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
            default: return nil
            }
        }
    }
}

extension StorageType {
    /// The safetensors dtype of the same elements.
    var safeTensorsType: SafeTensorsDType {
        switch self {
        case .float: return .float32
        case .half: return .float16
        case .bfloat16: return .bfloat16
        case .double: return .float64
        case .long: return .int64
        case .int: return .int32
        case .short: return .int16
        case .char: return .int8
        case .byte: return .uint8
        case .bool: return .bool
        }
    }

    var isFloatingPoint: Bool { self == .float || self == .half || self == .bfloat16 || self == .double }
}
