// What the summary must never do: pool two models' stress, hide that a date was guessed from the
// file time, or print float noise. Each test failed before the change it covers.

import Foundation
import TestSupport
import Testing
import VoiceEmotion
import VoiceEmotionJournal

/// An analysis dated as the file's modification time says (no date tag).
func fileTimed(_ stress: Double, _ text: String) -> RecordingAnalysis {
    let a = analysis(stress: stress, speech: 30, angry: 0.2)
    return RecordingAnalysis(file: "copied.opus", recordedAt: RecordingTime(iso8601: text, source: .fileTime, tag: nil), durationSeconds: a.durationSeconds,
                             speechSeconds: a.speechSeconds, segments: a.segments, scores: a.scores, dimensions: nil, dominant: a.dominant,
                             stress: a.stress, timings: a.timings)
}

@Suite struct ModelSeparationTests {
    /// Memos of two models: the summary takes the model added last and counts the others.
    @Test func oneModelPerSummary() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        for i in 0..<4 {
            try journal.add(analysis(stress: 0.8, speech: 30, angry: 0.7), contentSHA256: "a\(i)", model: modelA, recordedAt: at("2026-09-0\(i + 1)T09:00:00Z"))
        }
        for i in 0..<3 {
            try journal.add(analysis(stress: 0.2, speech: 30, angry: 0.1), contentSHA256: "b\(i)", model: modelB, recordedAt: at("2026-09-0\(i + 1)T10:00:00Z"))
        }
        let all = try journal.recordings()
        let latest = JournalSummary(all)
        #expect(latest.model == modelB && latest.recordings.count == 3 && latest.leftOut == [ModelCount(model: modelA, count: 4)])
        #expect(latest.days.allSatisfy { $0.meanStress == 0.2 })  // never the pooled 0.2 and 0.8
        let chosen = JournalSummary(all, options: JournalSummaryOptions(model: modelA))
        #expect(chosen.recordings.count == 4 && chosen.leftOut.map(\.count) == [3])
        #expect(ModelIdentity.find("model-a", among: [modelA, modelB]) == modelA)
        #expect(ModelIdentity.find(String(repeating: "b", count: 10), among: [modelA, modelB]) == modelB)
        #expect(ModelIdentity.find("bbb", among: [modelA, modelB]) == nil)
        let json = try JournalExport.summaryJSON(latest)
        #expect(json.contains(#""model":{"name":"model-b""#) && json.contains(#""left_out":[{"model":{"name":"model-a""#))
    }
}

@Suite struct DateProvenanceTests {
    /// Memos dated by file time are counted, marked, can be kept out of the grid (a journal
    /// setting), and can be given their real time.
    @Test func fileTimesAreCountedMarkedAndFixable() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Three Saturday-evening memos by file time (all copied at once), three tagged Monday mornings.
        for i in 0..<3 { try journal.add(fileTimed(0.9, "2026-09-12T20:0\(i):00Z"), contentSHA256: "copied\(i)", model: modelA) }
        for (i, day) in ["07", "14", "21"].enumerated() {
            try journal.add(analysis(stress: 0.3, speech: 30, angry: 0.2), contentSHA256: "tagged\(i)", model: modelA, recordedAt: at("2026-09-\(day)T09:00:00+02:00"))
        }
        let recordings = try journal.recordings()
        #expect(recordings.filter(\.isDatedByFileTime).map(\.recordedAtSource) == ["file_time", "file_time", "file_time"])
        let counted = JournalSummary(recordings)
        #expect(counted.fileTimeCount == 3 && counted.fileTimesInGrid && counted.grid.reduce(0) { $0 + $1.count } == 6)
        #expect(try journal.settings().fileTimesInGrid)
        try journal.save(JournalSettings(fileTimesInGrid: false))
        #expect(try journal.settings() == JournalSettings(fileTimesInGrid: false))
        let excluded = JournalSummary(recordings, options: JournalSummaryOptions(fileTimesInGrid: false))
        #expect(excluded.grid.reduce(0) { $0 + $1.count } == 3 && excluded.days.count == 4)  // days still count them
        #expect(excluded.peak.cell?.name == "Monday mornings")
        let page = try JournalDashboard.html(journal: journal)
        #expect(page.contains("3 memos had no date tag and are dated by file time (marked ~)") && page.contains("not counted in the weekday grid"))
        #expect(page.contains("copied.opus"))  // the file name is in the memo table
        let export = JournalExport.csv(recordings)
        #expect(export.contains(",file_time,"))
        // Fixing one: its source becomes "user" and it leaves the count.
        let first = recordings.first { $0.isDatedByFileTime }!
        try journal.setRecordedAt(first.id, at("2026-09-10T07:30:00+02:00"))
        let fixed = try journal.recordings(ids: [first.id])[0]
        #expect(fixed.recordedAtSource == "user" && fixed.recordedLocal.description == "2026-09-10T07:30:00")
        #expect(JournalSummary(try journal.recordings()).fileTimeCount == 2)
        #expect(throws: VoiceEmotionError.journalRecordingNotFound(id: 999)) { try journal.setRecordedAt(999, at("2026-09-10T07:30:00Z")) }
    }
}

