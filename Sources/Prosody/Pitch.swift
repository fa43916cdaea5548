// Fundamental frequency by Boersma's (1993) autocorrelation method, as Praat's "Sound: To Pitch
// (ac)..." applies it with its default settings (Praat manual): frames of 3 periods of the pitch
// floor, Hanning-windowed, local mean removed; the autocorrelation of the windowed frame divided
// by the window's own autocorrelation; its maxima as candidates, each with a strength; then the
// cheapest path through the candidates (Viterbi), with costs for octave jumps and for voicing
// changes. Written from the paper and the manual; checked frame by frame against Praat's output.

import Foundation

/// Settings of the pitch analysis; the defaults are Praat's.
public struct PitchOptions: Sendable, Equatable {
    /// Lowest and highest F0 in Hz (floor 75, ceiling 600).
    public var floor = 75.0, ceiling = 600.0
    /// Seconds between frames; nil: 0.75 / floor (10 ms).
    public var timeStep: Double?
    /// Candidates per frame, the unvoiced one included (15).
    public var maximumCandidates = 15
    /// A frame whose peak is below this fraction of the recording's peak leans to unvoiced (0.03).
    public var silenceThreshold = 0.03
    /// Autocorrelation strength needed to count as voiced (0.45).
    public var voicingThreshold = 0.45
    /// Favouring of higher frequencies, per octave below the ceiling (0.01).
    public var octaveCost = 0.01
    /// Cost of an octave jump between frames (0.35).
    public var octaveJumpCost = 0.35
    /// Cost of a change between voiced and unvoiced (0.14).
    public var voicedUnvoicedCost = 0.14

    /// Praat's defaults.
    public init() {}
}

/// An F0 contour: Hz per frame (0 when unvoiced), frames at `startTime + k · timeStep`.
public struct PitchContour: Sendable, Equatable {
    /// Time of the first frame's centre in seconds.
    public let startTime: Double
    /// Seconds between frames.
    public let timeStep: Double
    /// F0 in Hz per frame; 0 for unvoiced frames.
    public let frequencies: [Double]

    /// A contour from its parts (e.g. frames computed elsewhere).
    public init(startTime: Double, timeStep: Double, frequencies: [Double]) {
        self.startTime = startTime
        self.timeStep = timeStep
        self.frequencies = frequencies
    }

    /// The frames' times.
    public var times: [Double] { frequencies.indices.map { startTime + Double($0) * timeStep } }
    /// The F0 of the voiced frames.
    public var voiced: [Double] { frequencies.filter { $0 > 0 } }
}

/// Praat's autocorrelation pitch analysis.
public enum Pitch {
    /// One frame's candidates: (frequency, strength), voiced ones only; and the frame's peak
    /// relative to the recording's.
    struct Frame {
        var candidates: [(frequency: Double, strength: Double)]
        var relativePeak: Double
    }

    /// The F0 contour of `samples` at `sampleRate`. Audio shorter than one window (3 / floor s)
    /// gives no frames. A ceiling above the Nyquist frequency is lowered to it.
    ///
    /// `globalPeak` is the peak the silence threshold is relative to: the recording's largest
    /// absolute deviation from its mean (`Harmonicity.centredPeak`), which `samples` may be only a
    /// part of (default: that of `samples`).
    public static func contour(_ samples: [Float], sampleRate: Int, options: PitchOptions = PitchOptions(), globalPeak: Double? = nil) -> PitchContour {
        contour(samples, sampleRate: sampleRate, options: options, globalPeak: globalPeak, part: nil)
    }

