// The journal on a synthetic six weeks whose every aggregate is worked out by hand in the
// comments, and its storage: round trips, idempotent adds, removal, tags, exports, schema checks.

import Foundation
import Testing
import VoiceEmotion
import VoiceEmotionJournal

/// A fresh journal file in a temporary folder.
func temporaryJournal() throws -> (Journal, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-tests-\(UUID())")
    return (try Journal(path: folder.appendingPathComponent("journal.sqlite").path), folder)
}

let modelA = ModelIdentity(name: "model-a", sha256: String(repeating: "a", count: 64))
let modelB = ModelIdentity(name: "model-b", sha256: String(repeating: "b", count: 64))

/// An analysis with the given stress and speech, scores angry/calm, two segments.
func analysis(stress: Double?, speech: Double, angry: Double, file: String = "memo.m4a") -> RecordingAnalysis {
    let scores = stress == nil ? [] : [EmotionScore(label: "angry", score: angry), EmotionScore(label: "calm", score: 1 - angry)]
    let segments = stress == nil ? [] : [
        SegmentAnalysis(startSeconds: 1, endSeconds: 1 + speech / 2, scores: scores, dimensions: nil, stress: stress, windows: 1),
        SegmentAnalysis(startSeconds: 2 + speech / 2, endSeconds: 2 + speech, scores: scores, dimensions: nil, stress: stress, windows: 1),
    ]
    return RecordingAnalysis(file: file, durationSeconds: speech + 20, speechSeconds: speech, segments: segments, scores: scores,
                             dimensions: nil, dominant: stress == nil ? nil : Emotion(label: angry > 0.5 ? "angry" : "calm"),
                             stress: stress, timings: AnalysisTimings())
}

func at(_ text: String) -> RecordingTime { RecordingTime(iso8601: text, source: .metadata, tag: "test")! }

/// Six weeks from Monday 2026-09-07 (ISO week 37), times with a +01:00 offset (so their wall time
/// is as written on any machine):
///   Monday 08:00     stress 0.70, 0.72, 0.68, 0.74, 0.66, 0.70   speech 60 s  angry 0.6
///   Wednesday 14:00  stress 0.30                                 speech 30 s  angry 0.1
///   Friday 19:00     stress 0.20                                 speech 45 s  angry 0.1
///   Sunday 10:00     stress 0.25                                 speech 15 s  angry 0.1
/// and in the third week a Tuesday-noon memo without speech: 25 memos, 24 with stress.
let mondays = [0.70, 0.72, 0.68, 0.74, 0.66, 0.70]

func fillSyntheticJournal(_ journal: Journal) throws {
    var n = 0
    func add(_ day: Int, _ clock: String, stress: Double?, speech: Double, angry: Double) throws {
        n += 1
        let date = LocalTime(year: 2026, month: 9, day: 7).adding(days: day).dayText
        try journal.add(analysis(stress: stress, speech: speech, angry: angry, file: "memo-\(n).m4a"), contentSHA256: "content-\(n)",
                        model: modelA, tags: day % 7 == 0 ? ["monday", "work"] : [], recordedAt: at("\(date)T\(clock):00+01:00"))
    }
    for week in 0..<6 {
        try add(7 * week, "08:00", stress: mondays[week], speech: 60, angry: 0.6)
        if week == 2 { try add(7 * week + 1, "12:00", stress: nil, speech: 0, angry: 0) }
        try add(7 * week + 2, "14:00", stress: 0.30, speech: 30, angry: 0.1)
        try add(7 * week + 4, "19:00", stress: 0.20, speech: 45, angry: 0.1)
        try add(7 * week + 6, "10:00", stress: 0.25, speech: 15, angry: 0.1)
    }
}

@Suite struct JournalSummaryTests {
    let summary: JournalSummary

