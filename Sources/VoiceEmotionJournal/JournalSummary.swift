// What a journal says over days and weeks: per-period aggregates, the weekday × time-of-day
// grid and its peak answer, the personal baseline with flagged days, and the weekly trend.
// Per-period means weigh each memo by its seconds of speech (a 2-minute memo says more than a
// 5-second one); the grid, the peak answer and the baseline treat each memo as one observation,
// which is what their intervals assume.

import Foundation
import VoiceEmotion

/// A part of the day, in the local time of the recording.
public enum TimeOfDay: Int, Sendable, CaseIterable, Codable, Comparable {
    /// 0:00–6:00.
    case night
    /// 6:00–12:00.
    case morning
    /// 12:00–18:00.
    case afternoon
    /// 18:00–24:00.
    case evening

    /// The part of the day holding `hour` (0...23).
    public init(hour: Int) { self = TimeOfDay(rawValue: min(max(hour, 0), 23) / 6)! }

    /// "night", "morning", ...
    public var name: String { ["night", "morning", "afternoon", "evening"][rawValue] }

    /// Night first, evening last.
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.rawValue < b.rawValue }

    /// Encodes as its name.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    /// Decodes a name.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let value = Self.allCases.first(where: { $0.name == name }) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(name)' is not night, morning, afternoon or evening")
        }
        self = value
    }
}

/// English weekday names by ISO number (1 Monday ... 7 Sunday).
public func weekdayName(_ weekday: Int) -> String {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][(weekday - 1) % 7]
}

/// Aggregates of one day or one ISO week.
public struct PeriodSummary: Sendable, Equatable, Codable {
    /// The first day of the period.
    public let start: LocalTime
    /// `2026-11-23` for a day, `2026-W48` for a week.
    public let label: String
    /// Memos recorded in it.
    public let count: Int
    /// Minutes of speech in them.
    public let speechMinutes: Double
    /// Mean stress weighted by seconds of speech (nil without speech).
    public let meanStress: Double?
    /// Mean score of each emotion weighted by seconds of speech, in the order labels first
    /// appear (classification models only).
    public let emotionMix: [LabelScore]

    enum CodingKeys: String, CodingKey { case start, label, count, speechMinutes = "speech_min", meanStress = "mean_stress", emotionMix = "emotion_mix" }
}

/// One cell of the weekday × time-of-day grid.
public struct GridCell: Sendable, Equatable, Codable {
    /// ISO weekday, 1 Monday ... 7 Sunday.
    public let weekday: Int
    /// The part of the day.
    public let timeOfDay: TimeOfDay
    /// Memos with a stress value in the cell.
    public let count: Int
    /// Mean stress of those memos (nil when none).
    public let meanStress: Double?
    /// 95% t interval of that mean (nil below `JournalSummary.minimumCellCount` memos).
    public let interval: ClosedRange<Double>?
    /// Whether the cell has `JournalSummary.minimumCellCount` memos or more.
    public var hasEnoughData: Bool { count >= JournalSummary.minimumCellCount }
    /// "Monday mornings".
    public var name: String { "\(weekdayName(weekday)) \(timeOfDay.name)s" }

    enum CodingKeys: String, CodingKey { case weekday, timeOfDay = "time_of_day", count, meanStress = "mean_stress", interval }

    /// Every key, `mean_stress` and `interval` null when there is none (the schema never drops a key).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weekday, forKey: .weekday); try c.encode(timeOfDay, forKey: .timeOfDay); try c.encode(count, forKey: .count)
        try c.encode(meanStress, forKey: .meanStress); try c.encode(interval, forKey: .interval)
    }
}

