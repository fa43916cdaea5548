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
        // Frames go through the transforms in single precision (twice the SIMD width): the
        // candidates' strengths move by ~1e-7, which changes no decision on the fixtures.
        let fft = ComplexFFT<Float>(size: size)
        let hanning = (1...width).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(width + 1)) }
        let windowCorrelation = ComplexFFT<Double>(size: size).autocorrelation(hanning)
        let maximumLag = min(width / 3 + 2, size / 2 - 1)  // one period of the floor, and a little
        let x1 = 0.5 * dx
        // Frames go through the FFT two at a time: one as the real part, the next as the
        // imaginary part of one complex transform (their spectra separate by symmetry).
        var frames = [Frame](repeating: Frame(candidates: [], relativePeak: 0), count: placement.count)
        var segments = [[Double](repeating: 0, count: width), [Double](repeating: 0, count: width)]
        var peaks = [0.0, 0.0]
        var re = [Float](repeating: 0, count: size), im = re
        var correlationA = [Double](repeating: 0, count: maximumLag + 1), correlationB = correlationA
        var normalised = [Double](repeating: 0, count: maximumLag + 1)
        // The local mean is over one floor period on each side of the frame's time, and the
        // frame's peak (for the silence threshold) over the middle floor period of the window.
        let period = Int((1 / options.floor / dx).rounded(.down))
        let peakRange = max(0, half - period / 2 - 1)..<min(width, half + period / 2 + 1)
        // The strengths are ratios of autocorrelations, unchanged by the input's scale; finite
        // samples near 1e18 would overflow the single-precision transforms (their squares), so
        // such a recording's frames are scaled by a power of two first: exact, the same path.
        let scale = globalPeak > 0x1p20 ? Double(sign: .plus, exponent: -globalPeak.exponent, significand: 1) : 1
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
                            segment[i] = ((j >= 0 && j < x.count ? Double(x[j]) : 0) - mean) * w[i] * scale
                        }
                        for i in peakRange { peak = max(peak, abs(segment[i])) }
                        peak /= scale  // exact: a power of two
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