    /// With `part`, `samples` are samples `offset ..< offset + samples.count` of a recording of
    /// `recordingCount` samples, and the result holds the recording's frames that fit in them
    /// (the path is found over those frames alone).
    package static func contour(_ samples: [Float], sampleRate: Int, options: PitchOptions = PitchOptions(), globalPeak: Double? = nil,
                                part: (recordingCount: Int, offset: Int)?) -> PitchContour {
        var options = options
        options.ceiling = min(options.ceiling, 0.5 * Double(sampleRate))
        // Settings that make no frames (checked before any size is computed from them).
        guard sampleRate > 0, options.floor > 0, options.floor.isFinite, 3 / options.floor * Double(sampleRate) < 1e7,
              options.ceiling > options.floor, (options.timeStep ?? 1) > 0, (options.timeStep ?? 1).isFinite else {
            return PitchContour(startTime: 0, timeStep: options.timeStep ?? 0.01, frequencies: [])
        }
        let step = options.timeStep ?? 0.75 / options.floor
        let dx = 1 / Double(sampleRate)
        let windowDuration = 3 / options.floor
        var placement = PraatFrames(sampleCount: part?.recordingCount ?? samples.count, dx: dx, windowDuration: windowDuration, timeStep: step)
        let offset = part?.offset ?? 0
        if part != nil {
            let half = Int((windowDuration / dx).rounded(.down)) / 2
            placement = placement.restricted(offset: offset, available: samples.count) { time in
                let left = Int(((time - 0.5 * dx) / dx).rounded(.down))
                return (left + 1 - half, left + half)
            }
        }
        guard placement.count > 0 else { return PitchContour(startTime: placement.firstTime, timeStep: step, frequencies: []) }
        let frames = candidates(samples, dx: dx, placement: placement, windowDuration: windowDuration, options: options,
                                globalPeak: globalPeak ?? centredPeak(samples), offset: offset)
        let path = bestPath(frames, options: options, timeStep: step)
        return PitchContour(startTime: placement.firstTime, timeStep: step, frequencies: path)
    }

    /// The largest absolute deviation of `samples` from their mean.
    static func centredPeak(_ samples: [Float]) -> Double {
        guard let low = samples.min(), let high = samples.max() else { return 0 }
        return Harmonicity.centredPeak(minimum: Double(low), maximum: Double(high), sum: samples.reduce(0.0) { $0 + Double($1) },
                                       count: samples.count).peak
    }