/// The answer to "when is my stress highest?".
public struct PeakAnswer: Sendable, Equatable, Codable {
    /// How sure the answer is.
    public enum Verdict: String, Sendable, Codable {
        /// No cell has enough memos, or too few memos fall outside it.
        case notEnoughData = "not_enough_data"
        /// The 95% interval of the difference includes zero.
        case noClearDifference = "no_clear_difference"
        /// The cell with the highest mean among those with enough memos is clearly *lower* than
        /// the other memos (the 95% interval lies below zero): the peak, if any, is at times that
        /// have too few memos each to name one.
        case lowerThanOthers = "lower_than_others"
        /// The 95% interval excludes zero, but not once corrected for picking the highest of
        /// several cells (Bonferroni): could be chance.
        case possiblePeak = "possible_peak"
        /// Even the corrected interval excludes zero.
        case clearPeak = "clear_peak"
    }

    /// How sure the answer is.
    public let verdict: Verdict
    /// The cell with the highest mean among cells with enough data.
    public let cell: GridCell?
    /// Mean stress of all other memos, and how many.
    public let othersMean: Double?, othersCount: Int
    /// Cell mean − others' mean, its Welch 95% interval and its Bonferroni-corrected interval
    /// (level 1 − 0.05/cells compared).
    public let difference: Double?, interval: ClosedRange<Double>?, correctedInterval: ClosedRange<Double>?
    /// Cells with enough data that were compared.
    public let cellsCompared: Int
    /// The answer in one or two plain sentences.
    public let sentence: String

    enum CodingKeys: String, CodingKey {
        case verdict, cell, othersMean = "others_mean", othersCount = "others_count", difference, interval
        case correctedInterval = "corrected_interval", cellsCompared = "cells_compared", sentence
    }
}

/// A rolling personal baseline: median and MAD of per-memo stress over a window of days.
public struct Baseline: Sendable, Equatable, Codable {
    /// First and last day of the window.
    public let from: LocalTime, through: LocalTime
    /// Memos with stress in it.
    public let count: Int
    /// Median and median absolute deviation of their stress.
    public let median: Double, mad: Double

    /// (stress − median) / MAD, with the MAD floored at `JournalSummary.minimumMAD` so that a
    /// flat baseline does not turn tiny differences into huge deviations.
    public func deviation(_ stress: Double) -> Double { (stress - median) / max(mad, JournalSummary.minimumMAD) }
}

/// A day compared with the baseline of the days before it.
public struct DayDeviation: Sendable, Equatable, Encodable {
    /// The day.
    public let day: LocalTime
    /// Its speech-weighted mean stress.
    public let meanStress: Double
    /// The baseline of the `JournalSummary.baselineDays` days before it (nil with fewer than
    /// `JournalSummary.minimumBaselineCount` memos there).
    public let baseline: Baseline?
    /// `meanStress`'s deviation in MADs.
    public let deviation: Double?
    /// More than `JournalSummary.flagThreshold` MADs above the baseline.
    public var flagged: Bool { (deviation ?? 0) > JournalSummary.flagThreshold }

    enum CodingKeys: String, CodingKey { case day, meanStress = "mean_stress", baseline, deviation, flagged }

    /// Encodes its fields and `flagged`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(day.dayText, forKey: .day)
        try c.encode(meanStress, forKey: .meanStress)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(deviation, forKey: .deviation)
        try c.encode(flagged, forKey: .flagged)
    }
}

/// A voice marker of one memo compared with the person's own usual value.
public struct MarkerDeviation: Sendable, Equatable, Encodable {
    /// The marker's technical name ("pitch", "HNR", ...) and its unit.
    public let marker: String, unit: String
    /// What it describes in plain words ("voice clarity" for HNR).
    public let label: String
    /// The memo's value.
    public let value: Double
    /// Median and MAD of the marker over the memos of the `JournalSummary.baselineDays` days before.
    public let baseline: Baseline
    /// (value − median) / MAD, the MAD floored at the marker's smallest meaningful step.
    public let deviation: Double
    /// For rates (speech rate): the change against the median in percent ("20% faster"), else nil.
    public let percentChange: Double?

    /// Compares `value` with `baseline`; `label` defaults to the plain words for `marker`.
    public init(marker: String, unit: String, value: Double, baseline: Baseline, deviation: Double, percentChange: Double? = nil, label: String? = nil) {
        (self.marker, self.unit, self.value, self.baseline, self.deviation, self.percentChange) = (marker, unit, value, baseline, deviation, percentChange)
        self.label = label ?? comparedMarkers.first { $0.name == marker }?.label ?? marker
    }

