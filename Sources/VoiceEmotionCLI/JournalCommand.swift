// `voice-emotion journal add|list|summary|export|remove|tag`: the stress journal, memos over weeks.

import ArgumentParser
import Foundation
import ModelStore
import StrictJSON
import VoiceEmotion
import VoiceEmotionJournal

/// `--journal PATH`, shared by every journal subcommand and `dashboard`.
struct JournalLocation: ParsableArguments {
    @Option(name: .customLong("journal"), help: "The journal file (default: $VOICE_EMOTION_JOURNAL, else ~/.local/share/voice-emotion/journal.sqlite).")
    var path: String?

    /// Opens the journal (`readOnly` for commands that only read it: nothing is created or
    /// changed), or prints the error and exits 1.
    func open(readOnly: Bool = false) throws -> Journal {
        do { return try Journal(path: path ?? Journal.defaultPath, readOnly: readOnly) } catch {
            printError("error: \(shellText(error))")
            throw ExitCode.failure
        }
    }
}

/// `--model` and `--[no-]file-times-in-grid`, shared by `journal summary` and `dashboard`.
struct SummaryChoice: ParsableArguments {
    @Option(help: "Summarise the memos of this model (its name as journal list shows it; default: the model of the memo added last).")
    var model: String?

    @Flag(inversion: .prefixedNo, help: "Count memos dated by file time (no date tag) in the weekday grid (default: the journal's setting, see journal settings).")
    var fileTimesInGrid: Bool?

    /// The summary options for `recordings` of `journal`; an unknown model name lists the known ones.
    func options(_ journal: Journal, _ recordings: [JournalRecording]) throws -> JournalSummaryOptions {
        var chosen: ModelIdentity?
        if let model {
            let known = Array(Set(recordings.map(\.model))).sorted { $0.name < $1.name }
            guard let match = ModelIdentity.find(model, among: known) else {
                let names = known.map { "\($0.name) (\($0.sha256.prefix(12)))" }.joined(separator: ", ")
                throw ValidationError("--model \(model): no memo in the journal was analysed with it. Models in the journal: \(names.isEmpty ? "none" : names).")
            }
            chosen = match
        }
        return JournalSummaryOptions(model: chosen, fileTimesInGrid: try fileTimesInGrid ?? catching { try journal.settings().fileTimesInGrid })
    }
}

