// A hub folder with `pytorch_model.bin` (or `model.safetensors`) -> the folder VoiceEmotion
// loads: `config.json`, `preprocessor_config.json`, `model.safetensors` with the exact tensor
// names. What `Weights/convert_wav2vec2.py` does, without Python, one tensor at a time (peak
// memory: the largest tensor, converted, plus the mapped source).

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
        try SafeTensorsWriter.stream(
            to: dst.appendingPathComponent("model.safetensors").path, tensors: layout,
            metadata: ["format": "pt", "converter": "voice-emotion models convert", "source": reader.fileName,
                       "model_type": modelType ?? "?", "dtype": precision.rawValue]
        ) { index in
            defer { progress?(Double(index + 1) / Double(layout.count)) }
            return try reader.bytes(layout[index].name, as: layout[index].dtype)
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

    /// The tensor's bytes in `dtype`: floats converted (F32 or F16), anything else as stored.
    func bytes(_ name: String, as dtype: SafeTensorsDType) throws -> [UInt8] {
        let stored = try self.dtype(name)
        guard stored != dtype else {
            switch self {
            case .torch(let file): return try file.contiguousBytes(name)
            case .safetensors(let file): return [UInt8](try file.rawBytes(name))
            }
        }
        let values: [Float]
        switch self {
        case .torch(let file): values = try file.floats(name)
        case .safetensors(let file):
            if stored == .float64 {
                let raw = try file.rawBytes(name)
                values = (0..<(raw.count / 8)).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
            } else {
                values = try file.floats(name)
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * dtype.byteSize)
        if dtype == .float16 {
            for v in values { withUnsafeBytes(of: halfBits(v).littleEndian) { bytes.append(contentsOf: $0) } }
        } else {
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        return bytes
    }
}