    /// "Voice clarity (HNR): lower than usual for you: 12.1 dB against your usual 14.0 dB (−2.4 MAD)";
    /// for speech rate also "20% faster".
    public var sentence: String {
        let technical = label == marker ? "" : " (\(marker))"
        let value = PlainWords.number(self.value), usual = PlainWords.number(baseline.median)
        var text = "\(label.prefix(1).uppercased() + label.dropFirst())\(technical): \(PlainWords.comparedWithUsual(deviation)): "
            + "\(value) \(unit) against your usual \(usual) \(unit) (\(PlainWords.signed(deviation, digits: 1)) MAD)"
        if let percentChange, abs(percentChange) >= 0.5 {
            text += String(format: ", %.0f%% %@", abs(percentChange), percentChange > 0 ? "faster" : "slower")
        }
        return text
    }

    enum CodingKeys: String, CodingKey { case marker, label, unit, value, baseline, deviation, percentChange = "percent_change" }

    /// Every key; `percent_change` null except for rates.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(marker, forKey: .marker); try c.encode(label, forKey: .label); try c.encode(unit, forKey: .unit)
        try c.encode(value, forKey: .value)
        try c.encode(baseline, forKey: .baseline); try c.encode(deviation, forKey: .deviation)
        try c.encode(percentChange, forKey: .percentChange)
    }
}

/// The markers compared with the person's baseline, with the smallest spread counted as one MAD.
/// `label`: what the marker describes, in words a person reads; `rate`: also say how much
/// faster or slower, in percent of the usual value.
let comparedMarkers: [(name: String, label: String, unit: String, floor: Double, rate: Bool, value: @Sendable (ProsodySummary) -> Double?)] = [
    ("pitch", "pitch", "semitones", 0.1, false, { $0.f0P50Semitones }),
    ("pitch range", "pitch variation", "semitones", 0.1, false, { $0.f0RangeSemitones }),
    ("loudness", "loudness", "dB", 0.5, false, { $0.intensityMeanDb }),
    ("speech rate", "speaking speed", "syllables/s", 0.1, true, { $0.syllablesPerSecond }),
    ("pauses", "pauses", "per min", 1.0, false, { $0.pausesPerMinute }),
    ("jitter", "voice steadiness", "%", 0.05, false, { $0.jitterLocal.map { $0 * 100 } }),
    ("HNR", "voice clarity", "dB", 0.5, false, { $0.hnrDb }),
    ("alpha ratio", "voice brightness", "dB", 0.5, false, { $0.alphaRatioDb }),
]

/// The change of weekly mean stress per week.
public struct Trend: Sendable, Equatable, Codable {
    /// Least-squares slope (stress units per week) and its 95% interval.
    public let slopePerWeek: Double, interval: ClosedRange<Double>
    /// Weeks with stress values that entered the fit.
    public let weeks: Int

    enum CodingKeys: String, CodingKey { case slopePerWeek = "slope_per_week", interval, weeks }
}

/// What a summary includes.
public struct JournalSummaryOptions: Sendable, Equatable {
    /// The model whose memos are summarised; nil: the model of the memo added last. Stress from
    /// two models is not comparable (each has its own scale and biases), so one summary never
    /// pools them; the others are counted in `JournalSummary.leftOut`.
    public var model: ModelIdentity?
    /// Whether memos dated by their file's modification time (no date tag; often the time the
    /// file was copied, not recorded) count in the weekday × time-of-day grid and the peak
    /// answer. They always count in days, weeks and baselines.
    public var fileTimesInGrid: Bool

    /// The default: the latest model, file-time-dated memos in the grid.
    public init(model: ModelIdentity? = nil, fileTimesInGrid: Bool = true) {
        self.model = model
        self.fileTimesInGrid = fileTimesInGrid
    }
}

