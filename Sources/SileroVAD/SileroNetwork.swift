// The Silero VAD v6.2 network for one sample rate, loaded strictly from the converted weights.
// Reference: silero-vad 6.2.3, `silero_vad.jit` (`_model` / `_model_8k`); facts in
// shared notes "silero-vad.md". One 16 kHz step: context(64) ++ chunk(512) ++ right reflect(64)
// -> STFT conv (258 x 256, hop 128) -> magnitude (129 x 4) -> 4 convs + ReLU -> LSTM cell (128)
// -> ReLU -> 1x1 conv -> sigmoid.

import SafeTensors
import TensorKernels

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Checkpoint tensor names and shapes, written once. `prefix` is "16k" or "8k".
enum SileroTensors {
    static func stftBasis(_ prefix: String) -> String { "\(prefix).stft.forward_basis_buffer" }
    static func encoderWeight(_ prefix: String, _ i: Int) -> String { "\(prefix).encoder.\(i).reparam_conv.weight" }
    static func encoderBias(_ prefix: String, _ i: Int) -> String { "\(prefix).encoder.\(i).reparam_conv.bias" }
    static func lstm(_ prefix: String, _ part: String) -> String { "\(prefix).decoder.rnn.\(part)" }
    static func decoderWeight(_ prefix: String) -> String { "\(prefix).decoder.decoder.2.weight" }
    static func decoderBias(_ prefix: String) -> String { "\(prefix).decoder.decoder.2.bias" }

    /// Encoder layers: (input channels, output channels, stride); kernel 3, padding 1 everywhere.
    static func encoderLayers(bins: Int) -> [(inChannels: Int, outChannels: Int, stride: Int)] {
        [(bins, 128, 1), (128, 64, 2), (64, 64, 2), (64, 128, 1)]
    }

    /// Every tensor of one rate's model with its shape.
    static func expected(prefix: String, window: Int) -> [(name: String, shape: [Int])] {
        let bins = window / 2 + 1
        var list: [(String, [Int])] = [(stftBasis(prefix), [2 * bins, 1, window])]
        for (i, layer) in encoderLayers(bins: bins).enumerated() {
            list.append((encoderWeight(prefix, i), [layer.outChannels, layer.inChannels, 3]))
            list.append((encoderBias(prefix, i), [layer.outChannels]))
        }
        list += [
            (lstm(prefix, "weight_ih"), [512, 128]), (lstm(prefix, "weight_hh"), [512, 128]),
            (lstm(prefix, "bias_ih"), [512]), (lstm(prefix, "bias_hh"), [512]),
            (decoderWeight(prefix), [1, 128, 1]), (decoderBias(prefix), [1]),
        ]
        return list
    }
}

/// Geometry of one sample rate's model.
public struct SileroGeometry: Sendable, Equatable {
    /// Samples per second (8000 or 16000).
    public let sampleRate: Int
    /// New samples per step: 512 at 16 kHz, 256 at 8 kHz.
    public let chunkSize: Int
    /// Samples carried over from the previous chunk: 64 at 16 kHz, 32 at 8 kHz.
    public let contextSize: Int
    /// STFT window (filter length): 256 at 16 kHz, 128 at 8 kHz; hop is half of it.
    let window: Int
    var hop: Int { window / 2 }
    var bins: Int { window / 2 + 1 }
    /// Context + chunk + right reflection.
    var paddedLength: Int { contextSize + chunkSize + contextSize }
    /// Name prefix in the weights file.
    var prefix: String { sampleRate == 16000 ? "16k" : "8k" }

    /// The two rates the model supports.
    public static let rate16k = SileroGeometry(sampleRate: 16000, chunkSize: 512, contextSize: 64, window: 256)
    /// 8 kHz geometry.
    public static let rate8k = SileroGeometry(sampleRate: 8000, chunkSize: 256, contextSize: 32, window: 128)

    /// The geometry for a rate, or `unsupportedSampleRate`.
    public static func forRate(_ rate: Int) throws(SileroVADError) -> SileroGeometry {
        switch rate {
        case 16000: return rate16k
        case 8000: return rate8k
        default: throw .unsupportedSampleRate(rate)
        }
    }
}

