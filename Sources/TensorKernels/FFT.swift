// Windowed real FFT magnitudes: the STFT front end of Silero VAD computed in O(N log N)
// instead of as a (N+2) x N matrix product (whose 264 KB of basis weights would be streamed
// from memory for every 32 ms chunk).

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Magnitudes `|Σ x[n]·w[n]·e^(-2πi·k·n/N)|` for k = 0...N/2 of real frames, with an optional window.
///
/// The N real samples are packed as N/2 complex values (even samples real, odd imaginary), sent
/// through an iterative radix-2 FFT of size N/2, and split into the N/2 + 1 bins of the real
/// transform. Twiddles are computed in Double. Immutable after creation; `magnitudes` uses a
/// caller-provided workspace, so one instance can be shared across threads.
package struct RealFFTMagnitude: Sendable {
    /// Transform length (a power of two ≥ 4).
    package let size: Int
    /// Output bins per frame: `size / 2 + 1`.
    package var bins: Int { size / 2 + 1 }
    /// `(size)` window multiplied into each frame before the transform.
    package let window: [Float]
    private let half: Int            // M = N / 2, the complex FFT length
    private let cosines: [Float]     // (M / 2) cos(2πj/M): complex FFT twiddles
    private let sines: [Float]       // (M / 2) sin(2πj/M)
    private let splitCosines: [Float]  // (M + 1) cos(2πk/N): real-split twiddles
    private let splitSines: [Float]    // (M + 1) sin(2πk/N)
    private let bitReversed: [Int]     // (M) input permutation of the complex FFT

    /// Creates a transform of `size` (a power of two ≥ 4) with `window` (nil: rectangular).
    package init(size: Int, window: [Float]? = nil) {
        precondition(size >= 4 && size & (size - 1) == 0, "RealFFTMagnitude: size must be a power of two >= 4")
        precondition(window == nil || window!.count == size, "RealFFTMagnitude: window length must equal size")
        self.size = size
        self.window = window ?? [Float](repeating: 1, count: size)
        let m = size / 2
        half = m
        cosines = (0..<(m / 2)).map { Float(cos(2 * Double.pi * Double($0) / Double(m))) }
        sines = (0..<(m / 2)).map { Float(sin(2 * Double.pi * Double($0) / Double(m))) }
        splitCosines = (0...m).map { Float(cos(2 * Double.pi * Double($0) / Double(size))) }
        splitSines = (0...m).map { Float(sin(2 * Double.pi * Double($0) / Double(size))) }
        let bits = m.trailingZeroBitCount
        bitReversed = (0..<m).map { i in
            var reversed = 0
            for b in 0..<bits where i & (1 << b) != 0 { reversed |= 1 << (bits - 1 - b) }
            return reversed
        }
    }

    /// The periodic Hann window `0.5 - 0.5·cos(2πn/N)` (`torch.hann_window(N)`).
    package static func periodicHann(_ size: Int) -> [Float] {
        (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size))) }
    }

    /// Floats of workspace `magnitudes` needs.
    package var workspaceCount: Int { 8 * size }

    /// Magnitudes of one frame of `size` samples into `output` (`bins` values).
    package func magnitudes(
        frame: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        magnitudes(frameCount: 1, frame: { _ in frame }, output: output, workspace: workspace)
    }

    /// Magnitudes of `frameCount` frames into `output` (`frameCount × bins`, row-major).
    ///
    /// Eight frames go through the transform together, one per SIMD lane, so every butterfly is
    /// a vector operation. `frame(i)` gives the start of frame i.
    package func magnitudes(
        frameCount: Int, frame: (Int) -> UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let m = half
        workspace.withMemoryRebound(to: SIMD8<Float>.self, capacity: 2 * m) { lanes in
            let re = lanes
            let im = lanes + m
            var group = 0
            while group < frameCount {
                let count = min(8, frameCount - group)
                transform(count: count, frame: { frame(group + $0) }, re: re, im: im)
                split(re: re, im: im, frames: count, output: output + group * bins)
                group += 8
            }
        }
    }

    /// Windowed, bit-reversed load of up to eight frames (missing lanes zero), then the FFT.
    private func transform(count: Int, frame: (Int) -> UnsafePointer<Float>, re: UnsafeMutablePointer<SIMD8<Float>>, im: UnsafeMutablePointer<SIMD8<Float>>) {
        let m = half
        // Lane-by-lane load through Float views of the vectors: one frame pointer per lane.
        let reLanes = UnsafeMutableRawPointer(re).assumingMemoryBound(to: Float.self)
        let imLanes = UnsafeMutableRawPointer(im).assumingMemoryBound(to: Float.self)
        if count < 8 {
            re.update(repeating: SIMD8(), count: m)
            im.update(repeating: SIMD8(), count: m)
        }
        window.withUnsafeBufferPointer { w in
            bitReversed.withUnsafeBufferPointer { order in
                for lane in 0..<count {
                    let f = frame(lane)
                    for i in 0..<m {
                        let j = 2 * order[i]
                        reLanes[i * 8 + lane] = f[j] * w[j]
                        imLanes[i * 8 + lane] = f[j + 1] * w[j + 1]
                    }
                }
            }
        }
        cosines.withUnsafeBufferPointer { cosTable in
            sines.withUnsafeBufferPointer { sinTable in
                var span = 1
                while span < m {
                    let step = m / (2 * span)  // twiddle stride in the M/2 table
                    for j in 0..<span {
                        // e^(-2πi·j/(2·span)) = cos - i·sin of angle 2π·(j·step)/M
                        let c = SIMD8(repeating: cosTable[j * step]), s = SIMD8(repeating: sinTable[j * step])
                        var first = j
                        while first < m {
                            let second = first + span
                            let tr = re[second] * c + im[second] * s
                            let ti = im[second] * c - re[second] * s
                            re[second] = re[first] - tr
                            im[second] = im[first] - ti
                            re[first] += tr
                            im[first] += ti
                            first += 2 * span
                        }
                    }
                    span *= 2
                }
            }
        }
    }

    /// Split into the real transform's bins: X[k] = E[k] + W^k·O[k] with
    /// E = (Z[k] + conj Z[M-k]) / 2 and O = (Z[k] - conj Z[M-k]) / 2i; writes |X[k]| per lane.
    private func split(re: UnsafeMutablePointer<SIMD8<Float>>, im: UnsafeMutablePointer<SIMD8<Float>>, frames: Int, output: UnsafeMutablePointer<Float>) {
        let m = half
        splitCosines.withUnsafeBufferPointer { cosTable in
            splitSines.withUnsafeBufferPointer { sinTable in
                for k in 0...m {
                    let p = k == m ? 0 : k
                    let q = k == 0 ? 0 : m - k
                    let zr = re[p], zi = im[p], cr = re[q], ci = -im[q]
                    let er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci)
                    let or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr)
                    let c = SIMD8(repeating: cosTable[k]), s = SIMD8(repeating: sinTable[k])
                    let xr = er + c * or + s * oi
                    let xi = ei + c * oi - s * or
                    let magnitude = (xr * xr + xi * xi).squareRoot()
                    for lane in 0..<frames { output[lane * bins + k] = magnitude[lane] }
                }
            }
        }
    }
}
