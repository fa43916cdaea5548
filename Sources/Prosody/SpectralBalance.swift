// Spectral balance of voiced speech, with the definitions of the eGeMAPS paper (Eyben et al.
// 2016, IEEE Transactions on Affective Computing 7(2), section 3.1.1) — written from the paper, not
// from any implementation: alpha ratio, Hammarberg index, and the spectral slopes 0-500 Hz and
// 500-1500 Hz, averaged over voiced frames. Framing and band edges: Docs/Prosody.md.

import Foundation

/// The four spectral-balance parameters, means over voiced frames.
public struct SpectralBalance: Sendable, Equatable {
    /// 10·log10(power 50–1000 Hz / power 1–5 kHz), dB.
    public let alphaRatioDb: Double
    /// 10·log10(strongest bin 0–2 kHz / strongest bin 2–5 kHz), dB.
    public let hammarbergDb: Double
    /// Least-squares slopes of the dB power spectrum over 0–500 Hz and 500–1500 Hz, dB per kHz.
    public let slope0To500: Double, slope500To1500: Double
    /// Voiced frames averaged.
    public let frames: Int

    /// The parameters of `samples`, over the frames whose centre `isVoiced` accepts (seconds);
    /// nil when no frame is voiced. 25 ms Hamming frames every 10 ms, the power spectrum
    /// zero-padded to a power of two; band edges above the Nyquist frequency are lowered to it.
    public static func measure(_ samples: [Float], sampleRate: Int, isVoiced: (Double) -> Bool) -> SpectralBalance? {
        measure(samples, sampleRate: sampleRate, offset: 0, isVoiced: isVoiced)
    }

    /// With `offset`: `samples` begin at that sample of a recording, frames stay on the
    /// recording's grid (starting at multiples of the step), and `isVoiced` gets recording times.
    package static func measure(_ samples: [Float], sampleRate: Int, offset: Int, isVoiced: (Double) -> Bool) -> SpectralBalance? {
        let rate = Double(sampleRate)
        let width = Int((0.025 * rate).rounded()), step = Int((0.010 * rate).rounded())
        guard width >= 2, samples.count >= width else { return nil }
        var size = 1
        while size < width { size *= 2 }
        let fft = ComplexFFT<Double>(size: size)
        let window = (0..<width).map { 0.54 - 0.46 * cos(2 * Double.pi * Double($0) / Double(width - 1)) }
        let bins = size / 2 + 1
        let frequency = (0..<bins).map { Double($0) * rate / Double(size) }
        let nyquist = rate / 2
        func band(_ low: Double, _ high: Double) -> [Int] {
            (0..<bins).filter { frequency[$0] >= low && frequency[$0] < min(high, nyquist + 1e-9) }
        }
        let (alphaLow, alphaHigh) = (band(50, 1000), band(1000, 5000))
        let (hammarbergLow, hammarbergHigh) = (band(0, 2000), band(2000, 5000))
        let (slopeLow, slopeHigh) = (band(0, 500), band(500, 1500))
        var sums = (alpha: 0.0, hammarberg: 0.0, low: 0.0, high: 0.0), count = 0
        var re = [Double](repeating: 0, count: size), im = re, power = [Double](repeating: 0, count: bins)
        for start in stride(from: (step - offset % step) % step, through: samples.count - width, by: step) {
            guard isVoiced((Double(offset + start) + Double(width) / 2) / rate) else { continue }
            for i in 0..<size {
                re[i] = i < width ? Double(samples[start + i]) * window[i] : 0
                im[i] = 0
            }
            fft.transform(&re, &im, inverse: false)
            for k in 0..<bins { power[k] = re[k] * re[k] + im[k] * im[k] }
            let highSum = alphaHigh.reduce(0) { $0 + power[$1] }, highPeak = hammarbergHigh.map { power[$0] }.max() ?? 0
            guard highSum > 0, highPeak > 0, (slopeLow + slopeHigh).allSatisfy({ power[$0] > 0 }) else { continue }
            sums.alpha += 10 * log10(alphaLow.reduce(0) { $0 + power[$1] } / highSum)
            sums.hammarberg += 10 * log10((hammarbergLow.map { power[$0] }.max() ?? 0) / highPeak)
            sums.low += slope(slopeLow.map { frequency[$0] / 1000 }, slopeLow.map { 10 * log10(power[$0]) })
            sums.high += slope(slopeHigh.map { frequency[$0] / 1000 }, slopeHigh.map { 10 * log10(power[$0]) })
            count += 1
        }
        guard count > 0 else { return nil }
        let n = Double(count)
        return SpectralBalance(alphaRatioDb: sums.alpha / n, hammarbergDb: sums.hammarberg / n, slope0To500: sums.low / n,
                               slope500To1500: sums.high / n, frames: count)
    }

    /// The parameters over the frames `pitch` calls voiced (the nearest pitch frame decides).
    public static func measure(_ samples: [Float], sampleRate: Int, pitch: PitchContour) -> SpectralBalance? {
        measure(samples, sampleRate: sampleRate) { time in
            let k = Int(((time - pitch.startTime) / pitch.timeStep + 0.5).rounded(.down))
            return k >= 0 && k < pitch.frequencies.count && pitch.frequencies[k] > 0
        }
    }

    /// Least-squares slope of y on x.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
        }
        return sxy / sxx
    }
}