/// `--since`/`--until` dates in the recordings' local time.
func parseDay(_ text: String?, flag: String) throws -> LocalTime? {
    guard let text else { return nil }
    guard let time = LocalTime(parsing: text) else { throw ValidationError("\(flag) \(text): give a date as YYYY-MM-DD (or YYYY-MM-DDTHH:MM).") }
    return time
}

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Keep analysed memos over days and weeks (results only, never audio) and compare them with your own usual level.",
        subcommands: [Add.self, List.self, Summary.self, Export.self, Remove.self, Tag.self, DateCommand.self, Settings.self])

    /// Where a memo's date came from, in words: "recorded 2026-11-23 08:15, from its date tag (DATE)".
    static func provenance(_ r: JournalRecording) -> String {
        let when = "recorded " + String(r.recordedLocal.description.prefix(16)).replacingOccurrences(of: "T", with: " ")
        switch r.recordedAtSource {
        case "metadata": return when + ", from its date tag"
        case "user": return when + ", as you set it"
        case "file_time": return when + ", from the file's modification time (no date tag)\n"
            + "  if that is when it was copied, fix it: voice-emotion journal date \(r.id) YYYY-MM-DDTHH:MM"
        default: return when + ", when it was added (no date found)\n"
            + "  fix it: voice-emotion journal date \(r.id) YYYY-MM-DDTHH:MM"
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse memos and add their results to the journal.",
            discussion: """
                Files or folders (searched recursively for audio files). A memo already in the journal with the same \
                model is skipped without analysing it again (--force replaces it). One failure is reported and the \
                others continue; Ctrl-C stops after the memo being analysed (the journal stays consistent).
                """)

        @Argument(help: "Audio files or folders.")
        var paths: [String]

        @Option(name: .customLong("tag"), help: "A tag for every memo added (repeatable): --tag work --tag monday.")
        var tags: [String] = []

        @Option(name: .customLong("recorded-at"), help: "When the memos were recorded (ISO 8601, e.g. 2026-11-23T08:15:00+01:00), instead of their metadata or file time.")
        var recordedAt: String?

        @Option(name: .customLong("model"), help: "Emotion model: a folder or an installed model's name (default: as analyze).")
        var model: String?

        @Flag(help: "Analyse again and replace memos already in the journal.")
        var force = false

        @Flag(name: .customLong("no-paths"), help: "Do not store the files' paths (only their checksums).")
        var noPaths = false

        @OptionGroup var journal: JournalLocation

        func validate() throws {
            if paths.isEmpty { throw ValidationError("Give at least one audio file or folder.") }
            if paths.contains("-") { throw ValidationError("journal add reads files, not standard input: save the memo first.") }
            if let recordedAt, RecordingTime(iso8601: recordedAt, source: .metadata, tag: "user") == nil {
                throw ValidationError("--recorded-at \(recordedAt): give an ISO 8601 time, e.g. 2026-11-23T08:15:00+01:00.")
            }
            for tag in tags where tag.trimmingCharacters(in: .whitespaces).isEmpty || tag.count > 64 {
                throw ValidationError("--tag '\(tag)': a tag needs 1...64 characters.")
            }
        }

        func run() throws {
            let journal = try journal.open()
            guard let folder = try AnalyzeCommand.resolveModel(model) else {
                printError("""
                    error: the journal keeps emotions and stress, which need an emotion model. Either
                      give a model folder you have:   --model DIR   (config.json, preprocessor_config.json, model.safetensors)
                      or download one:               voice-emotion models pull \(CatalogModel.defaultName)   (about 1.3 GB)
                    """)
                throw ExitCode.failure
            }
            let analyzer: EmotionAnalyzer
            let identity: ModelIdentity
            do {
                var options = EmotionAnalyzerOptions()
                options.prosody = true  // the journal keeps the voice markers too, for the baseline
                analyzer = try EmotionAnalyzer(modelFolder: folder, options: options)
                identity = try journal.modelIdentity(folder: folder)
            } catch {
                printError("error: model \(folder): \(shellText(error))")
                throw ExitCode.failure
            }
            let time = recordedAt.flatMap { RecordingTime(iso8601: $0, source: .metadata, tag: "user") }
            let files = Journal.audioFiles(in: paths)
            if files.isEmpty {
                printError("error: no audio files in \(paths.joined(separator: ", "))")
                throw ExitCode.failure
            }
            // The library's ingest loop; this prints as it goes.
            let interrupt = InterruptFlag()
            let bar = ProgressBar(label: "journal")
            var (added, skipped, failed) = (0, 0, 0)
            try catching {
                try journal.add(files: files, analyzer: analyzer, model: identity, tags: tags, recordedAt: time, keepPath: !noPaths, replace: force,
                                progress: { update in
                                    bar.update(update.fraction, stage: "\(update.index + 1)/\(update.count) \(URL(fileURLWithPath: update.file).lastPathComponent)")
                                },
                                shouldStop: { interrupt.raised }) { result in
                    bar.finish()
                    switch result.outcome {
                    case .success(.alreadyPresent(let id)):
                        print("already in the journal (id \(id)): \(result.file)")
                        skipped += 1
                    case .success(let outcome):
                        let stress = result.analysis?.stress.map { String(format: "stress %.2f", $0) } ?? "no speech"
                        let verb = if case .replaced = outcome { "replaced" } else { "added" }
                        print("\(verb) id \(outcome.id): \(result.file) (\(stress)\(result.analysis?.dominant.map { ", \($0.name)" } ?? ""))")
                        if let stored = try? journal.recordings(ids: [outcome.id]).first { print("  " + JournalCommand.provenance(stored)) }
                        added += 1
                    case .failure(let error):
                        var message = shellText(error)
                        if !message.hasPrefix(result.file) { message = "\(result.file): \(message)" }
                        printError("error: \(message)")
                        failed += 1
                    }
                }
            }
            bar.finish()
            let total = "\(added) added, \(skipped) already there" + (failed > 0 ? ", \(failed) failed" : "")
            if interrupt.raised {
                printError("interrupted after \(added + skipped + failed) of \(files.count) files (\(total)); the journal is consistent")
                throw ExitCode(130)
            }
            if files.count > 1 { printError(total) }
            if failed > 0 { throw ExitCode.failure }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the recordings in the journal.")

        @Option(help: "Only memos recorded on or after this day (YYYY-MM-DD).") var since: String?
        @Option(help: "Only memos recorded before this day (YYYY-MM-DD).") var until: String?
        @Option(help: "Only memos with this tag.") var tag: String?
        @Flag(help: "Print JSON (recordings with their segments).") var json = false
        @OptionGroup var journal: JournalLocation

        func validate() throws {
            _ = try parseDay(since, flag: "--since")
            _ = try parseDay(until, flag: "--until")
        }

        func run() throws {
            let journal = try journal.open(readOnly: true)
            let recordings = try catching { try journal.recordings(JournalFilter(since: parseDay(since, flag: "--since"), until: parseDay(until, flag: "--until"), tag: tag, includeSegments: json)) }
            if json {
                print(try JournalExport.json(recordings))
                return
            }
            if recordings.isEmpty {
                print("The journal is empty\(since != nil || until != nil || tag != nil ? " for this selection" : ""). Add memos: voice-emotion journal add ~/Memos")
                return
            }
            print("   id  recorded           length  speech  stress  emotion    tags / file")
            for r in recordings {
                let stress = r.stress.map { String(format: "%.2f", $0) } ?? "-"
                let details = (r.tags.isEmpty ? "" : "[" + r.tags.joined(separator: ", ") + "] ") + (r.path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "")
                // '~': dated by file time (no date tag), which may be when the file was copied.
                let recorded = String(r.recordedLocal.description.prefix(16)).replacingOccurrences(of: "T", with: " ") + (r.isDatedByFileTime ? "~" : " ")
                print(String(format: "%5lld  ", r.id) + recorded + String(format: "  %6.1f  %6.1f  ", r.durationSeconds, r.speechSeconds)
                      + stress.leftPadded(to: 6) + "  " + (r.dominant ?? "-").padding(toLength: max(9, (r.dominant ?? "-").count), withPad: " ", startingAt: 0)
                      + "  " + details)
            }
            let guessed = recordings.filter(\.isDatedByFileTime).count
            if guessed > 0 {
                print("~ \(PlainWords.count(guessed, "memo")) dated by file time (no date tag): maybe when copied, not recorded")
                print("  fix one with: voice-emotion journal date ID YYYY-MM-DDTHH:MM")
            }
        }
    }

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Days, weeks, your baseline, and when your stress is highest, in numbers and words.",
            discussion: "The stress index is a heuristic from an emotion model, not a clinical measure.")

        @Option(help: "Only memos recorded on or after this day (YYYY-MM-DD).") var since: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var choice: SummaryChoice
        @OptionGroup var journal: JournalLocation

        func validate() throws { _ = try parseDay(since, flag: "--since") }

        func run() throws {
            let journal = try journal.open(readOnly: true)
            let recordings = try catching {
                try journal.recordings(JournalFilter(since: parseDay(since, flag: "--since"), includeSegments: false))
            }
            let summary = JournalSummary(recordings, options: try choice.options(journal, recordings))
            if json {
                print(try JournalExport.summaryJSON(summary))
                return
            }
            print(JournalReport.text(summary))
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every recording: CSV (one row per recording, scores as columns) or JSON (with segments).")

        enum Format: String, ExpressibleByArgument { case csv, json }

        @Option(help: "csv or json.") var format: Format
        @Option(help: "Write to this file instead of standard output.") var out: String?
        @OptionGroup var journal: JournalLocation

        func run() throws {
            let journal = try journal.open(readOnly: true)
            let recordings = try catching { try journal.recordings(JournalFilter(includeSegments: format == .json)) }
            let text = format == .csv ? JournalExport.csv(recordings) : try JournalExport.json(recordings) + "\n"
            guard let out else {
                writeStandardOutput(text)
                return
            }
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                printError("error: \(out): cannot write: \(error.localizedDescription)")
                throw ExitCode.failure
            }
            printError("exported \(recordings.count) recordings to \(out)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove recordings by id, or all of them.")

        @Argument(help: "Recording ids (journal list shows them).") var ids: [Int64] = []
        @Flag(help: "Remove every recording.") var all = false
        @OptionGroup var journal: JournalLocation

        func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("Give recording ids, or --all.") }
        }

        func run() throws {
            let journal = try journal.open()
            if all {
                let count = try catching { try journal.removeAll() }
                print("removed all \(count) recordings")
            } else {
                try catching { try journal.remove(ids) }
                print("removed \(ids.count) \(ids.count == 1 ? "recording" : "recordings")")
            }
        }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tag a recording.")

        @Argument(help: "The recording's id.") var id: Int64
        @Argument(help: "The tag.") var tag: String
        @OptionGroup var journal: JournalLocation

        func run() throws {
            let journal = try journal.open()
            try catching { try journal.tag(id, tag) }
            print("tagged \(id) '\(tag.trimmingCharacters(in: .whitespacesAndNewlines))'")
        }
    }
}

