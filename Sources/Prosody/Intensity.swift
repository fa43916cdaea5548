// Intensity in dB, as Praat's "Sound: To Intensity..." defines it (Praat manual): the squared
// signal (mean subtracted per window) averaged under a Kaiser window whose effective duration is
// 3.2 / minimum pitch — 6.4 / minimum pitch in all, so that a periodic signal shows no
// pitch-synchronous ripple — every 0.8 / minimum pitch seconds, in dB re (2·10⁻⁵ Pa)².
// Frame placement and window sampling follow Praat's results digit for digit (Docs/Prosody.md).

import Foundation

/// An intensity contour: one value in dB per frame, frames at `startTime + k · timeStep`.
public struct IntensityContour: Sendable, Equatable {
    /// Time of the first frame's centre in seconds (the first sample is at half a sample period).
    public let startTime: Double
    /// Seconds between frames.
    public let timeStep: Double
    /// dB re 2·10⁻⁵ Pa per frame; −300 for digital silence.
    public let decibels: [Double]

    /// The frames' times.
    public var times: [Double] { decibels.indices.map { startTime + Double($0) * timeStep } }
}

/// Praat's intensity analysis.
public enum Intensity {
    /// The Kaiser window's shape parameter: 2π² + 0.5 (sidelobes below −190 dB, as Praat's manual
    /// describes its "Kaiser-20" window).
    static let kaiserBeta = 2 * Double.pi * Double.pi + 0.5

    /// The contour of `samples` at `sampleRate`; `minimumPitch` (Praat's default 100 Hz) sets the
    /// window (6.4 / minimumPitch) and, unless `timeStep` is given, the step (0.8 / minimumPitch).
    /// Audio shorter than the window gives no frames.
    public static func contour(_ samples: [Float], sampleRate: Int, minimumPitch: Double = 100, timeStep: Double? = nil,
                               subtractMean: Bool = true) -> IntensityContour {
        contour(samples, sampleRate: sampleRate, minimumPitch: minimumPitch, timeStep: timeStep, subtractMean: subtractMean, part: nil)
    }

    /// With `part`, `samples` are samples `offset ..< offset + samples.count` of a recording of
    /// `recordingCount` samples, and the result holds the recording's frames that fit in them.
    package static func contour(_ samples: [Float], sampleRate: Int, minimumPitch: Double = 100, timeStep: Double? = nil,
                                subtractMean: Bool = true, part: (recordingCount: Int, offset: Int)?) -> IntensityContour {
        let dx = 1 / Double(sampleRate)
        let x1 = 0.5 * dx
        let windowDuration = 6.4 / minimumPitch
        let step = timeStep ?? 0.8 / minimumPitch
        let half = Int((0.5 * windowDuration / dx).rounded(.down))
        func centre(_ time: Double) -> Int { Int(((time - x1) / dx + 1.5).rounded(.down)) - 1 }
        var frames = PraatFrames(sampleCount: part?.recordingCount ?? samples.count, dx: dx, windowDuration: windowDuration, timeStep: step)
        let offset = part?.offset ?? 0
        if part != nil {
            frames = frames.restricted(offset: offset, available: samples.count) { (centre($0) - half, centre($0) + half) }
        }
        guard frames.count > 0 else { return IntensityContour(startTime: frames.firstTime, timeStep: step, decibels: []) }
        // window[i + half] for offsets i = −half ... half from the centre sample; the phase runs
        // over the half window's duration (not its whole samples), as Praat's results show.
        let window = (-half...half).map { i -> Double in
            let phase = Double(i) * dx / (0.5 * windowDuration)
            return besselI0(kaiserBeta * (max(0, 1 - phase * phase)).squareRoot())
        }
        var decibels = [Double](repeating: -300, count: frames.count)
        samples.withUnsafeBufferPointer { x in
            for k in 0..<frames.count {
                // The nearest sample, rounded from its 1-based position as Praat rounds it (this
                // decides frames centred exactly between two samples).
                let centre = centre(frames.time(k)) - offset
                let first = max(centre - half, 0), last = min(centre + half, x.count - 1)
                var mean = 0.0
                if subtractMean {
                    for j in first...last { mean += Double(x[j]) }
                    mean /= Double(last - first + 1)
                }
                var sum = 0.0, weights = 0.0
                for j in first...last {
                    let w = window[j - centre + half]
                    let d = Double(x[j]) - mean
                    sum += w * d * d
                    weights += w
                }
                let relative = sum / weights / 4e-10
                decibels[k] = relative < 1e-30 ? -300 : 10 * log10(relative)
            }
        }
        return IntensityContour(startTime: frames.firstTime, timeStep: step, decibels: decibels)
    }
}

/// Praat's placement of analysis frames: as many as fit whole windows, centred on the sound.
struct PraatFrames {
    let count: Int
    let firstTime: Double
    let timeStep: Double

    init(sampleCount: Int, dx: Double, windowDuration: Double, timeStep: Double) {
        let duration = dx * Double(sampleCount)
        let fitting = duration >= windowDuration ? Int(((duration - windowDuration) / timeStep).rounded(.down)) + 1 : 0
        count = fitting
        let x1 = 0.5 * dx
        let middle = x1 - 0.5 * dx + 0.5 * duration
        firstTime = middle - 0.5 * (Double(fitting) * timeStep) + 0.5 * timeStep
        self.timeStep = timeStep
    }

    /// `count` frames from `firstTime` on.
    private init(count: Int, firstTime: Double, timeStep: Double) {
        self.count = count
        self.firstTime = firstTime
        self.timeStep = timeStep
    }

    func time(_ frame: Int) -> Double { firstTime + Double(frame) * timeStep }

    /// The recording's frames whose whole window (`reach(k)` gives its first and last sample)
    /// lies within samples `offset ..< offset + available`: a part analysed on its own lands on
    /// the recording's own grid.
    func restricted(offset: Int, available: Int, reach: (Double) -> (first: Int, last: Int)) -> PraatFrames {
        guard count > 0, available > 0 else { return PraatFrames(count: 0, firstTime: firstTime, timeStep: timeStep) }
        func fits(_ k: Int) -> Bool {
            let r = reach(time(k))
            return r.first >= offset && r.last < offset + available
        }
        // The first frame at or after the part's start, by bisection over the monotone reach.
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if reach(time(middle)).first >= offset { high = middle } else { low = middle + 1 }
        }
        var end = low
        while end < count && fits(end) { end += 1 }
        return PraatFrames(count: end - low, firstTime: time(low), timeStep: timeStep)
    }
}

/// The modified Bessel function of the first kind, order 0: Σ ((x/2)^k / k!)², summed until the
/// terms no longer change the sum.
func besselI0(_ x: Double) -> Double {
    var sum = 1.0, term = 1.0, k = 1.0
    let quarterSquare = x * x / 4
    while true {
        term *= quarterSquare / (k * k)
        let next = sum + term
        if next == sum { return sum }
        sum = next
        k += 1
    }
}
