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
        ("stride2_pad1", 2, 1, 1),
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
