// `journal summary`'s words and tables, at most 80 columns.

import Foundation
import VoiceEmotionJournal

enum JournalReport {
    static func text(_ s: JournalSummary, today: LocalTime = LocalTime(Date(), in: .current)) -> String {
        guard !s.recordings.isEmpty else {
            return "The journal is empty. Add memos: voice-emotion journal add ~/Memos"
        }
        func f(_ x: Double?) -> String { x.map { PlainWords.number($0) } ?? "-" }
        var lines: [String] = []
        let first = s.recordings.first!.recordedLocal, last = s.recordings.last!.recordedLocal
        let speech = s.recordings.reduce(0) { $0 + $1.speechSeconds } / 60
        lines.append("\(PlainWords.count(s.recordings.count, "memo")) from \(first.dayText) to \(last.dayText), \(PlainWords.number(speech, digits: 1)) minutes of speech")
        if let model = s.model {
            let note = s.leftOut.isEmpty ? "analysed with \(model.name)"
                : "analysed with \(model.name); left out: " + s.leftOut.map { "\(PlainWords.count($0.count, "memo")) by \($0.model.name)" }.joined(separator: ", ")
                  + " (stress from different models is not comparable; choose one with --model)"
            lines += wordWrap(note)
        }
        if s.fileTimeCount > 0 {
            let grid = s.fileTimesInGrid ? "counted in the weekday grid" : "left out of the weekday grid"
            lines += wordWrap("\(PlainWords.count(s.fileTimeCount, "memo")) had no date tag and \(s.fileTimeCount == 1 ? "is" : "are") dated by file time, "
                              + "which may be when \(s.fileTimeCount == 1 ? "it was" : "they were") copied (\(grid); fix one with: voice-emotion journal date ID TIME)")
        }
        lines.append("(stress 0 none ... 1 high: a heuristic from an emotion model, not a clinical measure)")
        lines.append("")
        let thisWeek = s.sevenDays(endingWith: today), lastWeek = s.sevenDays(endingWith: today.adding(days: -7))
        func week(_ p: PeriodSummary) -> String {
            "\(PlainWords.count(p.count, "memo")), mean stress \(f(p.meanStress)), \(PlainWords.number(p.speechMinutes, digits: 1)) min of speech"
        }
        lines.append("Last 7 days:     " + week(thisWeek))
        lines.append("The 7 before:    " + week(lastWeek))
        if let b = s.currentBaseline {
            lines.append("Your usual:      stress \(f(b.median)) (median of \(b.count) memos, \(b.from.dayText)...\(b.through.dayText));")
            lines.append("                 typical spread \(f(b.mad)) (median absolute deviation, MAD)")
        } else {
            lines.append("Your usual:      not known yet (needs \(JournalSummary.minimumBaselineCount) memos within \(JournalSummary.baselineDays) days)")
        }
        if let t = s.trend {
            lines.append("Weekly trend:    \(PlainWords.signed(t.slopePerWeek, digits: 3)) per week (95% interval \(PlainWords.signed(t.interval.lowerBound, digits: 3)) "
                         + "to \(PlainWords.signed(t.interval.upperBound, digits: 3)))")
            lines.append("                 over \(t.weeks) weeks")
        }
        if !s.markerDeviations.isEmpty {
            lines.append("")
            lines.append("Your voice in the latest memo, against the \(JournalSummary.baselineDays) days before it:")
            for deviation in s.markerDeviations { lines += wordWrap(deviation.sentence, width: 78).enumerated().map { ($0.offset == 0 ? "  " : "    ") + $0.element } }
        } else if s.latestMemoTooShortToCompare {
            lines.append("")
            lines += wordWrap("Your voice: the latest memo is too short to compare (less than \(Int(JournalSummary.minimumVoicedSeconds)) s of voiced speech).")
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
            lines.append("Days well above your usual stress (more than \(Int(JournalSummary.flagThreshold)) MAD):")
            for day in flagged.suffix(10) {
                lines.append("  \(day.day.dayText) \(weekdayName(day.day.weekday).prefix(3))  mean stress \(f(day.meanStress)), "
                             + "\(PlainWords.comparedWithUsual(day.deviation ?? 0)) (\(PlainWords.signed(day.deviation ?? 0, digits: 1)) MAD)")
            }
        }
        lines.append("")
        lines.append("Weeks:")
        for week in s.weeks.suffix(8) {
            let mix = week.emotionMix.sorted { $0.score > $1.score }.prefix(3).map { "\($0.label) \(Int(($0.score * 100).rounded()))%" }
            lines.append("  \(week.label)  \(PlainWords.count(week.count, "memo ", "memos").leftPadded(to: 9))  stress \(f(week.meanStress))  \(mix.joined(separator: ", "))")
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
