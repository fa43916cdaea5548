// Classification heads of the emotion checkpoints users run.
// 1. transformers `Wav2Vec2ForSequenceClassification` / `HubertForSequenceClassification`
//    (superb/*): optional weighted layer sum, projector, mean over frames, classifier.
// 2. The legacy "speech classification" head of the 2021 community notebook (ehcalabres/*,
//    audeering/*): pooled last hidden state -> classifier.dense -> activation ->
//    classifier.output / classifier.out_proj. transformers cannot load it (it re-initialises it at
//    random); we load the trained weights.

import SafeTensors
import TensorKernels
import VoiceEmotionCore

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// The activation between the legacy head's dense and output layers.
public enum HeadActivation: String, Sendable, Codable, CaseIterable {
    /// The community notebook's and audeering's choice (default).
    case tanh
    /// max(x, 0).
    case relu
    /// Exact erf GELU.
    case gelu
    /// No activation.
    case identity
}

/// Which head a checkpoint has, found from its tensor names.
public enum HeadKind: String, Sendable, Codable {
    /// projector + classifier (transformers' sequence classification).
    case projectorClassifier
    /// classifier.dense + classifier.output / out_proj (legacy notebook head).
    case legacyDense
}

struct ClassificationHead: Sendable {
    enum Layers: Sendable {
        case projectorClassifier(layerWeights: [Float]?, projector: Linear, classifier: Linear)
        case legacy(pooling: String, dense: Linear, activation: HeadActivation, output: Linear)
    }

    let layers: Layers
    var kind: HeadKind {
        if case .legacy = layers { return .legacyDense }
        return .projectorClassifier
    }
    /// Softmax-normalised layer weights, when the head sums all hidden states.
    var layerWeights: [Float]? {
        if case .projectorClassifier(let weights, _, _) = layers { return weights }
        return nil
    }

    /// Finds the head from the tensor names at the checkpoint's root: `projector` + `classifier`
    /// (with `layer_weights` when the config sums layers), or `classifier.dense` +
    /// `classifier.output`/`classifier.out_proj`; anything else is `unknownHead`.
    init(config: Wav2Vec2Config, scope: CheckpointScope, backbonePrefix: String, activation: HeadActivation) throws {
        let h = config.hiddenSize, labels = config.id2label.count
        if scope.contains("projector.weight") && scope.contains("classifier.weight") {
            var weights: [Float]? = nil
            if config.useWeightedLayerSum {
                weights = softmax(try scope.floats("layer_weights", shape: [config.numHiddenLayers + 1]))  // one per hidden state
            }
            let p = config.classifierProjSize
            layers = .projectorClassifier(layerWeights: weights, projector: try scope.linear("projector", outputs: p, inputs: h),
                                          classifier: try scope.linear("classifier", outputs: labels, inputs: p))
        } else if scope.contains("classifier.dense.weight"),
                  let output = scope.firstPresent(["classifier.output.weight", "classifier.out_proj.weight"]) {
            layers = .legacy(pooling: config.poolingMode, dense: try scope.linear("classifier.dense", outputs: h, inputs: h),
                             activation: activation,
                             output: try scope.linear(String(output.dropLast(".weight".count)), outputs: labels, inputs: h))
        } else {
            let headKeys = scope.reader.file?.tensorNames.filter { !$0.hasPrefix(backbonePrefix) } ?? []
            throw VoiceEmotionError.unknownHead(path: scope.path, keys: headKeys)
        }
    }

    /// Logits from the hidden state(s) `(T, H)` the head reads: the weighted sum or the last state.
    func logits(from hidden: UnsafePointer<Float>, frames t: Int) -> [Float] {
        switch layers {
        case .projectorClassifier(_, let projector, let classifier):
            // mean_t(projector(h_t)) = projector(mean_t h_t): pool first, then one small product.
            let pooled = pool(hidden, frames: t, width: projector.inFeatures, mode: "mean")
            var projected = [Float](repeating: 0, count: projector.outFeatures)
            projector.apply(input: pooled, rows: 1, output: &projected)
            var logits = [Float](repeating: 0, count: classifier.outFeatures)
            classifier.apply(input: projected, rows: 1, output: &logits)
            return logits
        case .legacy(let pooling, let dense, let activation, let output):
            let pooled = pool(hidden, frames: t, width: dense.inFeatures, mode: pooling)
            var x = [Float](repeating: 0, count: dense.outFeatures)
            dense.apply(input: pooled, rows: 1, output: &x)
            x.withUnsafeMutableBufferPointer { b in
                switch activation {
                case .tanh: tanhInPlace(b.baseAddress!, count: b.count)
                case .relu: reluInPlace(b.baseAddress!, count: b.count)
                case .gelu: geluInPlace(b.baseAddress!, count: b.count)
                case .identity: break
                }
            }
            var logits = [Float](repeating: 0, count: output.outFeatures)
            output.apply(input: x, rows: 1, output: &logits)
            return logits
        }
    }

    /// Mean, sum or max over frames, accumulated in Double for the mean and sum.
    private func pool(_ hidden: UnsafePointer<Float>, frames t: Int, width: Int, mode: String) -> [Float] {
        if mode == "max" {
            var result = [Float](repeating: -.infinity, count: width)
            for row in 0..<t { for j in 0..<width { result[j] = max(result[j], hidden[row * width + j]) } }
            return result
        }
        var sums = [Double](repeating: 0, count: width)
        for row in 0..<t { for j in 0..<width { sums[j] += Double(hidden[row * width + j]) } }
        let scale = mode == "sum" ? 1 : 1 / Double(t)
        return sums.map { Float($0 * scale) }
    }
}