/// Memos that a summary left out because another model analysed them.
public struct ModelCount: Sendable, Equatable, Codable {
    /// The model.
    public let model: ModelIdentity
    /// How many memos it analysed that the summary left out.
    public let count: Int

    /// A count from its parts.
    public init(model: ModelIdentity, count: Int) { (self.model, self.count) = (model, count) }
}

/// Everything the journal's summary and dashboard show, computed from recordings.
public struct JournalSummary: Sendable {
    /// A grid cell needs this many memos for a mean with an interval and a place in the peak answer.
    public static let minimumCellCount = 3
    /// Days in the baseline window.
    public static let baselineDays = 28
    /// Memos a baseline needs.
    public static let minimumBaselineCount = 5
    /// The smallest MAD deviations are measured in (stress units).
    public static let minimumMAD = 0.01
    /// Days more than this many MADs above their baseline are flagged.
    public static let flagThreshold = 2.0

    /// The recordings summarised (one model's), in time order.
    public let recordings: [JournalRecording]
    /// The model whose memos are summarised (nil for an empty journal).
    public let model: ModelIdentity?
    /// Memos analysed with other models, left out, most first.
    public let leftOut: [ModelCount]
    /// Summarised memos dated by their file's modification time (no date tag).
    public let fileTimeCount: Int
    /// Whether those count in the grid and the peak answer (`JournalSummaryOptions.fileTimesInGrid`).
    public let fileTimesInGrid: Bool
    /// Per day and per ISO week, in time order.
    public let days: [PeriodSummary], weeks: [PeriodSummary]
    /// 7 × 4 cells: weekday-major (Monday night first).
    public let grid: [GridCell]
    /// The peak answer.
    public let peak: PeakAnswer
    /// The baseline of the last `baselineDays` days up to the last memo (nil with too few memos).
    public let currentBaseline: Baseline?
    /// Each day with memos, against the baseline of the days before it.
    public let dayDeviations: [DayDeviation]
    /// Each memo's deviation from the baseline of the days before its day (by id).
    public let memoDeviations: [Int64: Double]
    /// The weekly trend (nil with fewer than three weeks).
    public let trend: Trend?
    /// The latest memo with voice markers against the baseline of the days before it: one entry
    /// per marker that has `minimumBaselineCount` earlier values in the window. Empty when that
    /// memo has less than `minimumVoicedSeconds` of voiced speech (`latestMemoTooShortToCompare`);
    /// shorter memos are left out of the baseline too.
    public let markerDeviations: [MarkerDeviation]
    /// Whether the latest memo with voice markers is too short to compare (less than
    /// `minimumVoicedSeconds` of voiced speech).
    public var latestMemoTooShortToCompare: Bool {
        guard let latest = recordings.last(where: { $0.prosody != nil }) else { return false }
        return Self.voicedSeconds(latest) < Self.minimumVoicedSeconds
    }

