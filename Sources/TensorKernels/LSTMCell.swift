// One step of PyTorch's `nn.LSTMCell` (gate order input, forget, cell, output):
//   gates = W_ih · x + b_ih + W_hh · h + b_hh
//   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g);  h' = σ(o) ⊙ tanh(c')

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// An LSTM cell whose two weight matrices are fused at creation into one `(4·hidden, input+hidden)`
/// matrix, so a step is a single matrix-vector product over `[x; h]`.
public struct LSTMCell: Sendable {
    /// Input width.
    public let inputSize: Int
    /// Hidden (and cell) state width.
    public let hiddenSize: Int
    /// `(4·hidden, input + hidden)`: `[W_ih | W_hh]` row by row.
    let fusedWeight: [Float]
    /// `(4·hidden)`: `b_ih + b_hh`.
    let fusedBias: [Float]

    /// Creates a cell from PyTorch tensors `weight_ih (4H, I)`, `weight_hh (4H, H)`, `bias_ih (4H)`, `bias_hh (4H)`.
    public init(weightIH: [Float], weightHH: [Float], biasIH: [Float], biasHH: [Float], inputSize: Int, hiddenSize: Int) {
        let gates = 4 * hiddenSize
        precondition(weightIH.count == gates * inputSize && weightHH.count == gates * hiddenSize,
                     "LSTMCell: weight count mismatch")
        precondition(biasIH.count == gates && biasHH.count == gates, "LSTMCell: bias count mismatch")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let width = inputSize + hiddenSize
        var fused = [Float](repeating: 0, count: gates * width)
        for r in 0..<gates {
            for j in 0..<inputSize { fused[r * width + j] = weightIH[r * inputSize + j] }
            for j in 0..<hiddenSize { fused[r * width + inputSize + j] = weightHH[r * hiddenSize + j] }
        }
        fusedWeight = fused
        fusedBias = zip(biasIH, biasHH).map { $0 + $1 }
    }

    /// Floats of workspace `step` needs: the stacked `[x; h]` and the gates.
    public var workspaceCount: Int { inputSize + hiddenSize + 4 * hiddenSize }

    /// Advances the state by one input vector, updating `hidden` and `cell` (`hiddenSize` each) in place.
    public func step(
        input: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let n = hiddenSize
        let stacked = workspace
        let gates = workspace + inputSize + n
        stacked.update(from: input, count: inputSize)
        (stacked + inputSize).update(from: hidden, count: n)
        fusedBias.withUnsafeBufferPointer { gates.update(from: $0.baseAddress!, count: 4 * n) }
        fusedWeight.withUnsafeBufferPointer { w in
            BLAS.sgemv(.none, rows: 4 * n, columns: inputSize + n, a: w.baseAddress!, lda: inputSize + n,
                       x: stacked, beta: 1, y: gates)
        }
        for j in 0..<n {
            let inputGate = sigmoid(gates[j])
            let forgetGate = sigmoid(gates[n + j])
            let candidate = tanhf(gates[2 * n + j])
            let outputGate = sigmoid(gates[3 * n + j])
            let c = forgetGate * cell[j] + inputGate * candidate
            cell[j] = c
            hidden[j] = outputGate * tanhf(c)
        }
    }
}
