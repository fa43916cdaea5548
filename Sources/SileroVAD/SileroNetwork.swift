// The Silero VAD v6.2 network for one sample rate, loaded strictly from the converted weights.
// Reference: silero-vad 6.2.3, `silero_vad.jit` (`_model` / `_model_8k`); see Docs/Models.md.
// One 16 kHz step: context(64) ++ chunk(512) ++ right reflect(64)
// -> STFT conv (258 x 256, hop 128) -> magnitude (129 x 4) -> 4 convs + ReLU -> LSTM cell (128)
// -> ReLU -> 1x1 conv -> sigmoid.

import SafeTensors
import TensorKernels
import VoiceEmotionCore

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

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
    /// Name prefix of this rate's tensors in the weights file.
    var prefix: String { "\(sampleRate / 1000)k" }

    /// The two rates the model supports.
    public static let rate16k = SileroGeometry(sampleRate: modelSampleRate, chunkSize: 512, contextSize: 64, window: 256)
    /// 8 kHz geometry.
    public static let rate8k = SileroGeometry(sampleRate: 8000, chunkSize: 256, contextSize: 32, window: 128)

    /// The rates the model runs at.
    public static let sampleRates = [8000, modelSampleRate]

    /// The geometry for a rate, or `unsupportedSampleRate`.
    public static func forRate(_ rate: Int) throws -> SileroGeometry {
        switch rate {
        case rate16k.sampleRate: return rate16k
        case rate8k.sampleRate: return rate8k
        default: throw VoiceEmotionError.unsupportedSampleRate(rate: rate, supported: sampleRates)
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

    /// Encoder layers: (input channels, output channels, stride); kernel 3, padding 1 everywhere.
    static func encoderLayers(bins: Int) -> [(inChannels: Int, outChannels: Int, stride: Int)] {
        [(bins, 128, 1), (128, 64, 2), (64, 64, 2), (64, 128, 1)]
    }

    /// Loads one rate's tensors from `scope` (the "16k." or "8k." part of the converted file);
    /// shapes must match exactly. `allowFFT: false` forces the matrix STFT (tests check both paths).
    init(scope: CheckpointScope, geometry: SileroGeometry, allowFFT: Bool = true) throws {
        let bins = geometry.bins
        let basis = try scope.floats("stft.forward_basis_buffer", shape: [2 * bins, 1, geometry.window])  // (2·bins, 1, window)
        self.geometry = geometry
        stft = Conv1d(weight: basis, bias: nil, inChannels: 1, outChannels: 2 * bins, kernelSize: geometry.window, stride: geometry.hop)
        var encoder: [Conv1d] = []
        for (i, layer) in Self.encoderLayers(bins: bins).enumerated() {
            let conv = scope.scoped("encoder.\(i).reparam_conv")
            encoder.append(Conv1d(
                weight: try conv.floats("weight", shape: [layer.outChannels, layer.inChannels, 3]),  // (out, in, 3)
                bias: try conv.floats("bias", shape: [layer.outChannels]),
                inChannels: layer.inChannels, outChannels: layer.outChannels, kernelSize: 3, stride: layer.stride, padding: 1))
        }
        self.encoder = encoder
        let rnn = scope.scoped("decoder.rnn")
        lstm = LSTMCell(weightIH: try rnn.floats("weight_ih", shape: [512, 128]), weightHH: try rnn.floats("weight_hh", shape: [512, 128]),
                        biasIH: try rnn.floats("bias_ih", shape: [512]), biasHH: try rnn.floats("bias_hh", shape: [512]),
                        inputSize: 128, hiddenSize: 128)
        let decoder = scope.scoped("decoder.decoder.2")  // the 1x1 conv after ReLU
        decoderWeight = try decoder.floats("weight", shape: [1, 128, 1])
        decoderBias = try decoder.floats("bias", shape: [1])[0]
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
