// The journal as files people take elsewhere: CSV (a row per recording, a column per score) for
// spreadsheets, JSON (with segments) for programs, and the summary as JSON.

import Foundation
import StrictJSON
import VoiceEmotion

/// Exports of recordings and summaries.
public enum JournalExport {
    /// The CSV's fixed columns, before one column per emotion label and the three dimensions.
    public static let csvColumns = [
        "id", "recorded_local", "recorded_at_utc", "recorded_at_source", "path", "content_sha256", "duration_s", "speech_s",
        "model", "model_sha256", "stress", "dominant", "tags",
    ]

    /// RFC 4180 CSV with a header: one row per recording; a score column per label any recording
    /// has (in the order they first appear) and arousal/dominance/valence when a dimensional model
    /// was used. Empty cells for missing values; tags joined by ";".
    public static func csv(_ recordings: [JournalRecording]) -> String {
        var labels: [String] = []
        var seen = Set<String>()
        for r in recordings where r.dimensions == nil {
            for s in r.scores where seen.insert(s.label).inserted { labels.append(s.label) }
        }
        let dimensional = recordings.contains { $0.dimensions != nil }
        var header = csvColumns + labels
        if dimensional { header += ["arousal", "dominance", "valence"] }
        header += voiceColumnNames
        var lines = [header.map(field).joined(separator: ",")]
        for r in recordings {
            var row = [
                "\(r.id)", r.recordedLocal.description, r.recordedAt.map(isoUTC) ?? "", r.recordedAtSource, r.path ?? "", r.contentSHA256,
                number(r.durationSeconds), number(r.speechSeconds), r.model.name, r.model.sha256, r.stress.map(number) ?? "", r.dominant ?? "",
                r.tags.joined(separator: ";"),
            ]
            let scores = Dictionary(r.scores.map { ($0.label, $0.score) }, uniquingKeysWith: { first, _ in first })
            row += labels.map { label in r.dimensions == nil ? scores[label].map(number) ?? "" : "" }
            if dimensional {
                row += r.dimensions.map { [number($0.arousal), number($0.dominance), number($0.valence)] } ?? ["", "", ""]
            }
            row += voiceColumns.map { column in r.prosody.flatMap(column.1).map(number) ?? "" }
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break (quotes doubled). A field
    /// that starts with =, +, -, @, a tab or a carriage return (OWASP's list) and is not a number
    /// is prefixed with ' so spreadsheets do not run it as a formula (a file name can be anything).
    package static func field(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Decimals of every number in the JSON and CSV exports, as `analyze --json` rounds scores:
    /// what the numbers mean, without float noise (`0.2966`, not `0.29660000000000003`).
    public static let decimals = 6

    /// `{"recordings": [...]}` with their segments, keys in a fixed order (Docs/JSON.md).
    public static func json(_ recordings: [JournalRecording]) throws -> String {
        struct Document: Encodable { let recordings: [JournalRecording] }
        return try OrderedJSONEncoder(numberText: number).encode(Document(recordings: recordings))
    }

    /// The summary's numbers as JSON (Docs/JSON.md): the model summarised and the memos left
    /// out, days, weeks, grid, peak answer, baselines, trend, voice comparison.
    public static func summaryJSON(_ summary: JournalSummary) throws -> String {
        try OrderedJSONEncoder(numberText: number).encode(SummaryDocument(summary))
    }

    /// `x` rounded to `decimals` decimals (as printf rounds) in its shortest form, without "-0":
    /// every number of the JSON and CSV exports.
    @Sendable static func number(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        let rounded = Double(String(format: "%.\(decimals)f", x)) ?? x
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return rounded.description
    }

    /// The CSV's voice-marker columns, after the scores: `voice_` and the marker's JSON name.
    public static var voiceColumnNames: [String] { voiceColumns.map { "voice_" + $0.0 } }

    /// The voice-marker columns of the CSV (the recording's `ProsodySummary`, JSON names with `voice_`).
    static let voiceColumns: [(String, @Sendable (ProsodySummary) -> Double?)] = [
        ("f0_mean_hz", \.f0MeanHz), ("f0_sd_semitones", \.f0SdSemitones), ("f0_p20_semitones", \.f0P20Semitones),
        ("f0_p50_semitones", \.f0P50Semitones), ("f0_p80_semitones", \.f0P80Semitones), ("f0_range_semitones", \.f0RangeSemitones),
        ("voiced_fraction", \.voicedFraction), ("intensity_mean_db", \.intensityMeanDb), ("intensity_sd_db", \.intensitySdDb),
        ("intensity_range_db", \.intensityRangeDb), ("loudness_peaks_per_s", \.loudnessPeaksPerSecond), ("jitter_local", \.jitterLocal),
        ("shimmer_local", \.shimmerLocal), ("shimmer_local_db", \.shimmerLocalDb), ("hnr_db", \.hnrDb), ("alpha_ratio_db", \.alphaRatioDb),
        ("hammarberg_db", \.hammarbergDb), ("slope_0_500", \.slope0To500), ("slope_500_1500", \.slope500To1500),
        ("syllables_per_s", \.syllablesPerSecond), ("articulation_rate", \.articulationRate), ("pauses_per_min", \.pausesPerMinute),
        ("mean_pause_s", \.meanPauseSeconds),
    ]

    private struct SummaryDocument: Encodable {
        let model: ModelIdentity?
        let leftOut: [ModelCount]
        let recordings: Int
        let fileTimeCount: Int
        let fileTimesInGrid: Bool
        let voiceTooShortToCompare: Bool
        let days: [PeriodSummary], weeks: [PeriodSummary]
        let grid: [GridCell]
        let peak: PeakAnswer
        let currentBaseline: Baseline?
        let flaggedDays: [DayDeviation]
        let trend: Trend?
        let voice: [MarkerDeviation]

        init(_ s: JournalSummary) {
            model = s.model
            leftOut = s.leftOut
            recordings = s.recordings.count
            fileTimeCount = s.fileTimeCount
            fileTimesInGrid = s.fileTimesInGrid
            voiceTooShortToCompare = s.latestMemoTooShortToCompare
            days = s.days
            weeks = s.weeks
            grid = s.grid
            peak = s.peak
            currentBaseline = s.currentBaseline
            flaggedDays = s.dayDeviations.filter(\.flagged)
            trend = s.trend
            voice = s.markerDeviations
        }

        enum CodingKeys: String, CodingKey {
            case model, leftOut = "left_out", recordings, fileTimeCount = "dated_by_file_time", fileTimesInGrid = "file_times_in_grid"
            case days, weeks, grid, peak, currentBaseline = "current_baseline", flaggedDays = "flagged_days", trend, voice
            case voiceTooShortToCompare = "voice_too_short_to_compare"
        }
    }
}