    init() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        try fillSyntheticJournal(journal)
        summary = JournalSummary(try journal.recordings(JournalFilter(latestPerContent: true)))
    }

    @Test func daysAndWeeks() throws {
        #expect(summary.recordings.count == 25 && summary.days.count == 25 && summary.weeks.count == 6)
        #expect(summary.weeks.map(\.label) == ["2026-W37", "2026-W38", "2026-W39", "2026-W40", "2026-W41", "2026-W42"])
        // Week 1: (0.70·60 + 0.30·30 + 0.20·45 + 0.25·15) / 150 = 63.75 / 150 = 0.425; 150 s = 2.5 min;
        // angry (0.6·60 + 0.1·90) / 150 = 0.3, calm 0.7.
        let first = summary.weeks[0]
        #expect(first.count == 4 && first.speechMinutes == 2.5 && abs(first.meanStress! - 0.425) < 1e-12)
        #expect(first.emotionMix.map(\.label) == ["angry", "calm"])
        #expect(abs(first.emotionMix[0].score - 0.3) < 1e-12 && abs(first.emotionMix[1].score - 0.7) < 1e-12)
        // Week 3 has the memo without speech: counted, but it weighs nothing.
        // (0.68·60 + 21.75) / 150 = 62.55 / 150 = 0.417.
        #expect(summary.weeks[2].count == 5 && abs(summary.weeks[2].meanStress! - 0.417) < 1e-12)
        let tuesday = try #require(summary.days.first { $0.label == "2026-09-22" })
        #expect(tuesday.count == 1 && tuesday.meanStress == nil && tuesday.speechMinutes == 0)
        #expect(summary.days[0].label == "2026-09-07" && summary.days[0].meanStress == 0.70)
    }

    @Test func weekdayTimeGrid() throws {
        #expect(summary.grid.count == 28)
        let monday = summary.grid[0 * 4 + TimeOfDay.morning.rawValue]
        #expect(monday.weekday == 1 && monday.timeOfDay == .morning && monday.count == 6 && monday.hasEnoughData)
        // Mean 0.70; half width t(0.975, 5)·√0.0008/√6 (squared deviations sum to 0.004).
        #expect(abs(monday.meanStress! - 0.70) < 1e-12)
        let half = 2.5705818356363146 * 0.0008.squareRoot() / 6.0.squareRoot()
        #expect(abs(monday.interval!.lowerBound - (0.70 - half)) < 1e-9 && abs(monday.interval!.upperBound - (0.70 + half)) < 1e-9)
        let wednesday = summary.grid[2 * 4 + TimeOfDay.afternoon.rawValue]
        #expect(wednesday.count == 6 && abs(wednesday.meanStress! - 0.30) < 1e-12)
        #expect(abs(summary.grid[4 * 4 + TimeOfDay.evening.rawValue].meanStress! - 0.20) < 1e-12)
        #expect(abs(summary.grid[6 * 4 + TimeOfDay.morning.rawValue].meanStress! - 0.25) < 1e-12)
        // The memo without speech is in no cell; 24 memos in 4 cells.
        #expect(summary.grid[1 * 4 + TimeOfDay.afternoon.rawValue].count == 0)
        #expect(summary.grid.reduce(0) { $0 + $1.count } == 24 && summary.grid.filter(\.hasEnoughData).count == 4)
    }

    @Test func peakIsMondayMorning() throws {
        let peak = summary.peak
        #expect(peak.verdict == .clearPeak && peak.cell?.name == "Monday mornings" && peak.cellsCompared == 4)
        // Others: six each of 0.30, 0.20, 0.25 → mean 0.25, s² = (6·0.05² + 6·0.05²) / 17 = 0.03/17.
        #expect(peak.othersCount == 18 && abs(peak.othersMean! - 0.25) < 1e-12 && abs(peak.difference! - 0.45) < 1e-12)
        let (va, vb) = (0.0008 / 6, 0.03 / 17 / 18)
        let df = (va + vb) * (va + vb) / (va * va / 5 + vb * vb / 17)
        let half = Statistics.tQuantile(0.975, degreesOfFreedom: df) * (va + vb).squareRoot()
        #expect(abs(peak.interval!.lowerBound - (0.45 - half)) < 1e-9 && abs(peak.interval!.upperBound - (0.45 + half)) < 1e-9)
        let corrected = Statistics.tQuantile(1 - 0.05 / 8, degreesOfFreedom: df) * (va + vb).squareRoot()
        #expect(abs(peak.correctedInterval!.lowerBound - (0.45 - corrected)) < 1e-9)
        #expect(peak.sentence.hasPrefix("Monday mornings are your peak stress time: mean stress 0.70 over 6 memos against 0.25 for the other 18"))
    }

    @Test func baselineAndFlaggedDays() throws {
        // The 28 days before Monday 2026-10-05 hold weeks 1-4: 0.70, 0.72, 0.68, 0.74 and four each
        // of 0.30, 0.20, 0.25. Sorted, the 8th and 9th of 16 are 0.25 and 0.30: median 0.275.
        // Deviations: four 0.075, eight 0.025, then 0.405...0.465: median (0.025 + 0.075)/2 = 0.05.
        let day = try #require(summary.dayDeviations.first { $0.day.dayText == "2026-10-05" })
        #expect(day.baseline?.count == 16 && abs(day.baseline!.median - 0.275) < 1e-12 && abs(day.baseline!.mad - 0.05) < 1e-12)
        #expect(abs(day.deviation! - 7.7) < 1e-9 && day.flagged)
        // Monday 2026-09-14 has only week 1's four memos before it: no baseline (needs 5).
        #expect(summary.dayDeviations.first { $0.day.dayText == "2026-09-14" }?.baseline == nil)
        // Weeks 1-2 before Monday 2026-09-21: 0.70, 0.72 and two each of 0.30, 0.20, 0.25 → median
        // 0.275, MAD 0.05; 0.68 is 8.1 MADs above.
        let third = try #require(summary.dayDeviations.first { $0.day.dayText == "2026-09-21" })
        #expect(third.baseline?.count == 8 && abs(third.deviation! - 8.1) < 1e-9)
        // Every Monday from the third week on is flagged, and no other day: 0.30 is 0.5 MAD above.
        #expect(summary.dayDeviations.filter(\.flagged).map(\.day.dayText) == ["2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12"])
        #expect(abs(summary.dayDeviations.first { $0.day.dayText == "2026-10-07" }!.deviation! - 0.5) < 1e-9)
        // Current baseline: 2026-09-21 ... 2026-10-18, weeks 3-6, the same shape: 0.275 and 0.05.
        let current = try #require(summary.currentBaseline)
        #expect(current.from.dayText == "2026-09-21" && current.through.dayText == "2026-10-18" && current.count == 16)
        #expect(abs(current.median - 0.275) < 1e-12 && abs(current.mad - 0.05) < 1e-12)
        let mondayMemo = try #require(summary.recordings.first { $0.recordedLocal.dayText == "2026-10-05" })
        #expect(abs(summary.memoDeviations[mondayMemo.id]! - 7.7) < 1e-9)
    }

    @Test func weeklyTrend() throws {
        // Weekly means are 0.4·m + 0.145 for the Monday values m; their slope on week 0...5 is
        // 0.4 · Σ(x − 2.5)(m − 0.70) / 17.5 = 0.4 · (−0.06) / 17.5.
        let trend = try #require(summary.trend)
        #expect(trend.weeks == 6 && abs(trend.slopePerWeek - 0.4 * -0.06 / 17.5) < 1e-12)
        let y = mondays.map { 0.4 * $0 + 0.145 }
        let residual = y.enumerated().reduce(0.0) { sum, point in
            let fitted = 0.425 + trend.slopePerWeek * (Double(point.offset) - 2.5)  // the line passes through (2.5, mean y)
            return sum + (point.element - fitted) * (point.element - fitted)
        }
        let half = Statistics.tQuantile(0.975, degreesOfFreedom: 4) * (residual / 4 / 17.5).squareRoot()
        #expect(abs(trend.interval.upperBound - trend.slopePerWeek - half) < 1e-9)
    }

    @Test func sevenDays() {
        // The 7 days ending Sunday 2026-10-18 are week 6: (0.70·60 + 21.75) / 150 = 0.425.
        let week = summary.sevenDays(endingWith: LocalTime(year: 2026, month: 10, day: 18))
        #expect(week.count == 4 && abs(week.meanStress! - 0.425) < 1e-12)
    }
}