/// Immutable weights of one rate's model, repacked for the kernels.
struct SileroNetwork: Sendable {
    let geometry: SileroGeometry
    /// STFT as a strided conv: (2·bins) filters of `window` taps, stride `hop`, no padding.
    let stft: Conv1d
    /// Four conv layers, kernel 3, padding 1, each followed by ReLU.
    let encoder: [Conv1d]
    /// 128 -> 128 LSTM cell.
    let lstm: LSTMCell
    /// (128) weights of the final 1x1 conv.
    let decoderWeight: [Float]
    /// Its bias.
    let decoderBias: Float
    /// The STFT as a Hann-windowed FFT, used when the loaded basis is exactly that transform
    /// (checked at load); nil means the basis matrix is applied as it is.
    let fft: RealFFTMagnitude?

    /// Loads one rate's tensors; shapes must match exactly. `allowFFT: false` forces the
    /// matrix STFT (tests use it to check both paths).
    init(file: SafeTensorsFile, geometry: SileroGeometry, allowFFT: Bool = true) throws(SileroVADError) {
        let prefix = geometry.prefix
        var values: [String: [Float]] = [:]
        for (name, shape) in SileroTensors.expected(prefix: prefix, window: geometry.window) {
            guard let info = file.tensors[name] else { throw .missingTensor(file: file.path, name: name) }
            guard info.shape == shape else { throw .shapeMismatch(file: file.path, name: name, expected: shape, found: info.shape) }
            do { values[name] = try file.floats(name) } catch { throw .invalidWeightsFile(error) }
            if let index = values[name]!.firstIndex(where: { !$0.isFinite }) {
                throw .invalidWeightValues(file: file.path, name: name, reason: "holds \(values[name]![index]) at element \(index) (weights must be finite)")
            }
        }
        let bins = geometry.bins
        self.geometry = geometry
        stft = Conv1d(weight: values[SileroTensors.stftBasis(prefix)]!, bias: nil, inChannels: 1,
                      outChannels: 2 * bins, kernelSize: geometry.window, stride: geometry.hop)
        encoder = SileroTensors.encoderLayers(bins: bins).enumerated().map { i, layer in
            Conv1d(weight: values[SileroTensors.encoderWeight(prefix, i)]!, bias: values[SileroTensors.encoderBias(prefix, i)]!,
                   inChannels: layer.inChannels, outChannels: layer.outChannels, kernelSize: 3, stride: layer.stride, padding: 1)
        }
        lstm = LSTMCell(weightIH: values[SileroTensors.lstm(prefix, "weight_ih")]!, weightHH: values[SileroTensors.lstm(prefix, "weight_hh")]!,
                        biasIH: values[SileroTensors.lstm(prefix, "bias_ih")]!, biasHH: values[SileroTensors.lstm(prefix, "bias_hh")]!,
                        inputSize: 128, hiddenSize: 128)
        decoderWeight = values[SileroTensors.decoderWeight(prefix)]!
        decoderBias = values[SileroTensors.decoderBias(prefix)]![0]
        let basis = values[SileroTensors.stftBasis(prefix)]!
        fft = allowFFT && Self.isHannDFT(basis, window: geometry.window) ? RealFFTMagnitude(
            size: geometry.window, window: RealFFTMagnitude.periodicHann(geometry.window)) : nil
    }

    /// Whether `basis` (2·bins, 1, N) is the periodic-Hann-windowed DFT (rows: cos, then -sin) to
    /// float32 rounding: then an FFT gives the same magnitudes without streaming the matrix.
    static func isHannDFT(_ basis: [Float], window n: Int) -> Bool {
        let bins = n / 2 + 1
        let hann = RealFFTMagnitude.periodicHann(n)
        for k in 0..<bins {
            for t in 0..<n {
                let angle = 2 * Double.pi * Double((k * t) % n) / Double(n)
                let re = Double(hann[t]) * cos(angle), im = -Double(hann[t]) * sin(angle)
                if abs(Double(basis[k * n + t]) - re) > 1e-6 || abs(Double(basis[(bins + k) * n + t]) - im) > 1e-6 { return false }
            }
        }
        return true
    }

    /// Frames the STFT produces per step (4 at both rates).
    var stftFrames: Int { stft.outputLength(inputLength: geometry.paddedLength) }
}