    /// Summarises the memos of one model among `recordings` (any order): `options.model`, else
    /// the model of the memo added last; the others are counted in `leftOut`.
    public init(_ recordings: [JournalRecording], options: JournalSummaryOptions = JournalSummaryOptions()) {
        let model = options.model ?? recordings.max { ($0.addedAt, $0.id) < ($1.addedAt, $1.id) }?.model
        var others: [String: (ModelIdentity, Int)] = [:]
        for memo in recordings where memo.model.sha256 != model?.sha256 {
            others[memo.model.sha256, default: (memo.model, 0)].1 += 1
        }
        self.model = model
        leftOut = others.values.map { ModelCount(model: $0.0, count: $0.1) }.sorted { ($0.count, $1.model.name) > ($1.count, $0.model.name) }
        let sorted = recordings.filter { $0.model.sha256 == model?.sha256 }.sorted { ($0.recordedLocal, $0.id) < ($1.recordedLocal, $1.id) }
        self.recordings = sorted
        fileTimeCount = sorted.reduce(0) { $0 + ($1.isDatedByFileTime ? 1 : 0) }
        fileTimesInGrid = options.fileTimesInGrid
        days = Self.periods(sorted, key: { $0.recordedLocal.startOfDay }, label: { $0.dayText })
        weeks = Self.periods(sorted, key: { $0.recordedLocal.startOfWeek }, label: { $0.isoWeekText })
        let gridded = options.fileTimesInGrid ? sorted : sorted.filter { !$0.isDatedByFileTime }
        grid = Self.grid(gridded)
        peak = Self.peak(grid: grid, recordings: gridded)
        // Per-memo stress by day, in time order: the baselines search it instead of filtering
        // the recordings once per day.
        let points = StressPoints(sorted)
        currentBaseline = points.days.last.flatMap { last in
            points.baseline(fromDay: last - (Self.baselineDays - 1), throughDay: last)
        }
        var deviations: [DayDeviation] = []
        var memoDeviations: [Int64: Double] = [:]
        for day in days {
            guard let mean = day.meanStress else { continue }
            let baseline = points.baseline(fromDay: day.start.dayNumber - Self.baselineDays, throughDay: day.start.dayNumber - 1)
            deviations.append(DayDeviation(day: day.start, meanStress: mean, baseline: baseline, deviation: baseline?.deviation(mean)))
            if let baseline {
                for i in points.range(fromDay: day.start.dayNumber, throughDay: day.start.dayNumber) {
                    memoDeviations[points.ids[i]] = baseline.deviation(points.stress[i])
                }
            }
        }
        dayDeviations = deviations
        self.memoDeviations = memoDeviations
        markerDeviations = Self.markerDeviations(sorted)
        let weekly = weeks.compactMap { week in week.meanStress.map { (week.start, $0) } }
        if let first = weekly.first,
           let fit = Statistics.slope(x: weekly.map { Double(($0.0.dayNumber - first.0.dayNumber) / 7) }, y: weekly.map(\.1)) {
            trend = Trend(slopePerWeek: fit.slope, interval: fit.interval, weeks: weekly.count)
        } else {
            trend = nil
        }
    }

    /// The summary of the 7 days ending with `day` (inclusive) — "this week" on the dashboard.
    public func sevenDays(endingWith day: LocalTime) -> PeriodSummary {
        let start = day.startOfDay.adding(days: -6)
        let inside = recordings.filter { $0.recordedLocal >= start && $0.recordedLocal < day.startOfDay.adding(days: 1) }
        return Self.summary(inside, start: start, label: "\(start.dayText)…\(day.dayText)")
    }

    /// Seconds of voiced speech a memo needs to take part in voice comparisons (as the latest
    /// memo or in the baseline): pitch, jitter and speaking speed from a couple of seconds say
    /// more about the clip than about the voice.
    public static let minimumVoicedSeconds = 5.0

    /// A memo's seconds of voiced speech: its voiced share of pitch frames × its seconds of speech.
    static func voicedSeconds(_ memo: JournalRecording) -> Double {
        (memo.prosody?.voicedFraction ?? 0) * memo.speechSeconds
    }

    static func markerDeviations(_ sorted: [JournalRecording]) -> [MarkerDeviation] {
        guard let latest = sorted.last(where: { $0.prosody != nil }), let markers = latest.prosody,
              voicedSeconds(latest) >= minimumVoicedSeconds else { return [] }
        let day = latest.recordedLocal.dayNumber
        let earlier = sorted.filter { (day - baselineDays..<day).contains($0.recordedLocal.dayNumber) && voicedSeconds($0) >= minimumVoicedSeconds }
            .compactMap(\.prosody)
        return comparedMarkers.compactMap { marker in
            guard let value = marker.value(markers) else { return nil }
            let values = earlier.compactMap(marker.value)
            guard values.count >= minimumBaselineCount, let median = Statistics.median(values),
                  let mad = Statistics.medianAbsoluteDeviation(values) else { return nil }
            let baseline = Baseline(from: LocalTime(wallSeconds: Int64(day - baselineDays) * 86_400),
                                    through: LocalTime(wallSeconds: Int64(day - 1) * 86_400), count: values.count, median: median, mad: mad)
            return MarkerDeviation(marker: marker.name, unit: marker.unit, value: value, baseline: baseline,
                                   deviation: (value - median) / max(mad, marker.floor),
                                   percentChange: marker.rate && median > 0 ? 100 * (value / median - 1) : nil, label: marker.label)
        }
    }

