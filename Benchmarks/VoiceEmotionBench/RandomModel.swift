// Random-weight Wav2Vec2 models with the real shapes, written to a temporary hub-layout folder,
// so the benchmark needs no checkpoint download. Weights are small uniform values (no denormals);
// speed does not depend on them.

import Foundation
import Wav2Vec2

/// The two standard shapes: wav2vec2-base (superb/wav2vec2-base-superb-er) and the 24-layer
/// XLSR large (ehcalabres/...), both with a projector + classifier head.
func standardConfig(_ name: String) -> Wav2Vec2Config {
    var config = Wav2Vec2Config()
    config.id2label = ["0": "neu", "1": "hap", "2": "ang", "3": "sad"]
    if name == "large" {
        config.hiddenSize = 1024; config.numHiddenLayers = 24; config.numAttentionHeads = 16; config.intermediateSize = 4096
        config.featExtractNorm = "layer"; config.doStableLayerNorm = true; config.convBias = true
    } else {
        config.useWeightedLayerSum = true
    }
    return config
}

/// Writes config.json, preprocessor_config.json and a random model.safetensors into `destination`
/// (created if needed), or a new temporary folder.
func writeRandomModel(_ config: Wav2Vec2Config, to destination: URL? = nil) throws -> URL {
    let folder = destination ?? FileManager.default.temporaryDirectory.appendingPathComponent("ve-bench-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    try encoder.encode(config).write(to: folder.appendingPathComponent("config.json"))
    try Data(#"{"do_normalize": true, "sampling_rate": 16000, "feature_size": 1}"#.utf8)
        .write(to: folder.appendingPathComponent("preprocessor_config.json"))
    let tensors = try Wav2Vec2Classifier.tensorShapes(config)  // what the loader reads, in its order
    // Header first (offsets from the shapes), then each tensor generated and written in turn.
    var offset = 0
    var entries: [String] = []
    for (name, shape) in tensors {
        let bytes = shape.reduce(1, *) * 4
        entries.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
        offset += bytes
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    guard let file = fopen(folder.appendingPathComponent("model.safetensors").path, "wb") else {
        throw CocoaError(.fileWriteUnknown)
    }
    defer { fclose(file) }
    var length = UInt64(header.count).littleEndian
    fwrite(&length, 8, 1, file)
    fwrite(header, 1, header.count, file)
    var state: UInt32 = 0x1234_5678
    for (name, shape) in tensors {
        let count = shape.reduce(1, *)
        let isNormWeight = name.hasSuffix("norm.weight")
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            let uniform = Float(state >> 8) / Float(1 << 24) - 0.5  // -0.5..<0.5
            values[i] = isNormWeight ? 1 + 0.1 * uniform : 0.04 * uniform
        }
        fwrite(values, 4, count, file)
    }
    return folder
}
