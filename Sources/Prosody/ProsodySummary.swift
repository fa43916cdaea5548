// Voice markers of a stretch of audio from its pitch and intensity frames: F0 level and spread
// (Hz and semitones re 27.5 Hz, as eGeMAPS), voiced fraction, intensity level and spread, and
// loudness peaks per second; voice quality, spectral balance, tempo and pauses are filled in by
// `ProsodyAnalysis`. A marker that cannot be measured is nil (JSON null), never a made-up value.

import Foundation

/// The voice markers of one segment or one recording.
public struct ProsodySummary: Sendable, Equatable, Codable {
    /// Mean F0 of the voiced frames in Hz, and its standard deviation in semitones.
    public var f0MeanHz: Double?, f0SdSemitones: Double?
    /// 20th, 50th and 80th percentiles of F0 in semitones re 27.5 Hz (linear interpolation between
    /// sorted values), and the 20–80 range.
    public var f0P20Semitones: Double?, f0P50Semitones: Double?, f0P80Semitones: Double?, f0RangeSemitones: Double?
    /// The same percentiles in Hz.
    public var f0P20Hz: Double?, f0P50Hz: Double?, f0P80Hz: Double?
    /// Share of pitch frames that are voiced.
    public var voicedFraction: Double?
    /// Mean intensity in dB (energy average, as Praat's "Get mean"), its standard deviation
    /// over frames, and the 5th-95th percentile range.
    public var intensityMeanDb: Double?, intensitySdDb: Double?, intensityRangeDb: Double?
    /// Intensity peaks (local maxima at least 2 dB above the lowest point on each side before a
    /// higher peak) per second.
    public var loudnessPeaksPerSecond: Double?
    /// Voice quality: jitter (local) and shimmer (local) as fractions, shimmer (local) in dB, on
    /// glottal pulses (`Pulses`, `Perturbation`); mean HNR of the voiced frames in dB (`Harmonicity`).
    public var jitterLocal: Double?, shimmerLocal: Double?, shimmerLocalDb: Double?, hnrDb: Double?
    /// Spectral balance (eGeMAPS, `SpectralBalance`) on voiced frames: alpha ratio and Hammarberg
    /// index in dB, spectral slopes in dB/kHz.
    public var alphaRatioDb: Double?, hammarbergDb: Double?, slope0To500: Double?, slope500To1500: Double?
    /// Tempo: syllable nuclei (`Syllables`) per second of speech and per second of sounding time;
    /// pauses per minute and their mean length from the speech segments (`ProsodyAnalysis`).
    public var syllablesPerSecond: Double?, articulationRate: Double?, pausesPerMinute: Double?, meanPauseSeconds: Double?