@Suite struct MachineOutputTests {
    /// The journal's JSON and CSV round like `analyze` (6 decimals) instead of printing
    /// `0.29660000000000003`; the CSV carries the voice markers.
    @Test func numbersAreRoundedAndMarkersExported() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = analysis(stress: 0.1 + 0.19660000000000003, speech: 30.123456789, angry: 0.2)
        var markers = ProsodySummary()
        markers.hnrDb = 12.3456789
        let withMarkers = RecordingAnalysis(file: a.file, durationSeconds: a.durationSeconds, speechSeconds: a.speechSeconds, segments: a.segments,
                                            scores: a.scores, dimensions: nil, dominant: a.dominant, stress: a.stress, timings: a.timings, prosody: markers)
        try journal.add(withMarkers, contentSHA256: "noisy", model: modelA, recordedAt: at("2026-09-07T09:00:00Z"))
        let recordings = try journal.recordings()
        #expect(recordings[0].stress == 0.1 + 0.19660000000000003)  // stored exactly
        let json = try JournalExport.json(recordings)
        #expect(json.contains(#""stress":0.2966,"#) && json.contains(#""speech_s":30.123457"#) && !json.contains("0000000"))
        let summary = try JournalExport.summaryJSON(JournalSummary(recordings))
        #expect(summary.contains(#""mean_stress":0.2966"#) && !summary.contains("0000000"))
        let csv = JournalExport.csv(recordings).split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let hnr = try #require(csv[0].firstIndex(of: "voice_hnr_db"))
        #expect(csv[1][hnr] == "12.345679" && csv[1][csv[0].firstIndex(of: "stress")!] == "0.2966")
        #expect(csv[0].contains("voice_f0_p50_semitones") && csv[0].contains("voice_syllables_per_s"))
    }

    /// Cells starting with a tab or a carriage return are defused like =, +, - and @ (OWASP).
    @Test func tabAndCarriageReturnCellsAreDefused() {
        #expect(JournalExport.field("\tcmd|' /C calc'!A0") == "'\tcmd|' /C calc'!A0")
        #expect(JournalExport.field("\r=1+1") == "\"'\r=1+1\"")
        #expect(JournalExport.field("-0.5") == "-0.5" && JournalExport.field("memo.m4a") == "memo.m4a")
    }

    @Test func plainWordsHaveNoNegativeZeroAndAgreeInNumber() {
        #expect(PlainWords.number(-0.0001) == "0.00" && PlainWords.signed(-0.04, digits: 1) == "0.0" && PlainWords.signed(-0.06, digits: 1) == "−0.1")
        #expect(PlainWords.count(1, "memo") == "1 memo" && PlainWords.count(2, "memo") == "2 memos" && PlainWords.count(0, "segment") == "0 segments")
        #expect(PlainWords.comparedWithUsual(0.4) == "about as usual for you" && PlainWords.comparedWithUsual(-2.5) == "lower than usual for you")
        #expect(PlainWords.comparedWithUsual(5.7) == "much higher than usual for you")
        #expect(PlainWords.change(0.29, from: 0.29, period: "the 7 days before") == "the same as the 7 days before")
        #expect(PlainWords.change(0.35, from: 0.29, period: "the 7 days before") == "up 0.06 on the 7 days before")
    }
}

@Suite struct ForeignAndReadOnlyTests {
    /// `journal list --journal notes.db` (another app's SQLite file) used to switch it to WAL and
    /// add six tables. It is refused, byte for byte unchanged, opened to write or to read.
    @Test func anotherProgramsDatabaseIsRefusedUnchanged() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let notes = folder.appendingPathComponent("notes.db").path
        try sqlite(notes, "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO note (body) VALUES ('buy milk');")
        let before = try Data(contentsOf: URL(fileURLWithPath: notes))
        for readOnly in [false, true] {
            #expect(throws: VoiceEmotionError.journalUnavailable(
                path: notes, reason: "the file is an SQLite database of another program (tables note), not a journal; it was left unchanged")) {
                try Journal(path: notes, readOnly: readOnly)
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: notes)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.db"])  // no -wal, no -shm
    }

    /// Reading creates nothing and changes nothing; a missing journal reads as empty.
    @Test func readingChangesNothing() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        try journal.add(analysis(stress: 0.3, speech: 30, angry: 0.2), contentSHA256: "one", model: modelA, recordedAt: at("2026-09-07T09:00:00Z"))
        let missing = folder.appendingPathComponent("nothing/here.sqlite").path
        let empty = try Journal(path: missing, readOnly: true)
        #expect(try empty.count() == 0 && empty.isReadOnly && !FileManager.default.fileExists(atPath: missing))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("nothing").path))
        let reader = try Journal(path: journal.path, readOnly: true)
        #expect(try reader.recordings().count == 1 && (try reader.settings()) == JournalSettings())
        #expect(throws: VoiceEmotionError.self) { try reader.tag(1, "nope") }
        #expect(try journal.recordings()[0].tags.isEmpty)
    }
}