@Suite struct PeakAnswerTests {
    func summary(_ memos: [(String, Double)]) throws -> JournalSummary {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (i, memo) in memos.enumerated() {
            try journal.add(analysis(stress: memo.1, speech: 30, angry: 0.2), contentSHA256: "c\(i)", model: modelA, recordedAt: at(memo.0))
        }
        return JournalSummary(try journal.recordings())
    }

    @Test func fourMemosAreNotEnough() throws {
        let s = try summary([("2026-09-07T08:00:00Z", 0.9), ("2026-09-08T08:00:00Z", 0.1), ("2026-09-09T08:00:00Z", 0.2), ("2026-09-14T08:00:00Z", 0.8)])
        #expect(s.peak.verdict == .notEnoughData && s.peak.cell == nil)
        #expect(s.peak.sentence.hasPrefix("Not enough data to name a peak time yet"))
        #expect(s.currentBaseline == nil && s.trend == nil)
    }

    @Test func equalTimesGiveNoClearDifference() throws {
        // Monday mornings 0.3, 0.5, 0.4 (mean 0.4); six other memos with the same mean.
        let s = try summary([
            ("2026-09-07T09:00:00+02:00", 0.3), ("2026-09-14T09:00:00+02:00", 0.5), ("2026-09-21T09:00:00+02:00", 0.4),
            ("2026-09-08T20:00:00+02:00", 0.35), ("2026-09-09T20:00:00+02:00", 0.45), ("2026-09-10T20:00:00+02:00", 0.4),
            ("2026-09-11T15:00:00+02:00", 0.3), ("2026-09-12T15:00:00+02:00", 0.5), ("2026-09-13T15:00:00+02:00", 0.4),
        ])
        #expect(s.peak.verdict == .noClearDifference)
        #expect(s.peak.sentence.hasPrefix("No clear difference: Monday mornings, the only time of the week with 3 or more memos, are not"))
        #expect(s.peak.sentence.contains("(difference 0.00, 95% interval −") && !s.peak.sentence.contains("±"), "\(s.peak.sentence)")
    }