    static func periods(_ sorted: [JournalRecording], key: (JournalRecording) -> LocalTime, label: (LocalTime) -> String) -> [PeriodSummary] {
        var result: [PeriodSummary] = []
        var index = 0
        while index < sorted.count {
            let start = key(sorted[index])
            var end = index
            while end < sorted.count, key(sorted[end]) == start { end += 1 }
            result.append(summary(Array(sorted[index..<end]), start: start, label: label(start)))
            index = end
        }
        return result
    }

    static func summary(_ memos: [JournalRecording], start: LocalTime, label: String) -> PeriodSummary {
        let stressed = memos.filter { $0.stress != nil }
        let meanStress = Statistics.weightedMean(stressed.map { $0.stress! }, weights: stressed.map(\.speechSeconds))
        var labels: [String] = []
        var sums: [String: Double] = [:]
        var weight = 0.0
        for memo in memos where memo.dimensions == nil && !memo.scores.isEmpty && memo.speechSeconds > 0 {
            weight += memo.speechSeconds
            for score in memo.scores {
                if sums[score.label] == nil { labels.append(score.label) }
                sums[score.label, default: 0] += score.score * memo.speechSeconds
            }
        }
        let mix = weight > 0 ? labels.map { LabelScore(label: $0, score: sums[$0]! / weight) } : []
        return PeriodSummary(start: start, label: label, count: memos.count, speechMinutes: memos.reduce(0) { $0 + $1.speechSeconds } / 60,
                             meanStress: meanStress, emotionMix: mix)
    }

    static func grid(_ recordings: [JournalRecording]) -> [GridCell] {
        var values = [[Double]](repeating: [], count: 28)
        for memo in recordings {
            guard let stress = memo.stress else { continue }
            values[cellIndex(memo.recordedLocal)].append(stress)
        }
        return values.enumerated().map { index, cell in
            GridCell(weekday: index / 4 + 1, timeOfDay: TimeOfDay(rawValue: index % 4)!, count: cell.count, meanStress: Statistics.mean(cell),
                     interval: cell.count >= minimumCellCount ? Statistics.meanInterval(cell) : nil)
        }
    }

    static func cellIndex(_ time: LocalTime) -> Int { (time.weekday - 1) * 4 + TimeOfDay(hour: time.hour).rawValue }

