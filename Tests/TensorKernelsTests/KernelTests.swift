// Every op against PyTorch (see Fixtures/make_kernel_fixtures.py for the exact calls).

import SafeTensors
import TensorKernels
import Testing

@Suite struct LinearTests {
    @Test(arguments: ["a", "row1", "nobias"])
    func matchesPyTorch(_ tag: String) {
        let (x, xShape) = tensor("linear.\(tag).x")
        let (w, wShape) = tensor("linear.\(tag).w")
        let bias = fixture.tensors["linear.\(tag).b"] != nil ? tensor("linear.\(tag).b").values : nil
        let layer = Linear(weight: w, bias: bias, inFeatures: wShape[1], outFeatures: wShape[0])
        var y = [Float](repeating: .nan, count: xShape[0] * wShape[0])
        layer.apply(input: x, rows: xShape[0], output: &y)
        expectClose(y, tensor("linear.\(tag).y").values, "linear.\(tag)")
    }

    @Test func accumulateAddsToOutput() {
        let (x, xShape) = tensor("linear.a.x")
        let (w, wShape) = tensor("linear.a.w")
        let layer = Linear(weight: w, bias: tensor("linear.a.b").values, inFeatures: wShape[1], outFeatures: wShape[0])
        let residual = (0..<(xShape[0] * wShape[0])).map { Float($0) * 0.25 }
        var y = residual
        layer.apply(input: x, rows: xShape[0], output: &y, accumulate: true)
        expectClose(y, zip(tensor("linear.a.y").values, residual).map { $0 + $1 }, "linear accumulate")
    }
}

@Suite struct Conv1dTests {
    static let cases: [(tag: String, stride: Int, padding: Int, groups: Int)] = [
        ("w2v_first", 5, 0, 1), ("odd_stride2", 2, 0, 1), ("even_inplace", 2, 0, 1), ("groups_pad2", 1, 2, 3),
        ("depthwise_len1", 1, 1, 5), ("posconv_like", 1, 4, 4), ("exact_kernel", 1, 0, 1), ("vad_like", 1, 1, 1),
        ("stride2_pad1", 2, 1, 1), ("long_tiled", 2, 1, 1), ("long_groups", 1, 3, 2),
    ]

    @Test(arguments: cases.map(\.tag))
    func matchesPyTorch(_ tag: String) {
        let geometry = Self.cases.first { $0.tag == tag }!
        let (x, xShape) = tensor("conv.\(tag).x")  // (in, length)
        let (w, wShape) = tensor("conv.\(tag).w")  // (out, in/groups, kernel)
        let (y, yShape) = tensor("conv.\(tag).y")  // (out, outLength)
        let bias = fixture.tensors["conv.\(tag).b"] != nil ? tensor("conv.\(tag).b").values : nil
        let conv = Conv1d(
            weight: w, bias: bias, inChannels: xShape[0], outChannels: wShape[0], kernelSize: wShape[2],
            stride: geometry.stride, padding: geometry.padding, groups: geometry.groups)
        let length = xShape[1]
        #expect(conv.outputLength(inputLength: length) == yShape[1])
        let input = transposed(x, rows: xShape[0], columns: length)
        var output = [Float](repeating: .nan, count: yShape[0] * yShape[1])
        var workspace = [Float](repeating: .nan, count: max(conv.workspaceCount(inputLength: length), 1))
        conv.apply(input: input, length: length, output: &output, workspace: &workspace)
        expectClose(output, transposed(y, rows: yShape[0], columns: yShape[1]), "conv.\(tag)")
    }

    @Test func inputShorterThanKernelGivesNoFrames() {
        let conv = Conv1d(weight: [Float](repeating: 1, count: 2 * 3 * 5), bias: nil, inChannels: 3, outChannels: 2, kernelSize: 5)
        #expect(conv.outputLength(inputLength: 4) == 0)
        #expect(conv.workspaceCount(inputLength: 4) == 0)
    }
}

@Suite struct NormalizationTests {
    @Test(arguments: ["a", "offset", "c1"])
    func layerNormMatchesPyTorch(_ tag: String) {
        let (x, shape) = tensor("layernorm.\(tag).x")
        let norm = LayerNorm(weight: tensor("layernorm.\(tag).w").values, bias: tensor("layernorm.\(tag).b").values, epsilon: 1e-5)
        var y = [Float](repeating: .nan, count: x.count)
        norm.apply(input: x, rows: shape[0], output: &y)
        expectClose(y, tensor("layernorm.\(tag).y").values, "layernorm.\(tag)")
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { norm.apply(input: $0.baseAddress!, rows: shape[0], output: $0.baseAddress!) }
        expectClose(inPlace, y, tolerance: 0, "layernorm.\(tag) in place")
    }

    @Test(arguments: ["a", "len2", "long"])
    func groupNormMatchesPyTorch(_ tag: String) {
        let (x, shape) = tensor("groupnorm.\(tag).x")  // (channels, length)
        let norm = ChannelGroupNorm(weight: tensor("groupnorm.\(tag).w").values, bias: tensor("groupnorm.\(tag).b").values, epsilon: 1e-5)
        var data = transposed(x, rows: shape[0], columns: shape[1])
        var statistics = [Float](repeating: .nan, count: norm.statisticsCount)
        norm.applyInPlace(&data, length: shape[1], statistics: &statistics)
        expectClose(data, transposed(tensor("groupnorm.\(tag).y").values, rows: shape[0], columns: shape[1]), "groupnorm.\(tag)")
    }
}