    /// The issue's journal: the only cell with 3 memos (the person's usual time) is clearly lower
    /// than the other memos. It used to read "No clear difference: Monday mornings have the highest
    /// mean stress" with a difference of −0.08.
    @Test func aCellBelowTheOthersIsNeverCalledHighest() throws {
        let s = try summary([
            ("2026-09-07T09:00:00+02:00", 0.20), ("2026-09-14T09:00:00+02:00", 0.21), ("2026-09-21T09:00:00+02:00", 0.19),
            ("2026-09-08T20:00:00+02:00", 0.30), ("2026-09-09T15:00:00+02:00", 0.28), ("2026-09-10T20:00:00+02:00", 0.29),
            ("2026-09-11T15:00:00+02:00", 0.31), ("2026-09-12T15:00:00+02:00", 0.27), ("2026-09-13T20:00:00+02:00", 0.30),
        ])
        #expect(s.peak.verdict == .lowerThanOthers && s.peak.cell?.name == "Monday mornings" && s.peak.cellsCompared == 1)
        #expect(s.peak.difference! < 0 && s.peak.interval!.upperBound < 0)
        #expect(s.peak.sentence.hasPrefix("No peak time yet: Monday mornings, the only time of the week with 3 or more memos, are lower than your other memos"))
        #expect(!s.peak.sentence.contains("highest mean"))
    }

    /// Higher, but within what chance gives: "not clearly above", never "highest" alone.
    @Test func aSlightlyHigherCellIsNotClearlyAbove() throws {
        let s = try summary([
            ("2026-09-07T09:00:00+02:00", 0.30), ("2026-09-14T09:00:00+02:00", 0.50), ("2026-09-21T09:00:00+02:00", 0.45),
            ("2026-09-08T20:00:00+02:00", 0.35), ("2026-09-09T20:00:00+02:00", 0.45), ("2026-09-10T20:00:00+02:00", 0.3),
            ("2026-09-11T15:00:00+02:00", 0.3), ("2026-09-12T15:00:00+02:00", 0.5), ("2026-09-13T15:00:00+02:00", 0.4),
        ])
        #expect(s.peak.verdict == .noClearDifference && s.peak.difference! > 0)
        #expect(s.peak.sentence.contains("are not clearly above your other memos"))
    }

    @Test func cellsNeedThreeMemos() throws {
        // Two high Monday mornings do not make a peak: the only cell with 3 memos is compared.
        let s = try summary([
            ("2026-09-07T08:00:00Z", 0.9), ("2026-09-14T08:00:00Z", 0.9),
            ("2026-09-09T14:00:00Z", 0.2), ("2026-09-16T14:00:00Z", 0.3), ("2026-09-23T14:00:00Z", 0.25), ("2026-09-10T20:00:00Z", 0.1),
        ])
        #expect(s.peak.cell?.name == "Wednesday afternoons" && s.grid[0 * 4 + 1].interval == nil && !s.grid[1].hasEnoughData)
    }
}