    static func peak(grid: [GridCell], recordings: [JournalRecording]) -> PeakAnswer {
        let stressedCount = recordings.reduce(0) { $0 + ($1.stress == nil ? 0 : 1) }
        let eligible = grid.filter(\.hasEnoughData)
        func answer(_ verdict: PeakAnswer.Verdict, _ cell: GridCell?, _ others: [Double], _ welch: (Double, ClosedRange<Double>)?,
                    _ corrected: ClosedRange<Double>?, _ sentence: String) -> PeakAnswer {
            PeakAnswer(verdict: verdict, cell: cell, othersMean: Statistics.mean(others), othersCount: others.count,
                       difference: welch?.0, interval: welch?.1, correctedInterval: corrected, cellsCompared: eligible.count, sentence: sentence)
        }
        guard let best = eligible.max(by: { ($0.meanStress!, -$0.weekday * 4 - $0.timeOfDay.rawValue) < ($1.meanStress!, -$1.weekday * 4 - $1.timeOfDay.rawValue) }) else {
            return answer(.notEnoughData, nil, [], nil, nil,
                          "Not enough data to name a peak time yet: no weekday and time of day has \(minimumCellCount) memos with speech "
                          + "(\(stressedCount) \(stressedCount == 1 ? "memo" : "memos") in all). Record at different times over a few weeks.")
        }
        let index = (best.weekday - 1) * 4 + best.timeOfDay.rawValue
        var inside: [Double] = [], others: [Double] = []
        for memo in recordings {
            guard let stress = memo.stress else { continue }
            if cellIndex(memo.recordedLocal) == index { inside.append(stress) } else { others.append(stress) }
        }
        guard let welch = Statistics.welchInterval(inside, others) else {
            return answer(.notEnoughData, best, others, nil, nil,
                          "Not enough data to compare \(best.name) with other times yet: only \(others.count) other \(others.count == 1 ? "memo" : "memos") with speech.")
        }
        let corrected = Statistics.welchInterval(inside, others, level: 1 - 0.05 / Double(eligible.count))!.interval
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        // "0.00" for a difference that rounds to nothing: "±0.00" read like an error bar.
        func signed(_ x: Double) -> String { PlainWords.signed(x) }
        let facts = "mean stress \(f(best.meanStress!)) over \(best.count) memos against \(f(Statistics.mean(others)!)) for the other "
            + "\(others.count) (difference \(signed(welch.difference)), 95% interval \(signed(welch.interval.lowerBound)) to \(signed(welch.interval.upperBound)))"
        // "Highest" is only ever said of the cell among those with enough memos; whether it is
        // above the rest is what the interval says.
        let among = eligible.count == 1 ? "the only time of the week with \(minimumCellCount) or more memos"
                                        : "the highest of the \(eligible.count) times of the week with \(minimumCellCount) or more memos"
        if corrected.lowerBound > 0 {
            return answer(.clearPeak, best, others, welch, corrected, "\(best.name) are your peak stress time: \(facts).")
        }
        if welch.interval.lowerBound > 0 {
            return answer(.possiblePeak, best, others, welch, corrected,
                          "\(best.name) may be your peak stress time: \(facts); but with \(eligible.count) times of the week compared, "
                          + "a difference this size could be chance.")
        }
        if welch.interval.upperBound < 0 {
            return answer(.lowerThanOthers, best, others, welch, corrected,
                          "No peak time yet: \(best.name), \(among), are lower than your other memos: \(facts). "
                          + "The other times have too few memos each to name the highest; record at them over a few weeks.")
        }
        let direction = welch.difference > 0 ? "not clearly above" : "not above"
        return answer(.noClearDifference, best, others, welch, corrected,
                      "No clear difference: \(best.name), \(among), are \(direction) your other memos: \(facts).")
    }
}

/// The stress of each memo that has one, with its day, in time order.
struct StressPoints {
    let days: [Int], stress: [Double], ids: [Int64]

    init(_ sorted: [JournalRecording]) {
        var days: [Int] = [], stress: [Double] = [], ids: [Int64] = []
        for memo in sorted {
            guard let value = memo.stress else { continue }
            days.append(memo.recordedLocal.dayNumber)
            stress.append(value)
            ids.append(memo.id)
        }
        (self.days, self.stress, self.ids) = (days, stress, ids)
    }

    /// Indices of the memos recorded from `first` through `last` (day numbers), by binary search.
    func range(fromDay first: Int, throughDay last: Int) -> Range<Int> {
        func firstIndex(atOrAfter day: Int) -> Int {
            var (low, high) = (0, days.count)
            while low < high {
                let middle = (low + high) / 2
                if days[middle] < day { low = middle + 1 } else { high = middle }
            }
            return low
        }
        let start = firstIndex(atOrAfter: first)
        return start..<max(start, firstIndex(atOrAfter: last + 1))
    }

    /// The baseline of the memos from day `first` through day `last`, if they are enough.
    func baseline(fromDay first: Int, throughDay last: Int) -> Baseline? {
        let values = Array(stress[range(fromDay: first, throughDay: last)])
        guard values.count >= JournalSummary.minimumBaselineCount, let median = Statistics.median(values),
              let mad = Statistics.medianAbsoluteDeviation(values) else { return nil }
        return Baseline(from: LocalTime(wallSeconds: Int64(first) * 86_400), through: LocalTime(wallSeconds: Int64(last) * 86_400),
                        count: values.count, median: median, mad: mad)
    }
}
