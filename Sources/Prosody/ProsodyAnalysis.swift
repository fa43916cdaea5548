// The voice markers of a recording and of each of its speech segments: from one pitch and one
// intensity analysis over the whole recording, or segment by segment on the recording's own frame
// grids (one segment in memory at a time); and the pauses between segments.

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

/// The frames of one speech segment, analysed from its own samples (with a margin), so that a
/// long recording's markers need one segment in memory at a time; pooled by `ProsodySummary(pooling:)`.
public struct SegmentProsody: Sendable, Equatable {
    /// The segment's markers.
    public let summary: ProsodySummary
    /// Its pitch frames (Hz, 0 unvoiced) and intensity frames (dB) inside the segment.
    public let f0Frames: [Double], intensityFrames: [Double]
    /// Seconds between intensity frames.
    public let intensityStep: Double
    /// Its spectral balance, to pool with the others' by their voiced frames.
    public let spectralBalance: SpectralBalance?
    /// HNR (dB) of its voiced harmonicity frames.
    public let hnrFrames: [Double]
    /// Its periods' perturbation, to pool with the others'.
    public let perturbation: Perturbation
    /// Its intensity and voicing for syllable counting, which needs the recording's thresholds.
    public let syllableEvidence: SyllableEvidence
}

/// Computes voice markers; needs no emotion model.
public enum ProsodyAnalysis {
    /// Seconds of audio kept on each side of a segment analysed on its own: more than the
    /// longest analysis window (64 ms intensity, 40 ms pitch), so frames near its edges are whole.
    public static let segmentMargin = 0.1

    /// One segment's markers from `samples`: samples `offset ..< offset + samples.count` of a
    /// recording of `recordingCount` samples, holding the segment `start..<end` (seconds in the
    /// recording) with up to `segmentMargin` around it. Frames are the recording's own, so they are
    /// the frames `analyze` gives the whole recording, but for the path search, which sees only
    /// this part. The silence thresholds of the pitch and HNR analyses are relative to the
    /// recording's largest absolute deviation from its mean, `recordingCentredPeak`
    /// (`Harmonicity.centredPeak`; when nil, `recordingPeak`, its largest absolute sample);
    /// `recordingMean` is its mean.
    public static func analyzeSegment(_ samples: [Float], sampleRate: Int, offset: Int, recordingCount: Int, start: Double, end: Double,
                                      recordingPeak: Double, recordingMean: Double = 0, recordingCentredPeak: Double? = nil,
                                      pitchOptions: PitchOptions = PitchOptions()) -> SegmentProsody {
        let part = (recordingCount: recordingCount, offset: offset)
        let pitch = Pitch.contour(samples, sampleRate: sampleRate, options: pitchOptions, globalPeak: recordingCentredPeak ?? recordingPeak, part: part)
        let intensity = Intensity.contour(samples, sampleRate: sampleRate, part: part)
        let (from, to) = (start, end)
        func inside(_ time: Double) -> Bool { time >= from && time < to }
        let f0 = zip(pitch.times, pitch.frequencies).filter { inside($0.0) }.map(\.1)
        let decibels = zip(intensity.times, intensity.decibels).filter { inside($0.0) }.map(\.1)
        var summary = ProsodySummary(f0Frames: f0, intensityFrames: decibels, intensityStep: intensity.timeStep)
        let balance = SpectralBalance.measure(samples, sampleRate: sampleRate, offset: offset) { time in
            guard inside(time) else { return false }
            let k = Int(((time - pitch.startTime) / pitch.timeStep + 0.5).rounded(.down))
            return k >= 0 && k < pitch.frequencies.count && pitch.frequencies[k] > 0
        }
        summary.alphaRatioDb = balance?.alphaRatioDb
        summary.hammarbergDb = balance?.hammarbergDb
        summary.slope0To500 = balance?.slope0To500
        summary.slope500To1500 = balance?.slope500To1500
        let harmonicity = Harmonicity.contour(samples, sampleRate: sampleRate, options: HarmonicityOptions(),
                                                globalPeak: recordingCentredPeak ?? recordingPeak, part: part, recordingMean: recordingMean)
        let hnr = zip(harmonicity.times, harmonicity.decibels).compactMap { inside($0.0) ? $0.1 : nil }
        summary.hnrDb = HarmonicityContour.mean(hnr)
        let pulses = Pulses.find(samples, sampleRate: sampleRate, pitch: pitch, offset: offset).filter(inside)
        let perturbation = Perturbation(pulses: pulses, samples: samples, sampleRate: sampleRate, offset: offset)
        summary.addPerturbation(perturbation)
        let evidence = SyllableEvidence(
            intensity: Intensity.contour(samples, sampleRate: sampleRate, minimumPitch: Syllables.intensityMinimumPitch, part: part),
            pitch: Pitch.contour(samples, sampleRate: sampleRate, options: Syllables.pitchOptions, globalPeak: recordingCentredPeak ?? recordingPeak, part: part),
            from: start, to: end)
        return SegmentProsody(summary: summary, f0Frames: f0, intensityFrames: decibels, intensityStep: intensity.timeStep,
                              spectralBalance: balance, hnrFrames: hnr, perturbation: perturbation, syllableEvidence: evidence)
    }