@Suite struct JournalStorageTests {
    @Test func roundTripKeepsEveryValue() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = analysis(stress: 0.1 + 0.2, speech: 12.345, angry: 1.0 / 3)
        try journal.add(original, contentSHA256: "abc", model: modelA, tags: [" work ", "", "work", "a,b"], recordedAt: at("2026-03-01T23:30:00-05:00"))
        let stored = try #require(try journal.recordings().first)
        #expect(stored.stress == 0.1 + 0.2 && stored.scores.map(\.score) == [1.0 / 3, 1 - 1.0 / 3] && stored.scores.map(\.label) == ["angry", "calm"])
        #expect(stored.segments.count == 2 && stored.segments[1].endSeconds == 2 + 12.345 && stored.segments[0].stress == 0.1 + 0.2)
        #expect(stored.tags == ["a,b", "work"] && stored.path == "memo.m4a" && stored.recordedAtSource == "user" && stored.dominant == "calm")
        // Recorded at 23:30 at −05:00: that is the wall time the statistics use, whatever this machine's zone.
        #expect(stored.recordedLocal.description == "2026-03-01T23:30:00" && stored.recordedLocal.weekday == 7)
        #expect(stored.recordedAt == Date(timeIntervalSince1970: 1_772_425_800))  // 2026-03-02T04:30:00Z
        try journal.add(original, contentSHA256: "def", model: modelA, keepPath: false)
        #expect(try journal.recordings().contains { $0.contentSHA256 == "def" && $0.path == nil && $0.recordedAtSource == "added" })
    }

    @Test func addIsIdempotentPerContentAndModel() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try journal.add(analysis(stress: 0.5, speech: 10, angry: 0.5), contentSHA256: "same", model: modelA)
        #expect(try journal.add(analysis(stress: 0.9, speech: 10, angry: 0.5), contentSHA256: "same", model: modelA) == .alreadyPresent(first.id))
        #expect(try journal.recordings().map(\.stress) == [0.5])
        let replaced = try journal.add(analysis(stress: 0.9, speech: 10, angry: 0.5), contentSHA256: "same", model: modelA, replace: true)
        guard case .replaced = replaced else { Issue.record("expected .replaced, got \(replaced)"); return }
        #expect(try journal.recordings().map(\.stress) == [0.9] && journal.count() == 1)
        // Another model is another analysis; statistics take the latest of each recording.
        try journal.add(analysis(stress: 0.2, speech: 10, angry: 0.5), contentSHA256: "same", model: modelB)
        #expect(try journal.count() == 2)
        #expect(try journal.recordings(JournalFilter(latestPerContent: true)).map(\.model) == [modelB])
        #expect(try journal.recordingID(contentSHA256: "same", model: modelB) != nil && journal.recordingID(contentSHA256: "other", model: modelB) == nil)
    }

    @Test func removeAndTag() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ids = try (0..<3).map { try journal.add(analysis(stress: 0.5, speech: 10, angry: 0.5), contentSHA256: "c\($0)", model: modelA).id }
        try journal.tag(ids[0], "evening")
        #expect(try journal.recordings(JournalFilter(tag: "evening")).map(\.id) == [ids[0]])
        #expect(throws: VoiceEmotionError.journalRecordingNotFound(id: 999)) { try journal.tag(999, "x") }
        // An unknown id removes nothing.
        #expect(throws: VoiceEmotionError.journalRecordingNotFound(id: 999)) { try journal.remove([ids[1], 999]) }
        #expect(try journal.count() == 3)
        try journal.remove([ids[1]])
        #expect(try journal.recordings().map(\.id) == [ids[0], ids[2]])
        #expect(try journal.removeAll() == 2 && journal.count() == 0)
    }

    @Test func csvHasARowPerRecordingAndAColumnPerLabel() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        try fillSyntheticJournal(journal)
        try journal.add(analysis(stress: 0.4, speech: 5, angry: 0.5, file: "=HYPERLINK(\"x\"),evil.m4a"), contentSHA256: "odd", model: modelA)
        let csv = JournalExport.csv(try journal.recordings())
        let lines = csv.components(separatedBy: "\r\n").dropLast()
        #expect(lines.count == 27)
        #expect(lines.first == (JournalExport.csvColumns + ["angry", "calm"] + JournalExport.voiceColumnNames).joined(separator: ","))
        // A file name that looks like a formula is quoted and defused.
        #expect(lines.last?.contains("\"'=HYPERLINK(\"\"x\"\"),evil.m4a\"") == true)
        let monday = try #require(lines.dropFirst().first)
        #expect(monday.hasPrefix("1,2026-09-07T08:00:00,2026-09-07T07:00:00Z,user,memo-1.m4a,content-1,80,60,model-a,"))
        #expect(monday.hasSuffix(",0.7,angry,monday;work,0.6,0.4" + String(repeating: ",", count: JournalExport.voiceColumnNames.count)))
        let json = try JSONSerialization.jsonObject(with: Data(try JournalExport.json(try journal.recordings()).utf8)) as? [String: Any]
        let recordings = try #require(json?["recordings"] as? [[String: Any]])
        #expect(recordings.count == 26 && (recordings[0]["segments"] as? [Any])?.count == 2)
        #expect((recordings[0]["scores"] as? [String: Double]) == ["angry": 0.6, "calm": 0.4])
    }

    @Test func schemaIsCheckedOnOpen() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-schema-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // An empty file becomes a journal.
        let empty = folder.appendingPathComponent("empty.sqlite").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(try Journal(path: empty).count() == 0)
        // A file that is not SQLite is refused, and left alone.
        let text = folder.appendingPathComponent("notes.sqlite").path
        try Data("my notes, not a database\n".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: VoiceEmotionError.journalUnavailable(path: text, reason: "the file is not a journal (not an SQLite database)")) { try Journal(path: text) }
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "my notes, not a database\n")
        // A journal a newer version migrated further is refused, not changed.
        let future = folder.appendingPathComponent("future.sqlite").path
        try Journal(path: future).add(analysis(stress: 0.5, speech: 10, angry: 0.5), contentSHA256: "c", model: modelA)
        try sqlite(future, "INSERT INTO grdb_migrations (identifier) VALUES ('v2: from the future')")
        #expect(throws: VoiceEmotionError.journalFromNewerVersion(path: future, unknownMigrations: ["v2: from the future"])) { try Journal(path: future) }
    }

    @Test func threadsAddAtOnce() async throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let second = try Journal(path: journal.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask { try (i % 2 == 0 ? journal : second).add(analysis(stress: 0.5, speech: 10, angry: 0.5), contentSHA256: "t\(i)", model: modelA) }
            }
            try await group.waitForAll()
        }
        #expect(try journal.count() == 40 && journal.recordings().allSatisfy { $0.segments.count == 2 })
    }
}

