// Fully connected layer, PyTorch `nn.Linear` semantics: y = x · Wᵀ + b.

/// A fully connected layer with weights in PyTorch layout `(outFeatures, inFeatures)`.
package struct Linear: Sendable {
    /// Input width.
    package let inFeatures: Int
    /// Output width.
    package let outFeatures: Int
    /// `(outFeatures, inFeatures)`, row-major, as PyTorch stores it (possibly in a mapped file).
    package let weight: WeightBuffer
    /// `(outFeatures)`, or nil for a layer without bias.
    package let bias: [Float]?

    /// Creates a layer with a copy of `weight`; the weight and bias counts must match the sizes.
    package init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        self.init(weight: WeightBuffer(weight), bias: bias, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Creates a layer reading `weight` in place; the weight and bias counts must match the sizes.
    package init(weight: WeightBuffer, bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures, "Linear: weight count mismatch")
        precondition(bias == nil || bias!.count == outFeatures, "Linear: bias count mismatch")
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// Applies the layer to `rows` input vectors.
    ///
    /// - Parameters:
    ///   - input: `(rows, inFeatures)`, row stride `inputStride` (default `inFeatures`).
    ///   - output: `(rows, outFeatures)`, row stride `outputStride` (default `outFeatures`).
    ///   - accumulate: add to `output` instead of overwriting it (residual connections).
    package func apply(
        input: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil,
        output: UnsafeMutablePointer<Float>, outputStride: Int? = nil, accumulate: Bool = false
    ) {
        let ldc = outputStride ?? outFeatures
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            // Bias first, then the product with beta = 1 (the kernel reads C either way); the
            // fill is split across the threads like any large elementwise pass.
            bias.withUnsafeBufferPointer { b in
                parallelRanges(rows, work: rows * outFeatures) { range in
                    for r in range {
                        let row = output + r * ldc
                        if accumulate {
                            for j in 0..<outFeatures { row[j] += b[j] }
                        } else {
                            row.update(from: b.baseAddress!, count: outFeatures)
                        }
                    }
                }
            }
            beta = 1
        }
        weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                .none, .transpose, m: rows, n: outFeatures, k: inFeatures,
                a: input, lda: inputStride ?? inFeatures, b: w.baseAddress!, ldb: inFeatures,
                beta: beta, c: output, ldc: ldc)
        }
    }

    /// `GELU(input · Wᵀ + b)` into `output` `(rows, outFeatures)`: the product first, then bias
    /// and GELU in one parallel pass per row while it is in cache (the feed-forward block).
    package func applyThenGelu(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let n = outFeatures
        weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(.none, .transpose, m: rows, n: n, k: inFeatures, a: input, lda: inFeatures,
                       b: w.baseAddress!, ldb: inFeatures, c: output, ldc: n)
        }
        let bias = self.bias ?? []
        bias.withUnsafeBufferPointer { b in
            parallelRanges(rows, work: rows * n) { range in
                for r in range {
                    let row = output + r * n
                    if b.count == n, let shift = b.baseAddress { for j in 0..<n { row[j] += shift[j] } }
                    geluSerial(row, count: n)
                }
            }
        }
    }
}