    /// The markers of `samples` at `sampleRate` and of its speech `segments` (seconds, in order).
    /// Pauses are the gaps between consecutive segments: per minute of the span from the first
    /// segment's start to the last one's end, and their mean length.
    public static func analyze(_ samples: [Float], sampleRate: Int, segments: [(start: Double, end: Double)],
                               pitchOptions: PitchOptions = PitchOptions()) -> ProsodyResult {
        let pitch = Pitch.contour(samples, sampleRate: sampleRate, options: pitchOptions)
        let intensity = Intensity.contour(samples, sampleRate: sampleRate)
        let speech: [(start: Double, end: Double)] = segments.isEmpty ? [(-.infinity, .infinity)] : segments
        let harmonicity = Harmonicity.contour(samples, sampleRate: sampleRate)
        var summary = ProsodySummary(pitch: pitch, intensity: intensity, within: speech)
        summary.addSpectralBalance(samples, sampleRate: sampleRate, pitch: pitch, within: speech)
        summary.addHarmonicity(harmonicity, within: speech)
        let pulses = Pulses.find(samples, sampleRate: sampleRate, pitch: pitch)
        func perturbation(within ranges: [(start: Double, end: Double)]) -> Perturbation {
            // Each range's periods on their own, so no period spans a pause.
            ranges.reduce(Perturbation()) { total, range in
                total.merged(with: Perturbation(pulses: pulses.filter { $0 >= range.start && $0 < range.end }, samples: samples, sampleRate: sampleRate))
            }
        }
        summary.addPerturbation(perturbation(within: speech))
        let perSegment = segments.map { segment -> ProsodySummary in
            var markers = ProsodySummary(pitch: pitch, intensity: intensity, from: segment.start, to: segment.end)
            markers.addSpectralBalance(samples, sampleRate: sampleRate, pitch: pitch, within: [segment])
            markers.addHarmonicity(harmonicity, within: [segment])
            markers.addPerturbation(perturbation(within: [segment]))
            return markers
        }
        // Syllables: thresholds from all the speech, nuclei stretch by stretch.
        let syllableIntensity = Intensity.contour(samples, sampleRate: sampleRate, minimumPitch: Syllables.intensityMinimumPitch)
        let syllablePitch = Pitch.contour(samples, sampleRate: sampleRate, options: Syllables.pitchOptions)
        let duration = Double(samples.count) / Double(sampleRate)
        let stretches = (segments.isEmpty ? [(0, duration)] : segments).map {
            SyllableEvidence(intensity: syllableIntensity, pitch: syllablePitch, from: $0.start, to: $0.end)
        }
        let counts = Syllables.countEach(stretches)
        summary.addSyllables(counts, speechSeconds: stretches.reduce(0) { $0 + $1.end - $1.start })
        let perSegmentWithSyllables = zip(perSegment, zip(counts, stretches)).map { markers, pair in
            var markers = markers
            markers.addSyllables([pair.0], speechSeconds: pair.1.end - pair.1.start)
            return markers
        }
        summary.addPauses(segments)
        return ProsodyResult(pitch: pitch, intensity: intensity, summary: summary, segments: segments.isEmpty ? [] : perSegmentWithSyllables)
    }
}