/// Runs SQL (given on its standard input) with the sqlite3 program (the install script's `sqlite3`).
func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", "-batch", "-bail", path]
    let input = Pipe()
    process.standardInput = input
    try process.run()
    input.fileHandleForWriting.write(Data(sql.utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}

@Suite struct ReplacingTests {
    @Test func replacingKeepsTags() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try journal.add(analysis(stress: 0.5, speech: 10, angry: 0.5), contentSHA256: "c", model: modelA, tags: ["work"])
        try journal.tag(first.id, "monday")
        try journal.add(analysis(stress: 0.6, speech: 10, angry: 0.5), contentSHA256: "c", model: modelA, tags: ["new"], replace: true)
        #expect(try journal.recordings().map(\.tags) == [["monday", "new", "work"]])
    }
}

@Suite struct VoiceMarkerBaselineTests {
    /// A memo whose analysis carries voice markers.
    func memo(pitch: Double, loudness: Double, rate: Double? = nil, voiced: Double = 10) -> RecordingAnalysis {
        let a = analysis(stress: 0.3, speech: 20, angry: 0.2)
        var markers = ProsodySummary()
        markers.f0P50Semitones = pitch
        markers.intensityMeanDb = loudness
        markers.syllablesPerSecond = rate
        markers.voicedFraction = voiced / a.speechSeconds
        return RecordingAnalysis(file: a.file, durationSeconds: a.durationSeconds, speechSeconds: a.speechSeconds, segments: a.segments,
                                 scores: a.scores, dimensions: nil, dominant: a.dominant, stress: a.stress, timings: a.timings, prosody: markers)
    }

