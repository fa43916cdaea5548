// Random-weight Wav2Vec2 models with the real shapes, written to a temporary hub-layout folder,
// so the benchmark needs no checkpoint download. Weights are small uniform values (no denormals);
// speed does not depend on them.

import Foundation
import SafeTensors
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
    // The package's own streaming writer: the header from the shapes, then each tensor generated
    // and handed over in turn (never the whole model in memory).
    var state: UInt32 = 0x1234_5678
    try SafeTensorsWriter.stream(to: folder.appendingPathComponent("model.safetensors").path,
                                 tensors: tensors.map { (name: $0.0, dtype: .float32, shape: $0.1) }, metadata: [:]) { index, output in
        let (name, shape) = tensors[index]
        let count = shape.reduce(1, *)
        let isNormWeight = name.hasSuffix("norm.weight")
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            let uniform = Float(state >> 8) / Float(1 << 24) - 0.5  // -0.5..<0.5
            values[i] = isNormWeight ? 1 + 0.1 * uniform : 0.04 * uniform
        }
        try values.withUnsafeBytes { try output.write($0) }
    }
    return folder
}
