// One step of PyTorch's `nn.LSTMCell` (gate order input, forget, cell, output):
//   gates = W_ih · x + b_ih + W_hh · h + b_hh
//   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g);  h' = σ(o) ⊙ tanh(c')

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// An LSTM cell. The input projection `W_ih · x` of many steps can be batched as one sgemm
/// (`projectInputs`); only `W_hh · h` is sequential (`advance`).
package struct LSTMCell: Sendable {
    /// Input width.
    package let inputSize: Int
    /// Hidden (and cell) state width.
    package let hiddenSize: Int
    /// `(4·hidden, input)`, PyTorch `weight_ih`.
    let inputWeight: [Float]
    /// `(4·hidden, hidden)`, PyTorch `weight_hh`.
    let recurrentWeight: [Float]
    /// `(4·hidden)`: `b_ih + b_hh`.
    let fusedBias: [Float]

    /// Creates a cell from PyTorch tensors `weight_ih (4H, I)`, `weight_hh (4H, H)`, `bias_ih (4H)`, `bias_hh (4H)`.
    package init(weightIH: [Float], weightHH: [Float], biasIH: [Float], biasHH: [Float], inputSize: Int, hiddenSize: Int) {
        let gates = 4 * hiddenSize
        precondition(weightIH.count == gates * inputSize && weightHH.count == gates * hiddenSize,
                     "LSTMCell: weight count mismatch")
        precondition(biasIH.count == gates && biasHH.count == gates, "LSTMCell: bias count mismatch")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        inputWeight = weightIH
        recurrentWeight = weightHH
        fusedBias = zip(biasIH, biasHH).map { $0 + $1 }
    }

    /// Floats of workspace `step` needs: the gates.
    package var workspaceCount: Int { 4 * hiddenSize }

    /// Input half of the gates for `rows` inputs at once: `gates (rows, 4H) = x (rows, I) · W_ihᵀ + b_ih + b_hh`.
    /// Batching this product is what makes a recurrent layer fast: only `W_hh · h` is sequential.
    package func projectInputs(_ input: UnsafePointer<Float>, rows: Int, gates: UnsafeMutablePointer<Float>) {
        let n4 = 4 * hiddenSize
        fusedBias.withUnsafeBufferPointer { b in
            for r in 0..<rows { (gates + r * n4).update(from: b.baseAddress!, count: n4) }
        }
        inputWeight.withUnsafeBufferPointer { w in
            BLAS.sgemm(.none, .transpose, m: rows, n: n4, k: inputSize, a: input, lda: inputSize,
                       b: w.baseAddress!, ldb: inputSize, beta: 1, c: gates, ldc: n4)
        }
    }

    /// Completes one step from projected input gates (`4H`, overwritten): adds `W_hh · h`, applies
    /// the gate nonlinearities and updates `hidden` and `cell` in place.
    package func advance(gates: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>) {
        let n = hiddenSize
        recurrentWeight.withUnsafeBufferPointer { w in
            BLAS.sgemv(.none, rows: 4 * n, columns: n, a: w.baseAddress!, lda: n, x: hidden, beta: 1, y: gates)
        }
        // Gate order i, f, g, o: sigmoid on i, f (contiguous), tanh on g, sigmoid on o.
        sigmoidInPlace(gates, count: 2 * n)
        tanhInPlace(gates + 2 * n, count: n)
        sigmoidInPlace(gates + 3 * n, count: n)
        for j in 0..<n { cell[j] = gates[n + j] * cell[j] + gates[j] * gates[2 * n + j] }
        hidden.update(from: cell, count: n)
        tanhInPlace(hidden, count: n)
        for j in 0..<n { hidden[j] *= gates[3 * n + j] }
    }

    /// Advances the state by one input vector, updating `hidden` and `cell` (`hiddenSize` each) in place.
    package func step(
        input: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        projectInputs(input, rows: 1, gates: workspace)
        advance(gates: workspace, hidden: hidden, cell: cell)
    }
}
