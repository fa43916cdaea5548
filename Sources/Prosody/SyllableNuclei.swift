// Syllable nuclei as de Jong & Wempe (2009, Behavior Research Methods 41(2)) find them, with the
// 2010 revision of their thresholds: peaks of the intensity contour (minimum pitch 50 Hz) that
// rise above the recording's 99th-percentile intensity minus 25 dB, fall at least 2 dB into the
// dip before the next peak, lie in a sounding stretch (not a pause of 0.1 s or more below the
// same threshold) and are voiced (a permissive pitch analysis, 30-450 Hz). Nuclei per second of
// speech is the speech rate; per second of sounding time, the articulation rate.

import Foundation

/// Settings of the syllable-nucleus detection; the defaults are the published ones.
public struct SyllableOptions: Sendable, Equatable {
    /// Intensity below the recording's 99th percentile by more than this is silence (−25 dB).
    public var silenceThresholdDb = -25.0
    /// A peak counts only if the intensity falls by more than this before the next peak (2 dB).
    public var minimumDipDb = 2.0
    /// Shorter silences do not split sounding stretches (0.1 s).
    public var minimumPauseSeconds = 0.1
    /// Shorter sounding stretches count as silence (0.1 s).
    public var minimumSoundingSeconds = 0.1

    /// The published defaults.
    public init() {}
}

/// What one stretch of audio contributes to syllable counting: its intensity frames and voicing
/// at its candidate peaks, so that stretches analysed one at a time can share the recording's
/// thresholds (`Syllables.count`).
public struct SyllableEvidence: Sendable, Equatable {
    /// Intensity (dB, minimum pitch 50 Hz) of the frames inside the stretch, and their times.
    public let decibels: [Double], times: [Double]
    /// The permissive pitch analysis (`Syllables.pitchOptions`) over the stretch.
    public let pitch: PitchContour
    /// The stretch, in seconds.
    public let start: Double, end: Double
    /// Seconds between intensity frames.
    public let timeStep: Double

    /// Evidence from contours over (at least) the stretch `start..<end` seconds.
    public init(intensity: IntensityContour, pitch: PitchContour, from start: Double, to end: Double) {
        var decibels: [Double] = [], times: [Double] = []
        for (k, level) in intensity.decibels.enumerated() {
            let time = intensity.startTime + Double(k) * intensity.timeStep
            guard time >= start && time < end else { continue }
            decibels.append(level); times.append(time)
        }
        (self.decibels, self.times, self.pitch) = (decibels, times, pitch)
        (self.start, self.end, self.timeStep) = (start, end, intensity.timeStep)
    }
}

/// Syllable nuclei found in some audio.
public struct SyllableCount: Sendable, Equatable {
    /// Times of the nuclei, in seconds.
    public let times: [Double]
    /// Seconds of sounding (not silent) audio among the stretches.
    public let phonationSeconds: Double
}

/// Finds syllable nuclei.
public enum Syllables {
    /// The intensity analysis's minimum pitch (50 Hz: 64 ms windows every 16 ms).
    public static let intensityMinimumPitch = 50.0

    /// The permissive pitch analysis whose voicing a nucleus needs: 20 ms steps, 30-450 Hz,
    /// 4 candidates, silence 0.03, voicing 0.25, octave 0.01, octave jump 0.35, voiced/unvoiced 0.25.
    public static var pitchOptions: PitchOptions {
        var options = PitchOptions()
        options.floor = 30; options.ceiling = 450; options.timeStep = 0.02; options.maximumCandidates = 4
        options.silenceThreshold = 0.03; options.voicingThreshold = 0.25; options.octaveCost = 0.01
        options.octaveJumpCost = 0.35; options.voicedUnvoicedCost = 0.25
        return options
    }

    /// The nuclei of a whole recording.
    public static func detect(_ samples: [Float], sampleRate: Int, options: SyllableOptions = SyllableOptions()) -> SyllableCount {
        let intensity = Intensity.contour(samples, sampleRate: sampleRate, minimumPitch: intensityMinimumPitch)
        let pitch = Pitch.contour(samples, sampleRate: sampleRate, options: pitchOptions)
        let evidence = SyllableEvidence(intensity: intensity, pitch: pitch, from: 0, to: Double(samples.count) / Double(sampleRate))
        return count([evidence], options: options)
    }

    /// The nuclei of stretches analysed separately, with thresholds from all their frames
    /// together (as if from the recording's speech).
    public static func count(_ stretches: [SyllableEvidence], options: SyllableOptions = SyllableOptions()) -> SyllableCount {
        let each = countEach(stretches, options: options)
        return SyllableCount(times: each.flatMap(\.times), phonationSeconds: each.reduce(0) { $0 + $1.phonationSeconds })
    }

    /// As `count`, stretch by stretch.
    public static func countEach(_ stretches: [SyllableEvidence], options: SyllableOptions = SyllableOptions()) -> [SyllableCount] {
        let all = stretches.flatMap(\.decibels)
        guard !all.isEmpty else { return stretches.map { _ in SyllableCount(times: [], phonationSeconds: 0) } }
        // Silence: below the 99th percentile by more than the threshold (the published script
        // states it relative to the maximum, which comes to the same level).
        let silence = quantile(all.sorted(), 0.99) + options.silenceThresholdDb
        let peakThreshold = max(silence, parabolicMinimum(all))
        return stretches.enumerated().map { index, stretch in
            guard !stretch.decibels.isEmpty else { return SyllableCount(times: [], phonationSeconds: 0) }
            let sounding = soundingStretches(stretch, level: silence, options: options)
            // A stretch followed by another (a pause between) lets its last peak dip to its end.
            let times = nuclei(stretch, threshold: peakThreshold, minimumDip: options.minimumDipDb, dipAtEnd: index + 1 < stretches.count)
                .filter { time in isVoiced(stretch.pitch, at: time) && sounding.contains { time >= $0.start && time < $0.end } }
            return SyllableCount(times: times, phonationSeconds: sounding.reduce(0) { $0 + $1.end - $1.start })
        }
    }