    /// No markers.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case f0MeanHz = "f0_mean_hz", f0SdSemitones = "f0_sd_semitones", f0P20Semitones = "f0_p20_semitones"
        case f0P50Semitones = "f0_p50_semitones", f0P80Semitones = "f0_p80_semitones", f0RangeSemitones = "f0_range_semitones"
        case f0P20Hz = "f0_p20_hz", f0P50Hz = "f0_p50_hz", f0P80Hz = "f0_p80_hz", voicedFraction = "voiced_fraction"
        case intensityMeanDb = "intensity_mean_db", intensitySdDb = "intensity_sd_db", intensityRangeDb = "intensity_range_db"
        case loudnessPeaksPerSecond = "loudness_peaks_per_s"
        case jitterLocal = "jitter_local", shimmerLocal = "shimmer_local", shimmerLocalDb = "shimmer_local_db", hnrDb = "hnr_db"
        case alphaRatioDb = "alpha_ratio_db", hammarbergDb = "hammarberg_db", slope0To500 = "slope_0_500", slope500To1500 = "slope_500_1500"
        case syllablesPerSecond = "syllables_per_s", articulationRate = "articulation_rate", pausesPerMinute = "pauses_per_min"
        case meanPauseSeconds = "mean_pause_s"
    }

    /// Encodes every key, null when not computed, so the schema is the same for every result.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put(_ value: Double?, _ key: CodingKeys) throws { try c.encode(value.map { ($0 * 1e6).rounded() / 1e6 }, forKey: key) }
        try put(f0MeanHz, .f0MeanHz); try put(f0SdSemitones, .f0SdSemitones)
        try put(f0P20Semitones, .f0P20Semitones); try put(f0P50Semitones, .f0P50Semitones); try put(f0P80Semitones, .f0P80Semitones)
        try put(f0RangeSemitones, .f0RangeSemitones); try put(f0P20Hz, .f0P20Hz); try put(f0P50Hz, .f0P50Hz); try put(f0P80Hz, .f0P80Hz)
        try put(voicedFraction, .voicedFraction)
        try put(intensityMeanDb, .intensityMeanDb); try put(intensitySdDb, .intensitySdDb); try put(intensityRangeDb, .intensityRangeDb)
        try put(loudnessPeaksPerSecond, .loudnessPeaksPerSecond)
        try put(jitterLocal, .jitterLocal); try put(shimmerLocal, .shimmerLocal); try put(shimmerLocalDb, .shimmerLocalDb); try put(hnrDb, .hnrDb)
        try put(alphaRatioDb, .alphaRatioDb); try put(hammarbergDb, .hammarbergDb); try put(slope0To500, .slope0To500); try put(slope500To1500, .slope500To1500)
        try put(syllablesPerSecond, .syllablesPerSecond); try put(articulationRate, .articulationRate)
        try put(pausesPerMinute, .pausesPerMinute); try put(meanPauseSeconds, .meanPauseSeconds)
    }

    /// The markers of the frames whose centres lie in `start..<end` seconds (all frames when nil).
    public init(pitch: PitchContour, intensity: IntensityContour, from start: Double? = nil, to end: Double? = nil) {
        self.init(pitch: pitch, intensity: intensity, within: [(start ?? -.infinity, end ?? .infinity)])
    }

    /// The markers of the frames whose centres lie in any of `ranges` (seconds, sorted, not
    /// overlapping): a recording's speech, leaving its silences out.
    public init(pitch: PitchContour, intensity: IntensityContour, within ranges: [(start: Double, end: Double)]) {
        func inside(_ time: Double) -> Bool { ranges.contains { time >= $0.start && time < $0.end } }
        self.init(f0Frames: zip(pitch.times, pitch.frequencies).filter { inside($0.0) }.map(\.1),
                  intensityFrames: zip(intensity.times, intensity.decibels).filter { inside($0.0) }.map(\.1),
                  intensityStep: intensity.timeStep)
    }

    /// The markers of pitch frames (Hz, 0 unvoiced) and intensity frames (dB, −300 silent)
    /// pooled from any number of stretches.
    public init(f0Frames: [Double], intensityFrames: [Double], intensityStep: Double) {
        let voiced = f0Frames.filter { $0 > 0 }
        if !f0Frames.isEmpty { voicedFraction = Double(voiced.count) / Double(f0Frames.count) }
        if !voiced.isEmpty {
            let semitones = voiced.map(Self.semitones)
            f0MeanHz = voiced.reduce(0, +) / Double(voiced.count)
            f0SdSemitones = Self.standardDeviation(semitones)
            let sortedHz = voiced.sorted(), sortedSemitones = semitones.sorted()
            (f0P20Hz, f0P50Hz, f0P80Hz) = (Self.percentile(sortedHz, 20), Self.percentile(sortedHz, 50), Self.percentile(sortedHz, 80))
            (f0P20Semitones, f0P50Semitones, f0P80Semitones) = (Self.percentile(sortedSemitones, 20), Self.percentile(sortedSemitones, 50), Self.percentile(sortedSemitones, 80))
            f0RangeSemitones = f0P80Semitones! - f0P20Semitones!
        }
        let decibels = intensityFrames.filter { $0 > -300 }
        if !decibels.isEmpty {
            intensityMeanDb = 10 * log10(decibels.reduce(0) { $0 + pow(10, $1 / 10) } / Double(decibels.count))
            intensitySdDb = Self.standardDeviation(decibels)
            let sorted = decibels.sorted()
            intensityRangeDb = Self.percentile(sorted, 95) - Self.percentile(sorted, 5)
            loudnessPeaksPerSecond = Double(Self.peakCount(decibels, prominence: 2)) / (Double(decibels.count) * intensityStep)
        }
    }

    /// Semitones re 27.5 Hz (A0), the scale eGeMAPS uses: 12 · log2(f / 27.5).
    public static func semitones(_ hertz: Double) -> Double { 12 * log2(hertz / 27.5) }

    /// The p-th percentile of sorted values, interpolating linearly between neighbours (NumPy's default).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let position = p / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }

    /// Sample standard deviation (nil below two values).
    static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    /// `peakCount`, for tests.
    package static func peakCountForTesting(_ values: [Double], prominence: Double) -> Int { peakCount(values, prominence: prominence) }

    /// Local maxima that rise at least `prominence` above the lowest value between them and the
    /// previous counted peak (and fall as much before the next): peaks of a contour, not its ripple.
    static func peakCount(_ values: [Double], prominence: Double) -> Int {
        var count = 0
        var lowSinceLastPeak = Double.infinity
        var candidate: Double?
        for value in values {
            if let peak = candidate {
                if value > peak {
                    candidate = value
                } else if peak - value >= prominence {
                    count += 1
                    candidate = nil
                    lowSinceLastPeak = value
                }
            } else {
                lowSinceLastPeak = min(lowSinceLastPeak, value)
                if value - lowSinceLastPeak >= prominence { candidate = value }
            }
        }
        return count
    }
}
