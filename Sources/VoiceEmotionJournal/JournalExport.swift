// The journal as files people take elsewhere: CSV (a row per recording, a column per score) for
// spreadsheets, JSON (with segments) for programs, and the summary as JSON.

import Foundation
import StrictJSON

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
        var lines = [header.map(field).joined(separator: ",")]
        for r in recordings {
            var row = [
                "\(r.id)", r.recordedLocal.description, r.recordedAt.map(isoUTC) ?? "", r.recordedAtSource, r.path ?? "", r.contentSHA256,
                "\(r.durationSeconds)", "\(r.speechSeconds)", r.model.name, r.model.sha256, r.stress.map { "\($0)" } ?? "", r.dominant ?? "",
                r.tags.joined(separator: ";"),
            ]
            let scores = Dictionary(r.scores.map { ($0.label, $0.score) }, uniquingKeysWith: { first, _ in first })
            row += labels.map { label in r.dimensions == nil ? scores[label].map { "\($0)" } ?? "" : "" }
            if dimensional {
                row += r.dimensions.map { ["\($0.arousal)", "\($0.dominance)", "\($0.valence)"] } ?? ["", "", ""]
            }
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break (quotes doubled). A field
    /// that starts with =, +, - or @ and is not a number is prefixed with ' so spreadsheets do not
    /// run it as a formula (a file name can be anything).
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `{"recordings": [...]}` with their segments, keys in a fixed order.
    public static func json(_ recordings: [JournalRecording]) throws -> String {
        struct Document: Encodable { let recordings: [JournalRecording] }
        return try OrderedJSONEncoder().encode(Document(recordings: recordings))
    }

    /// The summary's numbers as JSON (days, weeks, grid, peak answer, baselines, trend).
    public static func summaryJSON(_ summary: JournalSummary) throws -> String {
        try OrderedJSONEncoder().encode(SummaryDocument(summary))
    }

    private struct SummaryDocument: Encodable {
        let recordings: Int
        let days: [PeriodSummary], weeks: [PeriodSummary]
        let grid: [GridCell]
        let peak: PeakAnswer
        let currentBaseline: Baseline?
        let flaggedDays: [DayDeviation]
        let trend: Trend?
        let voice: [MarkerDeviation]

        init(_ s: JournalSummary) {
            recordings = s.recordings.count
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
            case recordings, days, weeks, grid, peak, currentBaseline = "current_baseline", flaggedDays = "flagged_days", trend, voice
        }
    }
}
