// A hub folder with `pytorch_model.bin` (or `model.safetensors`) -> the folder VoiceEmotion
// loads: `config.json`, `preprocessor_config.json`, `model.safetensors` with the exact tensor
// names. What `Weights/convert_wav2vec2.py` does, without Python, one tensor at a time, written
// from the mapped source in place (or through a small conversion buffer; a non-contiguous view
// is materialised first), so peak memory is one tensor at most, plus the mapping.

import Foundation
import SafeTensors
import VoiceEmotionCore

/// Float precision of a converted model.
package enum ConvertedPrecision: String, Sendable, CaseIterable {
    /// 32-bit floats (the checkpoints' own precision; used in place when loaded).
    case f32
    /// 16-bit floats: half the file; the logits differ from F32 by the rounding of the weights.
    case f16
}

/// Converting a hub checkpoint folder.
package enum ModelConversion {
    /// Converts `source` into `destination` (created if needed): configs copied, weights written
    /// as safetensors (floats in `precision`, integer buffers unchanged, names kept). The weights
    /// file appears only when complete. `progress` gets the fraction of tensors written.
    /// Returns the number of tensors.
    @discardableResult
    package static func convert(source: String, destination: String, precision: ConvertedPrecision = .f32,
                                progress: ((Double) -> Void)? = nil) throws -> Int {
        let src = URL(fileURLWithPath: source), dst = URL(fileURLWithPath: destination)
        for name in ["config.json", "preprocessor_config.json"] where !FileManager.default.fileExists(atPath: src.appendingPathComponent(name).path) {
            throw VoiceEmotionError.fileNotFound(path: src.appendingPathComponent(name).path)
        }
        let binPath = src.appendingPathComponent("pytorch_model.bin").path
        let safetensorsPath = src.appendingPathComponent("model.safetensors").path
        let reader: TensorSource
        if FileManager.default.fileExists(atPath: binPath) {
            reader = .torch(try TorchCheckpoint(path: binPath))
        } else if FileManager.default.fileExists(atPath: safetensorsPath) {
            reader = .safetensors(try SafeTensorsFile(path: safetensorsPath))
        } else {
            throw VoiceEmotionError.fileNotFound(path: binPath)
        }
        do {
            try FileManager.default.createDirectory(at: dst, withIntermediateDirectories: true)
        } catch {
            throw VoiceEmotionError.writeFailed(path: destination, reason: "\(error.localizedDescription)")
        }
        for name in ["config.json", "preprocessor_config.json"] {
            let from = src.appendingPathComponent(name), to = dst.appendingPathComponent(name)
            guard from.standardizedFileURL.path != to.standardizedFileURL.path else { continue }
            do {
                let data = try Data(contentsOf: from)
                try data.write(to: to, options: .atomic)
            } catch {
                throw VoiceEmotionError.writeFailed(path: to.path, reason: "\(error.localizedDescription)")
            }
        }
        let names = reader.names.sorted()
        let layout = try names.map { name -> (name: String, dtype: SafeTensorsDType, shape: [Int]) in
            let stored = try reader.dtype(name)
            let dtype: SafeTensorsDType = stored.isReadableAsFloat || stored == .float64 ? (precision == .f16 ? .float16 : .float32) : stored
            return (name, dtype, try reader.shape(name))
        }
        let modelType = (try? JSONSerialization.jsonObject(with: Data(contentsOf: src.appendingPathComponent("config.json"))) as? [String: Any])?["model_type"] as? String
        // The CRC-32 checks run a tensor ahead of the writing, on a second thread.
        if case .torch(let checkpoint) = reader { checkpoint.verifyAhead(names) }
        defer { if case .torch(let checkpoint) = reader { checkpoint.stopVerifyingAhead() } }
        try SafeTensorsWriter.stream(
            to: dst.appendingPathComponent("model.safetensors").path, tensors: layout,
            metadata: ["format": "pt", "converter": "voice-emotion models convert", "source": reader.fileName,
                       "model_type": modelType ?? "?", "dtype": precision.rawValue]
        ) { index, output in
            defer { progress?(Double(index + 1) / Double(layout.count)) }
            try reader.write(layout[index].name, as: layout[index].dtype, to: output)
        }
        return layout.count
    }
}

/// Either kind of source checkpoint, through one interface.
private enum TensorSource {
    case torch(TorchCheckpoint)
    case safetensors(SafeTensorsFile)

    var fileName: String {
        switch self {
        case .torch: return "pytorch_model.bin"
        case .safetensors: return "model.safetensors"
        }
    }

    var names: [String] {
        switch self {
        case .torch(let file): return file.names
        case .safetensors(let file): return file.tensorNames
        }
    }

    func dtype(_ name: String) throws -> SafeTensorsDType {
        switch self {
        case .torch(let file): return try file.dtype(name)
        case .safetensors(let file): return try file.info(name).dtype
        }
    }

    func shape(_ name: String) throws -> [Int] {
        switch self {
        case .torch(let file): return try file.shape(name)
        case .safetensors(let file): return try file.info(name).shape
        }
    }

    /// Hands the tensor's bytes in `dtype` to `output`: as stored when the dtype is the same (a
    /// contiguous view copied file to file by the kernel where it can, else from the mapping),
    /// else floats converted to F32 or F16 in pieces of 256 Ki elements, so no whole converted
    /// copy is ever held.
    func write(_ name: String, as dtype: SafeTensorsDType, to output: TensorOutput) throws {
        let stored = try self.dtype(name)
        switch self {
        case .torch(let file):
            try file.withContiguousBytes(name) { raw in
                if stored != dtype {
                    try Self.convert(raw, from: stored, to: dtype, write: output.write)
                } else if let descriptor = file.descriptor, let offset = file.fileOffset(ofContiguous: name) {
                    try output.write(raw, sameAs: descriptor, offset: offset)
                } else {
                    try output.write(raw)
                }
            }
            file.releasePages(name)
        case .safetensors(let file):
            let raw = try file.rawBytes(name)
            try stored == dtype ? output.write(raw) : Self.convert(raw, from: stored, to: dtype, write: output.write)
        }
    }

    /// Float elements of `raw` (F32, F16, BF16 or F64) as F32 or F16 bytes, piece by piece.
    private static func convert(_ raw: UnsafeRawBufferPointer, from stored: SafeTensorsDType, to dtype: SafeTensorsDType,
                                write: (UnsafeRawBufferPointer) throws -> Void) throws {
        let inWidth = stored.byteSize, outWidth = dtype.byteSize
        let count = raw.count / inWidth
        let piece = 1 << 18
        var buffer = [UInt8](repeating: 0, count: min(count, piece) * outWidth)
        var start = 0
        while start < count {
            let end = min(start + piece, count)
            buffer.withUnsafeMutableBytes { out in
                for i in start..<end {
                    let offset = i * inWidth
                    let value: Float
                    switch stored {
                    case .float16: value = floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                    case .bfloat16: value = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16)
                    case .float64: value = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
                    default: value = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    }
                    if outWidth == 2 {
                        out.storeBytes(of: halfBits(value).littleEndian, toByteOffset: (i - start) * 2, as: UInt16.self)
                    } else {
                        out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: (i - start) * 4, as: UInt32.self)
                    }
                }
            }
            try buffer.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<((end - start) * outWidth)])) }
            start = end
        }
    }
}