    /// Every frame's candidates (Boersma 1993, steps 2-9).
    static func candidates(_ samples: [Float], dx: Double, placement: PraatFrames, windowDuration: Double, options: PitchOptions,
                           globalPeak: Double, offset: Int) -> [Frame] {
        let half = Int((windowDuration / dx).rounded(.down)) / 2
        let width = 2 * half
        var size = 1
        while Double(size) < 1.5 * Double(width) { size *= 2 }  // room for lags of half a window without wrapping
        let fft = ComplexFFT(size: size)
        let hanning = (1...width).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(width + 1)) }
        let windowCorrelation = fft.autocorrelation(hanning)
        let maximumLag = min(width / 3 + 2, size / 2 - 1)  // one period of the floor, and a little
        let x1 = 0.5 * dx
        // Frames go through the FFT two at a time: one as the real part, the next as the
        // imaginary part of one complex transform (their spectra separate by symmetry).
        var frames = [Frame](repeating: Frame(candidates: [], relativePeak: 0), count: placement.count)
        var segments = [[Double](repeating: 0, count: width), [Double](repeating: 0, count: width)]
        var peaks = [0.0, 0.0]
        var re = [Double](repeating: 0, count: size), im = re
        var correlationA = [Double](repeating: 0, count: maximumLag + 1), correlationB = correlationA
        var normalised = [Double](repeating: 0, count: maximumLag + 1)
        // The local mean is over one floor period on each side of the frame's time, and the
        // frame's peak (for the silence threshold) over the middle floor period of the window.
        let period = Int((1 / options.floor / dx).rounded(.down))
        let peakRange = max(0, half - period / 2 - 1)..<min(width, half + period / 2 + 1)
        func prepare(_ k: Int, into slot: Int) {
            // The `width` samples around the frame's time: from the sample after it back `half`.
            let left = Int(((placement.time(k) - x1) / dx).rounded(.down)) - offset
            let start = left + 1 - half
            var peak = 0.0
            samples.withUnsafeBufferPointer { x in
                var mean = 0.0
                for j in max(0, left + 1 - period)..<min(x.count, left + period + 1) { mean += Double(x[j]) }
                mean /= Double(2 * period)
                hanning.withUnsafeBufferPointer { w in
                    segments[slot].withUnsafeMutableBufferPointer { segment in
                        for i in 0..<width {
                            let j = start + i
                            segment[i] = ((j >= 0 && j < x.count ? Double(x[j]) : 0) - mean) * w[i]
                        }
                        for i in peakRange { peak = max(peak, abs(segment[i])) }
                    }
                }
            }
            peaks[slot] = peak
        }
        // A frame whose peak is below half the silence level gets no candidates: its unvoiced
        // strength (at least voicing threshold + 1.5) beats any candidate's (an autocorrelation
        // ratio of at most about 1) plus the two voiced/unvoiced transitions it could save, so
        // the path is the same without transforming it. Silent stretches cost nothing.
        let quiet = 0.5 * options.silenceThreshold / (1 + options.voicingThreshold) * globalPeak
        var pending: [Int] = []  // frames prepared into slots 0 and 1, awaiting the transform
        func transformPending() {
            fft.autocorrelations(segments[0], pending.count == 2 ? segments[1] : nil, lags: maximumLag + 1, re: &re, im: &im,
                                 into: &correlationA, &correlationB)
            for (slot, index) in pending.enumerated() {
                var frame = Frame(candidates: [], relativePeak: peaks[slot] / globalPeak)
                // The frame's autocorrelation over the window's, up to the longest lag.
                for i in 0...maximumLag { normalised[i] = (slot == 0 ? correlationA[i] : correlationB[i]) / windowCorrelation[i] }
                var found: [(Double, Double)] = []
                for i in 2..<maximumLag {
                    let (previous, current, next) = (normalised[i - 1], normalised[i], normalised[i + 1])
                    guard current > 0.5 * options.voicingThreshold, current > previous, current >= next else { continue }
                    // The maximum of the parabola through the three points.
                    let slope = 0.5 * (next - previous), curvature = 2 * current - previous - next
                    let lag = Double(i) + slope / curvature
                    let frequency = 1 / (lag * dx)
                    guard frequency <= options.ceiling else { continue }
                    found.append((frequency, current + 0.5 * slope * slope / curvature))
                }
                found.sort { $0.1 > $1.1 }
                frame.candidates = found.prefix(max(0, options.maximumCandidates - 1)).map { (frequency: $0.0, strength: $0.1) }
                frames[index] = frame
            }
            pending.removeAll(keepingCapacity: true)
        }
        for k in 0..<placement.count {
            prepare(k, into: pending.count)
            let peak = peaks[pending.count]
            guard globalPeak > 0, peak > 0, peak >= quiet else {
                frames[k] = Frame(candidates: [], relativePeak: globalPeak > 0 ? peak / globalPeak : 0)
                continue
            }
            pending.append(k)
            if pending.count == 2 { transformPending() }
        }
        if !pending.isEmpty { transformPending() }
        return frames
    }

    /// The path through the candidates with the highest total strength minus transition costs
    /// (Boersma 1993, section 4): F0 per frame, 0 where the unvoiced candidate is chosen.
    static func bestPath(_ frames: [Frame], options: PitchOptions, timeStep: Double) -> [Double] {
        let correction = 0.01 / timeStep  // Praat scales the transition costs to a 10 ms step
        let unvoicedThreshold = options.silenceThreshold / (1 + options.voicingThreshold)
        // Option 0 of each frame is unvoiced; option n is candidate n − 1.
        func localStrength(_ frame: Frame, _ option: Int) -> Double {
            if option == 0 { return options.voicingThreshold + max(0, 2 - frame.relativePeak / unvoicedThreshold) }
            let candidate = frame.candidates[option - 1]
            return candidate.strength - options.octaveCost * log2(options.ceiling / candidate.frequency)
        }
        func frequency(_ frame: Frame, _ option: Int) -> Double { option == 0 ? 0 : frame.candidates[option - 1].frequency }
        var scores = (0...frames[0].candidates.count).map { localStrength(frames[0], $0) }
        var back: [[Int]] = [Array(repeating: 0, count: scores.count)]
        for k in 1..<max(frames.count, 1) {
            let (previous, current) = (frames[k - 1], frames[k])
            var next = [Double](repeating: -.infinity, count: current.candidates.count + 1)
            var pointers = [Int](repeating: 0, count: next.count)
            for j in next.indices {
                let f2 = frequency(current, j)
                for i in scores.indices {
                    let f1 = frequency(previous, i)
                    let cost: Double
                    if f1 == 0 && f2 == 0 { cost = 0 } else if f1 == 0 || f2 == 0 { cost = options.voicedUnvoicedCost * correction } else {
                        cost = options.octaveJumpCost * abs(log2(f1 / f2)) * correction
                    }
                    let value = scores[i] - cost
                    if value > next[j] { next[j] = value; pointers[j] = i }
                }
                next[j] += localStrength(current, j)
            }
            scores = next
            back.append(pointers)
        }
        var option = scores.indices.max { scores[$0] < scores[$1] } ?? 0
        var path = [Double](repeating: 0, count: frames.count)
        for k in stride(from: frames.count - 1, through: 0, by: -1) {
            path[k] = frequency(frames[k], option)
            option = back[k][option]
        }
        return path
    }
}