@Suite struct ActivationTests {
    @Test func gelu() { check("gelu") { geluInPlace($0, count: $1) } }
    @Test func tanh() { check("tanh") { tanhInPlace($0, count: $1) } }
    @Test func sigmoid() { check("sigmoid") { sigmoidInPlace($0, count: $1) } }
    @Test func relu() { check("relu") { reluInPlace($0, count: $1) } }

    func check(_ name: String, _ op: (UnsafeMutablePointer<Float>, Int) -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        var x = tensor("act.x").values
        x.withUnsafeMutableBufferPointer { op($0.baseAddress!, $0.count) }
        expectClose(x, tensor("act.\(name)").values, "act.\(name)", sourceLocation: sourceLocation)
    }

    @Test func softmaxIsStable() {
        let (x, shape) = tensor("softmax.x")
        var y = x
        softmaxRowsInPlace(&y, rows: shape[0], columns: shape[1])
        #expect(y.allSatisfy { $0.isFinite })
        expectClose(y, tensor("softmax.y").values, "softmax")
        #expect(softmax([]) == [])
    }
}

@Suite struct LSTMCellTests {
    @Test func threeStepsMatchPyTorch() {
        let cell = LSTMCell(
            weightIH: tensor("lstm.w_ih").values, weightHH: tensor("lstm.w_hh").values,
            biasIH: tensor("lstm.b_ih").values, biasHH: tensor("lstm.b_hh").values, inputSize: 6, hiddenSize: 4)
        let xs = tensor("lstm.x").values
        var h = [Float](repeating: 0, count: 4)
        var c = [Float](repeating: 0, count: 4)
        var workspace = [Float](repeating: .nan, count: cell.workspaceCount)
        var hs: [Float] = []
        var cs: [Float] = []
        for t in 0..<3 {
            Array(xs[(t * 6)..<(t * 6 + 6)]).withUnsafeBufferPointer { x in
                cell.step(input: x.baseAddress!, hidden: &h, cell: &c, workspace: &workspace)
            }
            hs += h
            cs += c
        }
        expectClose(hs, tensor("lstm.h").values, "lstm.h")
        expectClose(cs, tensor("lstm.c").values, "lstm.c")
    }
}

@Suite struct BatchedKernelTests {
    /// Three sequences in one call, each padded on its own, as PyTorch's batch dimension.
    @Test func batchedConvMatchesPyTorch() {
        let (x, xShape) = tensor("convbatch.x")  // (3, 5, 4)
        let (w, _) = tensor("convbatch.w")       // (7, 5, 3)
        let (y, yShape) = tensor("convbatch.y")  // (3, 7, 2)
        let conv = Conv1d(weight: w, bias: tensor("convbatch.b").values, inChannels: 5, outChannels: 7,
                          kernelSize: 3, stride: 2, padding: 1)
        let batch = xShape[0], length = xShape[2]
        var input: [Float] = []
        var expected: [Float] = []
        for item in 0..<batch {
            input += transposed(Array(x[(item * 5 * length)..<((item + 1) * 5 * length)]), rows: 5, columns: length)
            expected += transposed(Array(y[(item * 7 * yShape[2])..<((item + 1) * 7 * yShape[2])]), rows: 7, columns: yShape[2])
        }
        var output = [Float](repeating: .nan, count: expected.count)
        var workspace = [Float](repeating: .nan, count: conv.workspaceCount(inputLength: length, batch: batch))
        conv.apply(input: input, length: length, batch: batch, output: &output, workspace: &workspace)
        expectClose(output, expected, "conv batch")
    }

    /// Hann-windowed FFT magnitudes against torch.stft (center=False), several frames at once and one by one.
    @Test(arguments: [256, 128, 16])
    func fftMagnitudesMatchTorchSTFT(_ size: Int) {
        let signal = tensor("fft\(size).x").values
        let (expected, shape) = tensor("fft\(size).y")  // (frames, bins)
        let fft = RealFFTMagnitude(size: size, window: RealFFTMagnitude.periodicHann(size))
        var output = [Float](repeating: .nan, count: expected.count)
        var workspace = [Float](repeating: .nan, count: fft.workspaceCount)
        signal.withUnsafeBufferPointer { s in
            fft.magnitudes(frameCount: shape[0], frame: { s.baseAddress! + $0 * size / 2 }, output: &output, workspace: &workspace)
        }
        expectClose(output, expected, "fft\(size)")
        var single = [Float](repeating: .nan, count: fft.bins)
        signal.withUnsafeBufferPointer { fft.magnitudes(frame: $0.baseAddress! + size / 2, output: &single, workspace: &workspace) }
        expectClose(single, Array(expected[fft.bins..<(2 * fft.bins)]), "fft\(size) single frame")
    }
}
