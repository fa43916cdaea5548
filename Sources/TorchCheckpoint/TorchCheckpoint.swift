// A PyTorch checkpoint (`pytorch_model.bin` as torch >= 1.6 writes it) read without Python:
// the zip is mapped, the state dict's pickle runs in the restricted unpickler, and each tensor is
// a checked view (offset, shape, stride) into a storage entry of the zip. Storages are CRC-checked
// when first read. `convert` writes the hub folder VoiceEmotion loads, one tensor at a time.

import Foundation
import SafeTensors
import StrictJSON
import VoiceEmotionCore

/// A `torch.save` state dict, read in place from its file.
package final class TorchCheckpoint: @unchecked Sendable {  // immutable but for the CRC bookkeeping, which a lock guards
    /// The file.
    package let path: String
    /// Tensor names in the state dict's order, with their descriptions.
    let tensors: [(name: String, description: TensorDescription)]
    private let archive: ZipArchive
    private let prefix: String
    private let unmap: @Sendable () -> Void
    /// The open file behind the mapping (nil for a checkpoint read from memory).
    package let descriptor: Int32?
    /// CRC-32 checks of storages, by storage key: done, failed, or running (on this thread or
    /// the one `verifyAhead` starts).
    private let verification = NSCondition()
    private var verified = Set<String>()
    private var failures: [String: VoiceEmotionError] = [:]
    private var running = Set<String>()
    private var stopAhead = false

    /// Opens and checks `path`: a torch >= 1.6 zip, little-endian, whose pickle is a state dict
    /// of tensors only, each inside its storage, and each storage as long as its entry says.
    package convenience init(path: String) throws {
        let mapping: (descriptor: Int32, base: UnsafeRawPointer?, size: Int, unmap: @Sendable () -> Void)
        do { mapping = try RegularFile.mapKeepingDescriptor(path: path) } catch {
            if error == .notFound { throw VoiceEmotionError.fileNotFound(path: path) }
            throw VoiceEmotionError.unreadableFile(path: path, reason: error.reason)
        }
        guard let base = mapping.base else {
            mapping.unmap()
            throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "the file is empty")
        }
        try self.init(path: path, descriptor: mapping.descriptor, base: base, size: mapping.size, release: mapping.unmap)
    }

    /// Reads a checkpoint held in memory (copied); `label` names it in errors. For the fuzzer.
    package convenience init(bytes: [UInt8], label: String = "<memory>") throws {
        guard !bytes.isEmpty else { throw VoiceEmotionError.invalidTorchCheckpoint(path: label, reason: "the file is empty") }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        let address = UInt(bitPattern: copy)
        try self.init(path: label, descriptor: nil, base: UnsafeRawPointer(copy), size: bytes.count) {
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }

    /// Takes ownership of `size` bytes at `base` (the file open as `descriptor`, when it is one),
    /// released by `release` (also when this throws).
    private init(path: String, descriptor: Int32?, base: UnsafeRawPointer, size: Int, release: @escaping @Sendable () -> Void) throws {
        self.path = path
        self.descriptor = descriptor
        unmap = release
        do {
            archive = try ZipArchive(path: path, base: base, size: size)
            // One state dict: with two, which one is read must not depend on a dictionary's
            // order (it used to differ from run to run).
            let pickles = archive.entries.values.filter { $0.name.hasSuffix("/data.pkl") }
            guard let pickle = pickles.first else {
                throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "no data.pkl in the archive")
            }
            guard pickles.count == 1 else {
                throw VoiceEmotionError.invalidTorchCheckpoint(
                    path: path, reason: "\(pickles.count) data.pkl records (\(pickles.map(\.name).sorted().joined(separator: ", "))); torch.save writes one")
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
                guard name != "__metadata__" else {  // safetensors reserves the name: the converted file would not load
                    throw VoiceEmotionError.invalidTorchCheckpoint(path: path, reason: "a tensor named '__metadata__', which safetensors reserves")
                }
                try Self.check(tensor, name: name, archive: archive, prefix: prefix, path: path)
                tensors.append((name, tensor))
            }
            try Self.checkAmplification(tensors, archive: archive, prefix: prefix, path: path)
            self.tensors = tensors
        } catch {
            release()
            throw error
        }
    }

    deinit {
        // A `verifyAhead` thread holds `self` until it ends, so none is running here.
        unmap()
    }

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
        // An empty view still names a place in its storage: it must lie inside it (an offset
        // of 2^62 used to overflow once the view was read).
        guard t.offset <= t.storageElements else {
            throw invalid("has offset \(t.offset) beyond its storage of \(t.storageElements) elements")
        }
        // A stride-0 dimension repeats one element: a 4-byte storage viewed as 2^28 floats became
        // 1 GB. torch.save writes expanded views so, parameters never are.
        if let repeated = zip(t.shape, t.stride).first(where: { $0.0 > 1 && $0.1 == 0 }) {
            throw invalid("repeats one element \(repeated.0) times (a stride-0 dimension of size \(repeated.0)); a model weight never does")
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

    /// How many times the archive's storage bytes the tensors may add up to once written out:
    /// tied weights share a storage (2x), nothing real comes near this.
    package static let maximumAmplification = 4
    /// ... plus this many bytes, for checkpoints of tiny storages.
    package static let amplificationAllowance = 1 << 20

    /// The tensors' bytes, added up, must stay within `maximumAmplification` × the storages'
    /// bytes (+ `amplificationAllowance`): 256 views of one 4 MB storage used to write 1 GB.
    private static func checkAmplification(_ tensors: [(String, TensorDescription)], archive: ZipArchive, prefix: String, path: String) throws {
        var storageBytes = 0
        var seen = Set<String>()
        for (_, t) in tensors where seen.insert(t.storageKey).inserted {
            storageBytes += archive.entries[prefix + "data/" + t.storageKey]?.size ?? 0
        }
        var outputBytes = 0
        for (_, t) in tensors {
            // Each shape was checked to stay below Int.max / 8 elements.
            let (bytes, overflow1) = t.shape.reduce(1, *).multipliedReportingOverflow(by: t.storageType.byteSize)
            let (sum, overflow2) = outputBytes.addingReportingOverflow(bytes)
            guard !overflow1, !overflow2 else { outputBytes = .max; break }
            outputBytes = sum
        }
        let limit = storageBytes * maximumAmplification + amplificationAllowance
        guard outputBytes <= limit else {
            throw VoiceEmotionError.invalidTorchCheckpoint(
                path: path, reason: "its tensors would take \(outputBytes) bytes written out, more than \(maximumAmplification)x the \(storageBytes) bytes of data it holds (views repeating one storage)")
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
        try withContiguousBytes(name) { [UInt8]($0) }
    }

    /// Calls `body` with the tensor's elements in row-major order, as stored: in place in the
    /// mapped file when the view is contiguous (no copy), else materialised. The storage is
    /// CRC-checked first (once).
    package func withContiguousBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let t = try description(name)
        let entry = archive.entries[prefix + "data/" + t.storageKey]!
        try ensureVerified(t.storageKey, entry)
        let storage = archive.bytes(of: entry)
        let width = t.storageType.byteSize
        let count = t.shape.reduce(1, *)
        // Row-major strides: then the view is one contiguous run of the storage.
        var contiguous = true, expected = 1
        for (size, stride) in zip(t.shape, t.stride).reversed() {
            if size != 1 && stride != expected { contiguous = false }
            expected *= size
        }
        if contiguous || count == 0 {
            return try body(UnsafeRawBufferPointer(rebasing: storage[(t.offset * width)..<((t.offset + count) * width)]))
        }
        var output = [UInt8](repeating: 0, count: count * width)
        output.withUnsafeMutableBytes { out in
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
        return try output.withUnsafeBytes(body)
    }

    /// Where a tensor's bytes start in the file, when its view is one contiguous run of its
    /// storage (then `withContiguousBytes` gives exactly the file's bytes from there).
    package func fileOffset(ofContiguous name: String) -> Int? {
        guard let t = try? description(name), let entry = archive.entries[prefix + "data/" + t.storageKey] else { return nil }
        var expected = 1
        for (size, stride) in zip(t.shape, t.stride).reversed() {
            if size != 1 && stride != expected { return nil }
            expected *= size
        }
        return entry.dataOffset + t.offset * t.storageType.byteSize
    }

    /// Tells the system the mapped pages of this tensor's storage are not needed for now (they
    /// stay in the page cache; a later read maps them again), so a pass over every tensor does
    /// not keep the whole file resident.
    package func releasePages(_ name: String) {
        guard let t = try? description(name), let entry = archive.entries[prefix + "data/" + t.storageKey] else { return }
        archive.releasePages(of: entry)
    }

    // MARK: - CRC-32 checks, optionally a step ahead

    /// Checks the storages of `names`, in that order, on a thread of its own, so that a reader
    /// going through them in the same order finds each one checked (or waits for it): with two
    /// cores the check of the next storage overlaps the use of this one. `stopVerifyingAhead`
    /// ends it early.
    package func verifyAhead(_ names: [String]) {
        let keys = names.compactMap { try? description($0).storageKey }
        let thread = Thread { [self] in
            for key in keys {
                verification.lock()
                let skip = stopAhead || verified.contains(key) || failures[key] != nil || running.contains(key)
                if !skip { running.insert(key) }
                let stop = stopAhead
                verification.unlock()
                if stop { return }
                if !skip, let entry = archive.entries[prefix + "data/" + key] {
                    finish(key, check(entry))
                    archive.releasePages(of: entry)  // the reader gets them from the page cache again
                }
            }
        }
        thread.start()
    }

    /// Stops `verifyAhead`'s thread after its current storage.
    package func stopVerifyingAhead() {
        verification.lock()
        stopAhead = true
        verification.unlock()
    }

    private func check(_ entry: ZipEntry) -> VoiceEmotionError? {
        do { try archive.verify(entry) } catch let error as VoiceEmotionError { return error } catch { return nil }
        return nil
    }

    private func finish(_ key: String, _ failure: VoiceEmotionError?) {
        verification.lock()
        running.remove(key)
        if let failure { failures[key] = failure } else { verified.insert(key) }
        verification.broadcast()
        verification.unlock()
    }

    /// Returns once the storage is checked (by this thread, or waiting for the one ahead).
    private func ensureVerified(_ key: String, _ entry: ZipEntry) throws {
        verification.lock()
        while running.contains(key) { verification.wait() }
        if verified.contains(key) { verification.unlock(); return }
        if let failure = failures[key] { verification.unlock(); throw failure }
        running.insert(key)
        verification.unlock()
        let failure = check(entry)
        finish(key, failure)
        if let failure { throw failure }
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