/// A radix-2 complex FFT of one size, for autocorrelations in double precision.
struct ComplexFFT {
    let size: Int
    /// Twiddle factors stage by stage: the stage combining halves of length h uses
    /// cos/sin(2πk/2h), k < h, stored from index h − 1, so its inner loop reads them in order.
    private let cosines: [Double], sines: [Double]
    private let reversed: [Int]
    /// For each position of a bit-reversed spectrum, the position of the mirror frequency N − f.
    private let mirror: [Int]

    init(size: Int) {
        self.size = size
        var cosines = [Double](repeating: 1, count: max(size, 1)), sines = [Double](repeating: 0, count: max(size, 1))
        var half = 1
        while half < size {
            for k in 0..<half {
                cosines[half - 1 + k] = cos(Double.pi * Double(k) / Double(half))
                sines[half - 1 + k] = sin(Double.pi * Double(k) / Double(half))
            }
            half *= 2
        }
        (self.cosines, self.sines) = (cosines, sines)
        let bits = size.trailingZeroBitCount
        reversed = (0..<size).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
        let reversed = self.reversed
        mirror = (0..<size).map { reversed[(size - reversed[$0]) & (size - 1)] }
    }

    /// Forward transform in place from natural order to bit-reversed order (decimation in
    /// frequency): no reordering pass, for uses that only multiply spectra before `inverseFromReversed`.
    func forwardToReversed(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                var half = size / 2
                while half >= 2 {
                    let (cw, sw) = (UnsafeRawPointer(cosines.baseAddress! + (half - 1)), UnsafeRawPointer(sines.baseAddress! + (half - 1)))
                    var start = 0
                    while start < size {
                        let (ra, ia) = (UnsafeMutableRawPointer(re + start), UnsafeMutableRawPointer(im + start))
                        let (rb, ib) = (UnsafeMutableRawPointer(re + start + half), UnsafeMutableRawPointer(im + start + half))
                        var k = 0
                        while k < half {
                            let offset = k * MemoryLayout<Double>.stride
                            let wr = cw.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let wi = -sw.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let (xr, xi) = (ra.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self), ia.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self))
                            let (yr, yi) = (rb.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self), ib.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self))
                            let (dr, di) = (xr - yr, xi - yi)
                            ra.storeBytes(of: xr + yr, toByteOffset: offset, as: SIMD2<Double>.self)
                            ia.storeBytes(of: xi + yi, toByteOffset: offset, as: SIMD2<Double>.self)
                            rb.storeBytes(of: dr * wr - di * wi, toByteOffset: offset, as: SIMD2<Double>.self)
                            ib.storeBytes(of: dr * wi + di * wr, toByteOffset: offset, as: SIMD2<Double>.self)
                            k += 2
                        }
                        start += 2 * half
                    }
                    half /= 2
                }
            }
        }
        var start = 0
        while start + 1 < size {
            let (ar, ai, br, bi) = (re[start], im[start], re[start + 1], im[start + 1])
            re[start] = ar + br; im[start] = ai + bi
            re[start + 1] = ar - br; im[start + 1] = ai - bi
            start += 2
        }
    }

    /// Inverse transform in place from bit-reversed order (as `forwardToReversed` leaves it) to
    /// natural order, without the 1/size scaling.
    func inverseFromReversed(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        butterflies(re, im, inverse: true)
    }

    /// In place; `inverse` without the 1/size scaling.
    func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in transform(r.baseAddress!, i.baseAddress!, inverse: inverse) }
        }
    }

    func transform(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
        reversed.withUnsafeBufferPointer { reversed in
            for i in 0..<size where i < reversed[i] {
                let j = reversed[i]
                (re[i], re[j]) = (re[j], re[i])
                (im[i], im[j]) = (im[j], im[i])
            }
        }
        butterflies(re, im, inverse: inverse)
    }

    /// The decimation-in-time stages, from bit-reversed order to natural order.
    private func butterflies(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
        // Length-2 butterflies need no multiplication.
        var start = 0
        while start + 1 < size {
            let (ar, ai, br, bi) = (re[start], im[start], re[start + 1], im[start + 1])
            re[start] = ar + br; im[start] = ai + bi
            re[start + 1] = ar - br; im[start + 1] = ai - bi
            start += 2
        }
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                let sign = inverse ? 1.0 : -1.0
                var half = 2
                while half < size {
                    let c = cosines.baseAddress! + (half - 1), s = sines.baseAddress! + (half - 1)
                    var start = 0
                    while start < size {
                        // Two butterflies at a time in SIMD registers (half is even here).
                        let (ra, ia) = (UnsafeMutableRawPointer(re + start), UnsafeMutableRawPointer(im + start))
                        let (rb, ib) = (UnsafeMutableRawPointer(re + start + half), UnsafeMutableRawPointer(im + start + half))
                        let (cw, sw) = (UnsafeRawPointer(c), UnsafeRawPointer(s))
                        var k = 0
                        while k < half {
                            let offset = k * MemoryLayout<Double>.stride
                            let wr = cw.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let wi = sign * sw.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let xr = rb.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let xi = ib.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let yr = ra.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let yi = ia.loadUnaligned(fromByteOffset: offset, as: SIMD2<Double>.self)
                            let tr = xr * wr - xi * wi, ti = xr * wi + xi * wr
                            rb.storeBytes(of: yr - tr, toByteOffset: offset, as: SIMD2<Double>.self)
                            ib.storeBytes(of: yi - ti, toByteOffset: offset, as: SIMD2<Double>.self)
                            ra.storeBytes(of: yr + tr, toByteOffset: offset, as: SIMD2<Double>.self)
                            ia.storeBytes(of: yi + ti, toByteOffset: offset, as: SIMD2<Double>.self)
                            k += 2
                        }
                        start += 2 * half
                    }
                    half *= 2
                }
            }
        }
    }

    /// The autocorrelation of `signal` (zero-padded to `size`), normalised so that lag 0 is 1.
    func autocorrelation(_ signal: [Double]) -> [Double] {
        var re = [Double](repeating: 0, count: size), im = re
        autocorrelation(signal, re: &re, im: &im)
        return re
    }

    /// The normalised autocorrelations of two real signals (the second may be absent) at lags
    /// 0 ..< `lags`, with one forward and one inverse transform: a + ib in, spectra
    /// A[k] = (Z[k] + Z*[N−k]) / 2 and B[k] = (Z[k] − Z*[N−k]) / 2i apart, |A|² + i|B|² back
    /// (both inverses are real).
    func autocorrelations(_ a: [Double], _ b: [Double]?, lags: Int, re: inout [Double], im: inout [Double], into first: inout [Double], _ second: inout [Double]) {
        let n = size
        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                let (re, im) = (re.baseAddress!, im.baseAddress!)
                a.withUnsafeBufferPointer { a in
                    for i in 0..<n { re[i] = i < a.count ? a[i] : 0 }
                }
                if let b {
                    b.withUnsafeBufferPointer { b in for i in 0..<n { im[i] = i < b.count ? b[i] : 0 } }
                } else {
                    for i in 0..<n { im[i] = 0 }
                }
                forwardToReversed(re, im)
                // Power spectra of both, k and N − k together (each pair read before either is
                // written; the spectrum is in bit-reversed order, `mirror` pairs its positions).
                mirror.withUnsafeBufferPointer { mirror in
                for k in 0..<n where k <= mirror[k] {
                    let m = mirror[k]
                    let (zr, zi, wr, wi) = (re[k], im[k], re[m], im[m])
                    let (ar, ai) = (0.5 * (zr + wr), 0.5 * (zi - wi))   // A[k]
                    let (br, bi) = (0.5 * (zi + wi), 0.5 * (wr - zr))   // B[k]
                    let powerA = ar * ar + ai * ai, powerB = br * br + bi * bi
                    re[k] = powerA; im[k] = powerB
                    re[m] = powerA; im[m] = powerB
                }
                }
                inverseFromReversed(re, im)
                let (zeroA, zeroB) = (re[0], im[0])
                let (scaleA, scaleB) = (zeroA > 0 ? 1 / zeroA : 1, zeroB > 0 ? 1 / zeroB : 1)
                first.withUnsafeMutableBufferPointer { out in for i in 0..<lags { out[i] = re[i] * scaleA } }
                second.withUnsafeMutableBufferPointer { out in for i in 0..<lags { out[i] = im[i] * scaleB } }
            }
        }
    }

    /// Into `re[lag]`: Σ over j < `prefix` of signal[j] · signal[j + lag], for every lag with
    /// `prefix + lag` within the signal (one forward and one inverse transform; `im` is scratch).
    func crossCorrelation(_ signal: [Double], prefix: Int, re: inout [Double], im: inout [Double]) {
        let n = size
        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                let (re, im) = (re.baseAddress!, im.baseAddress!)
                signal.withUnsafeBufferPointer { x in
                    for i in 0..<n {
                        re[i] = i < prefix ? x[i] : 0
                        im[i] = i < x.count ? x[i] : 0
                    }
                }
                forwardToReversed(re, im)
                // A = spectrum of the prefix, B = of the signal; the correlation's spectrum is
                // conj(A)·B, and at N − f its conjugate (the correlation is real).
                mirror.withUnsafeBufferPointer { mirror in
                    for k in 0..<n where k <= mirror[k] {
                        let m = mirror[k]
                        let (zr, zi, wr, wi) = (re[k], im[k], re[m], im[m])
                        let (ar, ai) = (0.5 * (zr + wr), 0.5 * (zi - wi))
                        let (br, bi) = (0.5 * (zi + wi), 0.5 * (wr - zr))
                        let (cr, ci) = (ar * br + ai * bi, ar * bi - ai * br)
                        re[k] = cr; im[k] = ci
                        re[m] = cr; im[m] = -ci
                    }
                }
                inverseFromReversed(re, im)
                let scale = 1 / Double(n)
                for i in 0..<n { re[i] *= scale }
            }
        }
    }

    /// `autocorrelation(_:)` into `re` (`im` is scratch), both `size` long.
    func autocorrelation(_ signal: [Double], re: inout [Double], im: inout [Double]) {
        for i in 0..<size {
            re[i] = i < signal.count ? signal[i] : 0
            im[i] = 0
        }
        transform(&re, &im, inverse: false)
        for i in 0..<size {
            re[i] = re[i] * re[i] + im[i] * im[i]
            im[i] = 0
        }
        transform(&re, &im, inverse: true)
        let zero = re[0]
        if zero > 0 { for i in 0..<size { re[i] /= zero } }
    }
}
