// One transformer encoder layer: multi-head self-attention and the feed-forward block, in the
// post-LN ("base") or pre-LN ("stable", large/XLSR) arrangement.
// Reference: transformers 5.24 `Wav2Vec2EncoderLayer`, `Wav2Vec2EncoderLayerStableLayerNorm`,
// `Wav2Vec2Attention` (eager), `Wav2Vec2FeedForward`.

import SafeTensors
import TensorKernels
import VoiceEmotionCore

/// Per-call activation buffers shared by every layer of one forward pass.
struct EncoderScratch {
    let normed: UnsafeMutablePointer<Float>       // (T, H) LayerNorm output (pre-LN)
    let projections: UnsafeMutablePointer<Float>  // (T, 3H) Q | K | V
    let scores: UnsafeMutablePointer<Float>       // (parts, T, T) attention weights, one head per part at a time
    let context: UnsafeMutablePointer<Float>      // (T, H) heads' outputs side by side
    let intermediate: UnsafeMutablePointer<Float> // (T, I) feed-forward hidden
    let inverseSums: UnsafeMutablePointer<Float>  // (parts, T) softmax row normalisers
    /// Heads are processed by this many threads at once, each with its own scores.
    let parts: Int

    static func count(frames t: Int, hidden h: Int, intermediate i: Int, parts: Int) -> Int {
        t * h + 3 * t * h + parts * t * t + t * h + t * i + parts * t
    }

    init(_ base: UnsafeMutablePointer<Float>, frames t: Int, hidden h: Int, intermediate i: Int, parts: Int) {
        self.parts = parts
        normed = base
        projections = normed + t * h
        scores = projections + 3 * t * h
        context = scores + parts * t * t
        intermediate = context + t * h
        inverseSums = intermediate + t * i
    }
}

/// Weights of one encoder layer.
struct EncoderLayer: Sendable {
    let heads: Int
    let preNorm: Bool
    /// q, k and v projections, each `(H, H)` read in place from the checkpoint; their outputs are
    /// written side by side into one `(T, 3H)` buffer.
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let attentionNorm: LayerNorm      // "layer_norm"
    let feedForwardIn: Linear         // H -> I
    let feedForwardOut: Linear        // I -> H
    let feedForwardNorm: LayerNorm    // "final_layer_norm"

    /// Reads `encoder.layers.<n>.*` (the scope given).
    init(config: Wav2Vec2Config, scope: CheckpointScope) throws {
        let h = config.hiddenSize, i = config.intermediateSize, eps = config.layerNormEps
        let attention = scope.scoped("attention")
        query = try attention.linear("q_proj", outputs: h, inputs: h)
        key = try attention.linear("k_proj", outputs: h, inputs: h)
        value = try attention.linear("v_proj", outputs: h, inputs: h)
        output = try attention.linear("out_proj", outputs: h, inputs: h)
        attentionNorm = try scope.layerNorm("layer_norm", width: h, epsilon: eps)
        feedForwardIn = try scope.linear("feed_forward.intermediate_dense", outputs: i, inputs: h)
        feedForwardOut = try scope.linear("feed_forward.output_dense", outputs: h, inputs: i)
        feedForwardNorm = try scope.layerNorm("final_layer_norm", width: h, epsilon: eps)
        heads = config.numAttentionHeads
        preNorm = config.doStableLayerNorm
    }

    /// Runs the layer on `hidden` `(T, H)` in place.
    func apply(_ hidden: UnsafeMutablePointer<Float>, frames t: Int, scratch s: EncoderScratch) {
        if preNorm {
            // h = h + Attn(LN1(h)); h = h + FFN(LN2(h))
            attentionNorm.apply(input: hidden, rows: t, output: s.normed)
            attend(UnsafePointer(s.normed), frames: t, scratch: s)
            output.apply(input: s.context, rows: t, output: hidden, accumulate: true)
            feedForwardNorm.apply(input: hidden, rows: t, output: s.normed)
            feedForward(UnsafePointer(s.normed), into: hidden, frames: t, scratch: s)
        } else {
            // h = LN1(h + Attn(h)); h = LN2(h + FFN(h))
            attend(UnsafePointer(hidden), frames: t, scratch: s)
            output.apply(input: s.context, rows: t, output: hidden, accumulate: true)
            attentionNorm.apply(input: hidden, rows: t, output: hidden)
            feedForward(UnsafePointer(hidden), into: hidden, frames: t, scratch: s)
            feedForwardNorm.apply(input: hidden, rows: t, output: hidden)
        }
    }

    /// Multi-head attention of `input` into `scratch.context`: per head, sgemms on strided views
    /// of the stacked Q|K|V rows (no transposed copies), softmax over keys.
    private func attend(_ input: UnsafePointer<Float>, frames t: Int, scratch s: EncoderScratch) {
        let h = output.outFeatures, d = h / heads
        // Three products rather than one over stacked weights: the weights stay in the mapped
        // file (stacking them would copy 3·H² floats per layer).
        for (index, projection) in [query, key, value].enumerated() {
            projection.apply(input: input, rows: t, output: s.projections + index * h, outputStride: 3 * h)
        }
        let scale = 1 / Float(d).squareRoot()
        // Heads in parallel, each product single-threaded: per head the products are small
        // (T × T × 64), too small to split across threads efficiently.
        parallelParts(heads, parts: s.parts) { part, headRange in
            let scores = s.scores + part * t * t, inverseSums = s.inverseSums + part * t
            for head in headRange {
                let q = s.projections + head * d, k = q + h, v = q + 2 * h
                // scores (T, T) = scale · Q_h · K_hᵀ
                BLAS.sgemm(.none, .transpose, m: t, n: t, k: d, alpha: scale, a: q, lda: 3 * h, b: k, ldb: 3 * h,
                           c: scores, ldc: t, threads: 1)
                // Softmax over keys, normalised after the product: (e^S · V_h) / rowsum(e^S).
                exponentiateRows(scores, rows: t, columns: t, inverseSums: inverseSums)
                // context[:, head] (T, d) = softmax(scores) · V_h
                let context = s.context + head * d
                BLAS.sgemm(.none, .none, m: t, n: d, k: t, a: scores, lda: t, b: v, ldb: 3 * h, c: context, ldc: h, threads: 1)
                for row in 0..<t {
                    let scale = inverseSums[row], out = context + row * h
                    for j in 0..<d { out[j] *= scale }
                }
            }
        }
    }

    /// `hidden += W2 · GELU(W1 · input)`.
    private func feedForward(_ input: UnsafePointer<Float>, into hidden: UnsafeMutablePointer<Float>, frames t: Int, scratch s: EncoderScratch) {
        feedForwardIn.applyThenGelu(input: input, rows: t, output: s.intermediate)
        feedForwardOut.apply(input: s.intermediate, rows: t, output: hidden, accumulate: true)
    }
}
