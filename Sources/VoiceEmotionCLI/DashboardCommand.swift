// `voice-emotion dashboard`: the journal as one self-contained HTML page.

import ArgumentParser
import Foundation
import VoiceEmotionJournal

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Write the journal as one self-contained HTML page (no network access; open it in any browser, print it on A4).")

    @Option(help: "The HTML file to write.") var out: String = "voice-emotion-dashboard.html"
    @Option(help: "Only memos recorded on or after this day (YYYY-MM-DD).") var since: String?
    @OptionGroup var choice: SummaryChoice
    @OptionGroup var journal: JournalLocation

    func validate() throws { _ = try parseDay(since, flag: "--since") }

    func run() throws {
        let journal = try journal.open(readOnly: true)
        let since = try parseDay(since, flag: "--since")
        let recordings = try catching { try journal.recordings(JournalFilter(since: since, includeSegments: false)) }
        let summaryOptions = try choice.options(journal, recordings)
        let options = DashboardOptions(model: summaryOptions.model, fileTimesInGrid: summaryOptions.fileTimesInGrid)
        let page = try catching { try JournalDashboard.html(journal: journal, since: since, options: options) }
        do { try Data(page.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            printError("error: \(out): cannot write: \(error.localizedDescription)")
            throw ExitCode.failure
        }
        print(URL(fileURLWithPath: out).standardizedFileURL.path)
    }
}
