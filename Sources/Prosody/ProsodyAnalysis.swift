// The voice markers of a recording and of each of its speech segments, from one pitch and one
// intensity analysis over the whole recording (so that segment edges see the same frames as the
// whole), and the pauses between segments.

/// A recording's voice markers.
public struct ProsodyResult: Sendable, Equatable {
    /// Praat's pitch frames (10 ms from 0.02 s with the defaults) over the whole recording.
    public let pitch: PitchContour
    /// Praat's intensity frames (8 ms from 0.032 s at 16 kHz with the defaults).
    public let intensity: IntensityContour
    /// Markers over all speech (all frames when there are no segments), with the pauses.
    public let summary: ProsodySummary
    /// Markers of each segment, in order.
    public let segments: [ProsodySummary]
}

/// Computes voice markers; needs no emotion model.
public enum ProsodyAnalysis {
    /// The markers of `samples` at `sampleRate` and of its speech `segments` (seconds, in order).
    /// Pauses are the gaps between consecutive segments: per minute of the span from the first
    /// segment's start to the last one's end, and their mean length.
    public static func analyze(_ samples: [Float], sampleRate: Int, segments: [(start: Double, end: Double)],
                               pitchOptions: PitchOptions = PitchOptions()) -> ProsodyResult {
        let pitch = Pitch.contour(samples, sampleRate: sampleRate, options: pitchOptions)
        let intensity = Intensity.contour(samples, sampleRate: sampleRate)
        let speech: [(start: Double, end: Double)] = segments.isEmpty ? [(-.infinity, .infinity)] : segments
        var summary = ProsodySummary(pitch: pitch, intensity: intensity, within: speech)
        summary.addSpectralBalance(samples, sampleRate: sampleRate, pitch: pitch, within: speech)
        let perSegment = segments.map { segment -> ProsodySummary in
            var markers = ProsodySummary(pitch: pitch, intensity: intensity, from: segment.start, to: segment.end)
            markers.addSpectralBalance(samples, sampleRate: sampleRate, pitch: pitch, within: [segment])
            return markers
        }
        if let first = segments.first, let last = segments.last, last.end > first.start {
            let gaps = zip(segments, segments.dropFirst()).map { $1.start - $0.end }.filter { $0 > 0 }
            summary.pausesPerMinute = Double(gaps.count) / ((last.end - first.start) / 60)
            summary.meanPauseSeconds = gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
        }
        return ProsodyResult(pitch: pitch, intensity: intensity, summary: summary, segments: perSegment)
    }
}

extension ProsodySummary {
    /// Fills the spectral-balance markers from the voiced frames inside `ranges`.
    mutating func addSpectralBalance(_ samples: [Float], sampleRate: Int, pitch: PitchContour, within ranges: [(start: Double, end: Double)]) {
        let balance = SpectralBalance.measure(samples, sampleRate: sampleRate) { time in
            guard ranges.contains(where: { time >= $0.start && time < $0.end }) else { return false }
            let k = Int(((time - pitch.startTime) / pitch.timeStep + 0.5).rounded(.down))
            return k >= 0 && k < pitch.frequencies.count && pitch.frequencies[k] > 0
        }
        alphaRatioDb = balance?.alphaRatioDb
        hammarbergDb = balance?.hammarbergDb
        slope0To500 = balance?.slope0To500
        slope500To1500 = balance?.slope500To1500
    }
}