extension JournalCommand {
    struct DateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "date",
            abstract: "Set when a memo was recorded (e.g. one dated by file time, which may be when it was copied).")

        @Argument(help: "The recording's id (journal list shows it).") var id: Int64
        @Argument(help: "When it was recorded, ISO 8601: 2026-11-23T08:15:00+01:00 (without a zone: this machine's).") var time: String
        @OptionGroup var journal: JournalLocation

        func validate() throws {
            if RecordingTime(iso8601: time, source: .metadata, tag: "user") == nil {
                throw ValidationError("\(time): give an ISO 8601 time, e.g. 2026-11-23T08:15:00+01:00.")
            }
        }

        func run() throws {
            let journal = try journal.open()
            let recorded = RecordingTime(iso8601: time, source: .metadata, tag: "user")!
            try catching { try journal.setRecordedAt(id, recorded) }
            print("recording \(id) now recorded at \(LocalTime(recorded).description.replacingOccurrences(of: "T", with: " ")) (set by you)")
        }
    }

    struct Settings: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or change the journal's settings.")

        @Option(name: .customLong("file-times-in-grid"), help: "yes or no: count memos dated by file time in the weekday grid and the peak answer.")
        var fileTimesInGrid: YesNo?
        @OptionGroup var journal: JournalLocation

        enum YesNo: String, ExpressibleByArgument { case yes, no }

        func run() throws {
            let journal = try journal.open()
            var settings = try catching { try journal.settings() }
            if let fileTimesInGrid {
                settings.fileTimesInGrid = fileTimesInGrid == .yes
                try catching { try journal.save(settings) }
            }
            print("file-times-in-grid: \(settings.fileTimesInGrid ? "yes" : "no")  (memos dated by file time \(settings.fileTimesInGrid ? "count" : "do not count") in the weekday grid)")
        }
    }
}

/// Runs `body`; a library error is printed as one line and exits 1.
func catching<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ValidationError { throw error } catch {
        printError("error: \(shellText(error))")
        throw ExitCode.failure
    }
}

/// Set by the first Ctrl-C (SIGINT); a second one ends the process at once.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            let second = lock.withLock { () -> Bool in
                defer { value = true }
                return value
            }
            if second { exit(130) }
            printError("\nstopping after this memo (Ctrl-C again to stop now)")
        }
        source.resume()
    }

    var raised: Bool { lock.withLock { value } }
}