    /// Whether `pitch` has a value at `time`: its nearest frame is voiced (as Praat's linear
    /// "Get value at time" is defined).
    static func isVoiced(_ pitch: PitchContour, at time: Double) -> Bool {
        let position = (time - pitch.startTime) / pitch.timeStep
        let nearest = Int(position.rounded())
        return nearest >= 0 && nearest < pitch.frequencies.count && pitch.frequencies[nearest] > 0
    }

    /// Times of the peaks above `threshold` (between frames, by windowed-sinc interpolation)
    /// after which the contour dips by more than `minimumDip` before the next such peak. The last
    /// peak has no next one and never counts, as in the published method, unless `dipAtEnd`: then
    /// its dip is the lowest frame after it.
    static func nuclei(_ stretch: SyllableEvidence, threshold: Double, minimumDip: Double, dipAtEnd: Bool = false) -> [Double] {
        let y = stretch.decibels
        guard y.count >= 3 else { return [] }
        let step = stretch.timeStep
        var peaks: [(time: Double, value: Double, frame: Int)] = []
        for i in 1..<(y.count - 1) where y[i] > y[i - 1] && y[i] >= y[i + 1] {
            // Where the peak is, by windowed-sinc interpolation; its level, by cubic interpolation
            // there (the published script's choices).
            let position = Harmonicity.refinedPeak(y, around: i).position
            let value = cubic(y, at: position)
            if value > threshold { peaks.append((stretch.times[i] + (position - Double(i)) * step, value, i)) }
        }
        var found: [Double] = []
        for (peak, next) in zip(peaks, peaks.dropFirst()) {
            let dip = y[peak.frame...next.frame].min()!
            if abs(peak.value - dip) > minimumDip { found.append(peak.time) }
        }
        if dipAtEnd, let last = peaks.last, abs(last.value - y[last.frame...].min()!) > minimumDip { found.append(last.time) }
        return found
    }

    /// Sounding stretches: runs of frames at or above `level`, split only by silences of at
    /// least `minimumPauseSeconds`, and at least `minimumSoundingSeconds` long. A run starts at its
    /// first frame's time; the first and last runs reach the stretch's ends.
    static func soundingStretches(_ stretch: SyllableEvidence, level: Double, options: SyllableOptions) -> [(start: Double, end: Double)] {
        let step = stretch.timeStep
        // Runs of equal labels as (sounding, start, end).
        var runs: [(sounding: Bool, start: Double, end: Double)] = []
        for (k, value) in stretch.decibels.enumerated() {
            let sounding = value >= level && value > -300  // digital silence never sounds
            // A run starts at its first frame and ends where the next run starts.
            let start = stretch.times[k], end = stretch.times[k] + step
            if let last = runs.last, last.sounding == sounding { runs[runs.count - 1].end = end } else { runs.append((sounding, start, end)) }
        }
        if !runs.isEmpty { runs[0].start = stretch.start; runs[runs.count - 1].end = stretch.end }
        // Short sounding runs fall silent, then short silences join their neighbours.
        func merge(_ label: Bool, shorterThan minimum: Double) {
            var merged: [(sounding: Bool, start: Double, end: Double)] = []
            for run in runs {
                var run = run
                if run.sounding == label && run.end - run.start < minimum { run.sounding = !label }
                if let last = merged.last, last.sounding == run.sounding { merged[merged.count - 1].end = run.end } else { merged.append(run) }
            }
            runs = merged
        }
        merge(true, shorterThan: options.minimumSoundingSeconds)
        merge(false, shorterThan: options.minimumPauseSeconds)
        return runs.filter(\.sounding).map { ($0.start, $0.end) }
    }

    /// `values` at a fractional index by the cubic through the four nearest samples (Lagrange).
    static func cubic(_ values: [Double], at position: Double) -> Double {
        let i = Int(position.rounded(.down))
        guard i >= 1 && i + 2 < values.count else { return values[min(max(Int(position.rounded()), 0), values.count - 1)] }
        let x = position - Double(i)
        let (a, b, c, d) = (values[i - 1], values[i], values[i + 1], values[i + 2])
        return -x * (x - 1) * (x - 2) / 6 * a + (x + 1) * (x - 1) * (x - 2) / 2 * b - (x + 1) * x * (x - 2) / 2 * c + (x + 1) * x * (x - 1) / 6 * d
    }

    /// The smallest value, refined by a parabola through its neighbours (Praat's parabolic minimum).
    static func parabolicMinimum(_ values: [Double]) -> Double {
        guard let index = values.indices.min(by: { values[$0] < values[$1] }) else { return 0 }
        guard index > 0 && index + 1 < values.count else { return values[index] }
        let (a, b, c) = (values[index - 1], values[index], values[index + 1])
        let curvature = a - 2 * b + c
        return curvature != 0 ? b - 0.125 * (c - a) * (c - a) / curvature : b
    }

    /// Praat's quantile of sorted values: linear interpolation at position p·n + 0.5 (1-based).
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let n = sorted.count
        let place = p * Double(n) + 0.5
        let left = Int(place.rounded(.down))
        if left < 1 { return sorted[0] }
        if left >= n { return sorted[n - 1] }
        let fraction = place - Double(left)
        return (1 - fraction) * sorted[left - 1] + fraction * sorted[left]
    }
}
