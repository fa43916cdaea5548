// Uses VoiceEmotion the way an app does, with `import VoiceEmotion` (and VoiceEmotionJournal for
// the journal): the bundled VAD with no path, then EmotionAnalyzer with a model folder (here the
// small test fixture model), the model store, the journal, then the README's example verbatim.
// Exits non-zero if anything is off.

import Foundation
import ModelStore  // the VoiceEmotionModels product
import VoiceEmotion
import VoiceEmotionJournal

let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let sample = repository.appendingPathComponent("Docs/Samples/voice-memo.flac").path
let model = repository.appendingPathComponent("Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr")

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("consumer: FAILED: \(message)\n".utf8))
    exit(1)
}

/// The README's library example, kept compiling here (with the sample instead of "memo.wav").
func readmeExample(modelFolder: URL, file memo: String) async throws {
    let analyzer = try EmotionAnalyzer(modelFolder: modelFolder)      // load once, share (Sendable)
    let report = try await analyzer.analyze(file: memo) { progress in
        print(progress.stage, progress.fraction)                        // for long recordings
    }
    for segment in report.segments {
        print(segment.startSeconds, segment.endSeconds, segment.dominant?.name ?? "-", segment.stress ?? 0)
    }
    print(report.dominant?.name ?? "no speech", report.stress ?? 0, report.speechRatio)
}

do {
    // 1. VAD through the bundled weights resource: no path anywhere; VAD options by name.
    var options = EmotionAnalyzerOptions()
    options.speech.minSilenceDurationMs = 100
    let speech = try EmotionAnalyzer(options: options).detectSpeech(file: sample)
    guard !speech.segments.isEmpty else { fail("no speech segments in the sample") }
    print("consumer: VAD found \(speech.segments.count) segments, \(String(format: "%.1f", speech.speechSeconds)) s of speech")

    // 2. EmotionAnalyzer with a model folder; errors are one typed vocabulary.
    let analyzer = try EmotionAnalyzer(modelFolder: model)
    let result = try await analyzer.analyze(file: sample)
    guard let stress = result.stress, let dominant = result.dominant, result.segments.count == speech.segments.count else {
        fail("incomplete analysis")
    }
    print("consumer: dominant \(dominant), stress \(String(format: "%.2f", stress)) over \(result.segments.count) segments")
    do {
        _ = try await analyzer.analyze(file: "/no/such/memo.m4a")
        fail("a missing file did not fail")
    } catch VoiceEmotionError.fileNotFound(let path) {
        print("consumer: missing file reported as fileNotFound(\(path))")
    }
    // 3. The model store, through its own product (VoiceEmotionModels): a store in a scratch folder,
    // nothing installed, the catalogue's default, and a name it refuses with a typed error.
    let store = ModelStore(folder: URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("consumer-models-\(UUID())"))
    guard store.installed().isEmpty, store.preferred() == nil, CatalogModel.named(CatalogModel.defaultName) != nil else {
        fail("model store")
    }
    do {
        _ = try await store.pull("not a model")
        fail("a bad model name did not fail")
    } catch VoiceEmotionError.unknownModel(let name, _) {
        print("consumer: model store refused '\(name)'")
    }
    // 4. The journal: the analysis kept in a scratch journal file, summarised, and the page.
    let journalFolder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("consumer-journal-\(UUID())")
    defer { try? FileManager.default.removeItem(at: journalFolder) }
    let journal = try Journal(path: journalFolder.appendingPathComponent("journal.sqlite").path)
    let added = try await journal.add(file: sample, analyzer: analyzer, tags: ["consumer"])
    guard case .added = added, case .alreadyPresent = try await journal.add(file: sample, analyzer: analyzer) else { fail("journal add") }
    let summary = JournalSummary(try journal.recordings())
    guard summary.recordings.count == 1, summary.peak.verdict == .notEnoughData,
          try JournalDashboard.html(journal: journal).contains("<svg id=\"timeline\"") else { fail("journal summary or dashboard") }
    print("consumer: journal kept the memo (id \(added.id)); \(summary.peak.sentence.prefix(40))...")
    // 5. The README example.
    try await readmeExample(modelFolder: model, file: sample)
    print("consumer: OK")
} catch {
    fail("\(error)")
}