@Suite struct OtherModelFamilyTests {
    /// A model that is not Wav2Vec2, loaded without a folder: the journal adds its memos under
    /// the identity it is given, and refuses it without one.
    @Test func theJournalTakesAnyEmotionModel() async throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let analyzer = try EmotionAnalyzer(model: FakeEmotionModel())
        let memo = FakeHub.repository.appendingPathComponent("Tests/SileroVADTests/Fixtures/speech_8k.flac").path
        await #expect(throws: VoiceEmotionError.self) { try await journal.add(file: memo, analyzer: analyzer) }
        let identity = ModelIdentity(name: "loudness", sha256: String(repeating: "f", count: 64))
        let outcome = try await journal.add(file: memo, analyzer: analyzer, model: identity)
        #expect(outcome == .added(1))
        #expect(try await journal.add(file: memo, analyzer: analyzer, model: identity) == .alreadyPresent(1))
        let stored = try journal.recordings()
        #expect(stored.count == 1 && stored[0].model == identity && stored[0].scores.map(\.label) == ["calm", "angry"])
    }
}

@Suite struct IngestTests {
    /// The one ingest loop: folders expanded, a bad file reported while the others are added, a
    /// known memo skipped without analysis, progress rising to 1, and a stop between memos.
    @Test func addFilesWithProgressAndStop() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixtures = FakeHub.repository.appendingPathComponent("Tests/SileroVADTests/Fixtures").path
        let files = Journal.audioFiles(in: [fixtures, "/no/such/memo.wav"])
        #expect(files.count == 6 && files.first == fixtures + "/clipped_16k.flac" && files.last == "/no/such/memo.wav")
        let analyzer = try EmotionAnalyzer(model: FakeEmotionModel())
        let identity = ModelIdentity(name: "loudness", sha256: String(repeating: "f", count: 64))
        var fractions: [Double] = []
        var seen: [String] = []
        let results = try journal.add(files: files, analyzer: analyzer, model: identity, progress: { fractions.append($0.fraction); return true },
                                      each: { seen.append($0.file) })
        #expect(results.map(\.file) == files && seen == files)
        #expect(results.filter { if case .success(.added) = $0.outcome { return true } else { return false } }.count == 5)
        #expect(results.last.map { if case .failure(.fileNotFound("/no/such/memo.wav")) = $0.outcome { return true } else { return false } } == true)
        #expect(fractions == fractions.sorted() && (fractions.last ?? 0) > 0.8)
        // Again: every memo is known, none is analysed; a stop after two memos ends it there.
        var asked = 0
        let again = try journal.add(files: files, analyzer: analyzer, model: identity, shouldStop: { asked += 1; return asked > 2 })
        #expect(again.count == 2 && again.allSatisfy { if case .success(.alreadyPresent) = $0.outcome { return $0.analysis == nil } else { return false } })
        // A progress handler that says stop cancels the memo being analysed: it is not added.
        try journal.removeAll()
        let cancelled = try journal.add(files: [files[0]], analyzer: analyzer, model: identity, progress: { $0.fraction < 0.1 })
        #expect(cancelled.count == 1 && { if case .failure(.cancelled) = cancelled[0].outcome { return true } else { return false } }())
        #expect(try journal.count() == 0)
    }
}

@Suite struct DamagedRowTests {
    /// A column that does not decode (a damaged or hand-edited journal) is an error naming the
    /// row; it used to be dropped silently (a memo without its voice markers or scores).
    @Test func undecodableColumnsNameTheirRow() throws {
        for (column, what) in [("prosody", "voice markers"), ("scores", "scores"), ("options", "analysis settings")] {
            let (journal, folder) = try temporaryJournal()
            defer { try? FileManager.default.removeItem(at: folder) }
            try journal.add(analysis(stress: 0.3, speech: 30, angry: 0.2), contentSHA256: "one", model: modelA, recordedAt: at("2026-09-07T09:00:00Z"))
            let damaged = journal.path
            try sqlite(damaged, "UPDATE recording SET \(column) = 'not json' WHERE id = 1;")
            #expect(throws: VoiceEmotionError.journalUnavailable(path: damaged, reason: "recording 1: its \(what) cannot be read ('not json')")) {
                try Journal(path: damaged, readOnly: true).recordings()
            }
        }
    }
}
