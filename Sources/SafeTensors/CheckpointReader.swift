// Strict reading of a model's tensors, shared by every model (Silero VAD, Wav2Vec2/HuBERT). Each
// component names its own tensors where it uses them, through a scope (`layers.3` + `q_proj.weight`);
// every read checks presence, shape and finiteness; every name read is recorded, and `finish()`
// rejects tensors left unread. In recording mode there is no file: the reads return placeholder
// values and the reader lists every (name, shape) a model asks for (the benchmark writes random
// checkpoints from that list).

import TensorKernels
import VoiceEmotionCore

/// The shared state of one checkpoint read: the file, the names used, where the weights live.
package final class CheckpointReader {
    /// The file, or nil in recording mode.
    package let file: SafeTensorsFile?
    /// Recording mode: whether a name is reported present.
    private let recordingPresence: ((String) -> Bool)?
    private var used = Set<String>()
    /// Every tensor read, in order, with its shape (recorded in both modes).
    package private(set) var requested: [(name: String, shape: [Int])] = []
    /// Bytes of F32 weights used in place from the mapped file.
    package private(set) var mappedBytes = 0
    /// Bytes of weights converted into copies (F16/BF16, and tensors read with `floats`).
    package private(set) var copiedBytes = 0

    /// Reads `file` strictly.
    package init(file: SafeTensorsFile) {
        self.file = file
        recordingPresence = nil
    }

    /// Recording mode: no file; `present` says which names exist (to choose between alternative
    /// layouts), reads return ones (weights: zeros) and are listed in `requested`.
    package init(recordingWithPresent present: @escaping (String) -> Bool) {
        file = nil
        recordingPresence = present
    }

    /// The file's path (for messages), or "<recording>".
    package var path: String { file?.path ?? "<recording>" }

    /// The root scope (no prefix).
    package var root: CheckpointScope { CheckpointScope(reader: self, prefix: "") }

    func contains(_ name: String) -> Bool {
        if let file { return file.tensors[name] != nil }
        return recordingPresence!(name)
    }

    /// The named tensor's info after the presence and shape checks.
    private func checked(_ name: String, shape: [Int]) throws -> TensorInfo? {
        requested.append((name, shape))
        used.insert(name)
        guard let file else { return nil }
        guard let info = file.tensors[name] else { throw VoiceEmotionError.missingTensor(path: path, name: name) }
        guard info.shape == shape else { throw VoiceEmotionError.shapeMismatch(path: path, name: name, expected: shape, found: info.shape) }
        return info
    }

    func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let info = try checked(name, shape: shape), let file else { return [Float](repeating: 1, count: shape.reduce(1, *)) }
        let values = try file.floats(name)
        file.releasePages(name)  // the copy is what the model keeps
        copiedBytes += values.count * MemoryLayout<Float>.size
        try values.withUnsafeBufferPointer { (buffer) throws in try requireFinite(buffer, name: info.name) }
        return values
    }

    func weight(_ name: String, shape: [Int]) throws -> WeightBuffer {
        guard try checked(name, shape: shape) != nil, let file else { return WeightBuffer(zeros: shape.reduce(1, *)) }
        guard let inPlace = try file.floatsInPlace(name), let start = inPlace.baseAddress else {
            used.remove(name)
            requested.removeLast()
            return WeightBuffer(try floats(name, shape: shape))
        }
        try requireFinite(inPlace, name: name)
        mappedBytes += inPlace.count * MemoryLayout<Float>.size
        return WeightBuffer(start: start, count: inPlace.count, owner: file)
    }

    /// A corrupt or badly converted checkpoint must fail at load, not print NaN scores later.
    private func requireFinite(_ values: UnsafeBufferPointer<Float>, name: String) throws {
        guard let start = values.baseAddress, let index = firstNonFiniteIndex(start, count: values.count) else { return }
        throw VoiceEmotionError.invalidWeightValues(path: path, name: name, reason: "holds \(values[index]) at element \(index) (weights must be finite)")
    }

    func ignore(_ name: String) { if contains(name) { used.insert(name) } }

    /// Fails with `unexpectedTensors` if any tensor of the file was not read (or ignored).
    package func finish() throws {
        guard let file else { return }
        let unused = file.tensorNames.filter { !used.contains($0) }
        if !unused.isEmpty { throw VoiceEmotionError.unexpectedTensors(path: path, names: unused) }
    }
}

/// A reader positioned under a name prefix: the component that uses a tensor names it here.
package struct CheckpointScope {
    package let reader: CheckpointReader
    /// The prefix, with its trailing dot ("" at the root).
    package let prefix: String

    /// The scope `prefix.name.`.
    package func scoped(_ name: String) -> CheckpointScope { CheckpointScope(reader: reader, prefix: prefix + name + ".") }

    /// The full checkpoint name of `name` here.
    package func fullName(_ name: String) -> String { prefix + name }

    /// The file's path, for messages.
    package var path: String { reader.path }

    /// Whether the checkpoint has `name` here.
    package func contains(_ name: String) -> Bool { reader.contains(prefix + name) }

    /// The first of several alternative names that exists here.
    package func firstPresent(_ names: [String]) -> String? { names.first(where: contains) }

    /// The tensor as Float (converted from F16/BF16), with exactly `shape` and finite values.
    package func floats(_ name: String, shape: [Int]) throws -> [Float] {
        try reader.floats(prefix + name, shape: shape)
    }

    /// The tensor as weights a layer reads in place from the mapped file when it is F32 (no
    /// copy: the model's memory is the file's pages), or as a converted copy otherwise.
    package func weight(_ name: String, shape: [Int]) throws -> WeightBuffer {
        try reader.weight(prefix + name, shape: shape)
    }

    /// `nn.Linear` weight `(outputs, inputs)` in place and bias `(outputs)` under `name`.
    package func linear(_ name: String, outputs: Int, inputs: Int) throws -> Linear {
        let layer = scoped(name)
        return Linear(weight: try layer.weight("weight", shape: [outputs, inputs]), bias: try layer.floats("bias", shape: [outputs]),
                      inFeatures: inputs, outFeatures: outputs)
    }

    /// `nn.LayerNorm` weight and bias `(width)` under `name`.
    package func layerNorm(_ name: String, width: Int, epsilon: Float) throws -> LayerNorm {
        let norm = scoped(name)
        return LayerNorm(weight: try norm.floats("weight", shape: [width]), bias: try norm.floats("bias", shape: [width]), epsilon: epsilon)
    }

    /// Marks a tensor as deliberately unused (a training-only parameter such as masked_spec_embed).
    package func ignore(_ name: String) { reader.ignore(prefix + name) }
}