    @Test func latestMemoAgainstTheDaysBefore() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Days 1-5: pitch 20, 21, 22, 23, 24 st (median 22; deviations 2, 1, 0, 1, 2: MAD 1) and
        // loudness 70 dB every day (MAD 0, counted as the 0.5 dB floor), speech rate 3.8-4.2
        // syllables/s (median 4, MAD 0.1); day 6: 26 st, 71 dB and 4.8 syllables/s (20% faster).
        for (day, pitch) in [20.0, 21, 22, 23, 24].enumerated() {
            try journal.add(memo(pitch: pitch, loudness: 70, rate: [3.8, 3.9, 4.0, 4.1, 4.2][day]), contentSHA256: "m\(day)", model: modelA,
                            recordedAt: at("2026-09-0\(day + 1)T09:00:00Z"))
        }
        try journal.add(memo(pitch: 26, loudness: 71, rate: 4.8), contentSHA256: "latest", model: modelA, recordedAt: at("2026-09-06T09:00:00Z"))
        let stored = try journal.recordings()
        #expect(stored.last?.prosody?.f0P50Semitones == 26)
        let deviations = JournalSummary(stored).markerDeviations
        #expect(deviations.map(\.marker) == ["pitch", "loudness", "speech rate"])  // the others have no values
        #expect(deviations[0].baseline.median == 22 && deviations[0].baseline.mad == 1 && deviations[0].deviation == 4)
        #expect(deviations[1].baseline.mad == 0 && deviations[1].deviation == 2)
        #expect(deviations[0].sentence == "Pitch: much higher than usual for you: 26.00 semitones against your usual 22.00 semitones (+4.0 MAD)")
        #expect(deviations[1].sentence == "Loudness: higher than usual for you: 71.00 dB against your usual 70.00 dB (+2.0 MAD)")
        #expect(abs(deviations[2].deviation - 8) < 1e-9 && abs(deviations[2].percentChange! - 20) < 1e-9 && deviations[0].percentChange == nil)
        #expect(deviations[2].sentence
                == "Speaking speed (speech rate): much higher than usual for you: 4.80 syllables/s against your usual 4.00 syllables/s (+8.0 MAD), 20% faster")
        // With only four earlier memos there is no baseline yet.
        #expect(JournalSummary(Array(stored.dropFirst())).markerDeviations.isEmpty)
        #expect(try JournalDashboard.html(journal: journal).contains("Pitch: much higher than usual for you: 26.00 semitones against your usual 22.00 semitones (+4.0 MAD)"))
    }

    /// A 2.5 s clip used to get a full comparison ("pauses 0.00 per min: −4.1 MAD"); below
    /// `minimumVoicedSeconds` of voiced speech it is "too short to compare", and such memos are
    /// not in the baseline either.
    @Test func aShortMemoIsTooShortToCompare() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (day, pitch) in [20.0, 21, 22, 23, 24].enumerated() {
            try journal.add(memo(pitch: pitch, loudness: 70), contentSHA256: "m\(day)", model: modelA, recordedAt: at("2026-09-0\(day + 1)T09:00:00Z"))
        }
        try journal.add(memo(pitch: 30, loudness: 80, voiced: 2), contentSHA256: "short", model: modelA, recordedAt: at("2026-09-06T09:00:00Z"))
        let summary = JournalSummary(try journal.recordings())
        #expect(summary.markerDeviations.isEmpty && summary.latestMemoTooShortToCompare)
        #expect(try JournalDashboard.html(journal: journal).contains("Too short to compare"))
        // A short memo in the window leaves the baseline: four long ones are not enough.
        try journal.add(memo(pitch: 26, loudness: 70), contentSHA256: "long", model: modelA, recordedAt: at("2026-09-07T09:00:00Z"))
        try journal.remove([try journal.recordings().first!.id])
        #expect(JournalSummary(try journal.recordings()).markerDeviations.isEmpty)
        #expect(!JournalSummary(try journal.recordings()).latestMemoTooShortToCompare)
    }

    @Test func aFirstVersionJournalIsMigrated() throws {
        // A journal as the first version of the schema wrote it (v1 only), with one recording.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-v1-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("journal.sqlite").path
        try sqlite(path, try String(contentsOf: sourceFolder.appendingPathComponent("Fixtures/journal_v1.sql"), encoding: .utf8))
        let journal = try Journal(path: path)
        let stored = try journal.recordings()
        #expect(stored.count == 1 && stored[0].prosody == nil && stored[0].stress == 0.5 && stored[0].tags == ["old"])
        try journal.add(memo(pitch: 22, loudness: 70), contentSHA256: "new", model: modelA)
        #expect(try journal.recordings().last?.prosody?.intensityMeanDb == 70)
    }
}