extension ProsodySummary {
    /// A recording's markers from its segments' frames (pooled, not averaged: percentiles and
    /// spreads are of all the speech), spectral balance weighted by voiced frames, HNR and
    /// perturbation over all the segments, syllables with thresholds from all the speech, and the
    /// pauses between `segments` (seconds, in order); and each segment's markers with its syllables.
    public static func pooled(_ parts: [SegmentProsody], segments: [(start: Double, end: Double)]) -> (recording: ProsodySummary, segments: [ProsodySummary]) {
        var recording = ProsodySummary(poolingWithoutSyllables: parts, segments: segments)
        let evidence = parts.map(\.syllableEvidence)
        let counts = Syllables.countEach(evidence)
        recording.addSyllables(counts, speechSeconds: evidence.reduce(0) { $0 + $1.end - $1.start })
        let each = zip(parts, zip(counts, evidence)).map { part, pair -> ProsodySummary in
            var summary = part.summary
            summary.addSyllables([pair.0], speechSeconds: pair.1.end - pair.1.start)
            return summary
        }
        return (recording, each)
    }

    private init(poolingWithoutSyllables parts: [SegmentProsody], segments: [(start: Double, end: Double)]) {
        self.init(f0Frames: parts.flatMap(\.f0Frames), intensityFrames: parts.flatMap(\.intensityFrames),
                  intensityStep: parts.first?.intensityStep ?? 0.008)
        let balances = parts.compactMap(\.spectralBalance)
        let frames = Double(balances.reduce(0) { $0 + $1.frames })
        if frames > 0 {
            alphaRatioDb = balances.reduce(0) { $0 + $1.alphaRatioDb * Double($1.frames) } / frames
            hammarbergDb = balances.reduce(0) { $0 + $1.hammarbergDb * Double($1.frames) } / frames
            slope0To500 = balances.reduce(0) { $0 + $1.slope0To500 * Double($1.frames) } / frames
            slope500To1500 = balances.reduce(0) { $0 + $1.slope500To1500 * Double($1.frames) } / frames
        }
        hnrDb = HarmonicityContour.mean(parts.flatMap(\.hnrFrames))
        addPerturbation(parts.reduce(Perturbation()) { $0.merged(with: $1.perturbation) })
        addPauses(segments)
    }

    /// Tempo from syllable nuclei: per second of speech (`speechSeconds`) and of sounding time.
    mutating func addSyllables(_ counts: [SyllableCount], speechSeconds: Double) {
        let nuclei = Double(counts.reduce(0) { $0 + $1.times.count })
        let phonation = counts.reduce(0) { $0 + $1.phonationSeconds }
        syllablesPerSecond = speechSeconds > 0 ? nuclei / speechSeconds : nil
        articulationRate = phonation > 0 ? nuclei / phonation : nil
    }

    /// Jitter and shimmer from the periods' perturbation.
    mutating func addPerturbation(_ perturbation: Perturbation) {
        jitterLocal = perturbation.jitterLocal
        shimmerLocal = perturbation.shimmerLocal
        shimmerLocalDb = perturbation.shimmerLocalDb
    }

    /// HNR: the mean of the voiced harmonicity frames inside `ranges`.
    mutating func addHarmonicity(_ harmonicity: HarmonicityContour, within ranges: [(start: Double, end: Double)]) {
        hnrDb = HarmonicityContour.mean(zip(harmonicity.times, harmonicity.decibels).compactMap { time, value in
            ranges.contains { time >= $0.start && time < $0.end } ? value : nil
        })
    }

    /// Pauses: the gaps between consecutive segments, per minute of the span from the first
    /// segment's start to the last one's end, and their mean length.
    mutating func addPauses(_ segments: [(start: Double, end: Double)]) {
        guard let first = segments.first, let last = segments.last, last.end > first.start else { return }
        let gaps = zip(segments, segments.dropFirst()).map { $1.start - $0.end }.filter { $0 > 0 }
        pausesPerMinute = Double(gaps.count) / ((last.end - first.start) / 60)
        meanPauseSeconds = gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
    }

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
