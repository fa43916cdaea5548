// `journal summary`'s words and tables, at most 80 columns.

import Foundation
import VoiceEmotionJournal

enum JournalReport {
    static func text(_ s: JournalSummary, today: LocalTime = LocalTime(Date(), in: .current)) -> String {
        guard !s.recordings.isEmpty else {
            return "The journal is empty. Add memos: voice-emotion journal add ~/Memos"
        }
        func f(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }
        var lines: [String] = []
        let first = s.recordings.first!.recordedLocal, last = s.recordings.last!.recordedLocal
        let speech = s.recordings.reduce(0) { $0 + $1.speechSeconds } / 60
        lines.append("\(s.recordings.count) memos from \(first.dayText) to \(last.dayText), \(String(format: "%.1f", speech)) minutes of speech")
        lines.append("(stress 0 none ... 1 high: a heuristic from an emotion model, not a clinical measure)")
        lines.append("")
        let thisWeek = s.sevenDays(endingWith: today), lastWeek = s.sevenDays(endingWith: today.adding(days: -7))
        lines.append("Last 7 days:     \(thisWeek.count) memos, mean stress \(f(thisWeek.meanStress)), \(String(format: "%.1f", thisWeek.speechMinutes)) min of speech")
        lines.append("The 7 before:    \(lastWeek.count) memos, mean stress \(f(lastWeek.meanStress)), \(String(format: "%.1f", lastWeek.speechMinutes)) min of speech")
        if let b = s.currentBaseline {
            lines.append("Your baseline:   median \(f(b.median)), MAD \(f(b.mad)) over \(b.count) memos (\(b.from.dayText)...\(b.through.dayText))")
        } else {
            lines.append("Your baseline:   not yet (needs \(JournalSummary.minimumBaselineCount) memos within \(JournalSummary.baselineDays) days)")
        }
        if let t = s.trend {
            lines.append(String(format: "Weekly trend:    %+.3f per week (95%% interval %+.3f to %+.3f) over %d weeks",
                                t.slopePerWeek, t.interval.lowerBound, t.interval.upperBound, t.weeks))
        }
        if !s.markerDeviations.isEmpty {
            lines.append("")
            lines.append("Your voice in the latest memo, against the \(JournalSummary.baselineDays) days before it:")
            for deviation in s.markerDeviations { lines.append("  " + deviation.sentence) }
        }
        lines.append("")
        lines += wordWrap(s.peak.sentence)
        lines.append("")
        lines.append("Mean stress by weekday and time of day (n memos; '.' fewer than \(JournalSummary.minimumCellCount)):")
        lines.append("             night    morning  afternoon  evening")
        for weekday in 1...7 {
            var line = weekdayName(weekday).padding(toLength: 10, withPad: " ", startingAt: 0)
            for part in TimeOfDay.allCases {
                let cell = s.grid[(weekday - 1) * 4 + part.rawValue]
                let text = cell.count == 0 ? "" : cell.hasEnoughData ? "\(f(cell.meanStress)) (\(cell.count))" : ". (\(cell.count))"
                line += text.leftPadded(to: 10) + " "
            }
            lines.append(line)
        }
        let flagged = s.dayDeviations.filter(\.flagged)
        if !flagged.isEmpty {
            lines.append("")
            lines.append("Days more than \(Int(JournalSummary.flagThreshold)) MAD above your baseline:")
            for day in flagged.suffix(10) {
                lines.append("  \(day.day.dayText) \(weekdayName(day.day.weekday).prefix(3))  mean stress \(f(day.meanStress)), "
                             + String(format: "%+.1f MAD", day.deviation ?? 0))
            }
        }
        lines.append("")
        lines.append("Weeks:")
        for week in s.weeks.suffix(8) {
            let mix = week.emotionMix.sorted { $0.score > $1.score }.prefix(3).map { "\($0.label) \(Int(($0.score * 100).rounded()))%" }
            lines.append("  \(week.label)  \(String(week.count).leftPadded(to: 3)) memos  stress \(f(week.meanStress))  \(mix.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    /// Words of `text` in lines of at most `width` columns.
    static func wordWrap(_ text: String, width: Int = 80) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
