// The dashboard: one self-contained HTML page (no network request of any kind: styles, script
// and charts are inline), built with Plot; readable without JavaScript, printable on A4.

import Foundation
import Plot

/// What the dashboard shows and how much of it.
public struct DashboardOptions: Sendable {
    /// "Today", for "the last 7 days" (default: now, in this machine's time zone).
    public var today: LocalTime
    /// The memo table lists at most this many memos, the most recent first.
    public var maximumListedMemos: Int
    /// With more memos than this, the timeline shows daily means instead of one dot per memo.
    public var maximumTimelinePoints: Int

    /// The model whose memos are shown (nil: the model of the memo added last).
    public var model: ModelIdentity?
    /// Whether memos dated by file time count in the weekday grid (nil: the journal's setting).
    public var fileTimesInGrid: Bool?

    /// The defaults: today, 200 memos in the table, 1500 dots, the latest model, the journal's setting.
    public init(today: LocalTime = LocalTime(Date(), in: .current), maximumListedMemos: Int = 200, maximumTimelinePoints: Int = 1500,
                model: ModelIdentity? = nil, fileTimesInGrid: Bool? = nil) {
        self.today = today
        self.maximumListedMemos = maximumListedMemos
        self.maximumTimelinePoints = maximumTimelinePoints
        self.model = model
        self.fileTimesInGrid = fileTimesInGrid
    }
}

/// Renders a journal as one HTML page.
public enum JournalDashboard {
    /// The page for the journal's recordings (from `since`, if given).
    public static func html(journal: Journal, since: LocalTime? = nil, options: DashboardOptions = DashboardOptions()) throws -> String {
        let recordings = try journal.recordings(JournalFilter(since: since, includeSegments: false))
        let fileTimesInGrid = try options.fileTimesInGrid ?? journal.settings().fileTimesInGrid
        let summary = JournalSummary(recordings, options: JournalSummaryOptions(model: options.model, fileTimesInGrid: fileTimesInGrid))
        let listed = Set(summary.recordings.suffix(options.maximumListedMemos).map(\.id))
        let withSegments = try journal.recordings(ids: Array(listed))
        return html(summary, listedMemos: withSegments, options: options)
    }

    /// The page for a summary; `listedMemos` (with their segments) fill the memo table.
    public static func html(_ summary: JournalSummary, listedMemos: [JournalRecording], options: DashboardOptions = DashboardOptions()) -> String {
        let title = "Voice stress journal"
        let body: Node<HTML.BodyContext>
        if summary.recordings.isEmpty {
            body = .group(
                .header(.h1(.text(title))),
                .element(named: "main", nodes: [
                    .section(.class("empty"), .id("empty"),
                        .h2("Your journal is empty"),
                        .p("Add voice memos, then build this page again:"),
                        .pre(.code("voice-emotion journal add ~/Memos\nvoice-emotion dashboard --out week.html")),
                        .p(.text("Each memo's emotions and stress index are kept (never the audio). After a few weeks the page shows your "
                                 + "usual level, your week, and when your stress tends to be highest."))),
                    disclaimer,
                ]))
        } else {
            body = .group(page(summary, listedMemos: listedMemos, options: options))
        }
        let document = HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .element(named: "title", text: title),  // Plot's .title would add social-network tags
                .style(css)),
            .body(body, .script(.raw(script))))
        return document.render()
    }

    private static func f(_ x: Double?) -> String { x.map { PlainWords.number($0) } ?? "–" }

    private static var disclaimer: Node<HTML.BodyContext> {
        .p(.class("disclaimer"), .id("disclaimer"),
           .strong("The stress index is a heuristic, not a clinical measure. "),
           .text("It is computed from an emotion model trained on acted speech, and says nothing about health. "
                 + "Compare it with your own usual level, not with other people."))
    }

    private static func page(_ s: JournalSummary, listedMemos: [JournalRecording], options: DashboardOptions) -> Node<HTML.BodyContext> {
        let first = s.recordings.first!.recordedLocal, last = s.recordings.last!.recordedLocal
        let thisWeek = s.sevenDays(endingWith: options.today), lastWeek = s.sevenDays(endingWith: options.today.adding(days: -7))
        func change() -> String {
            guard let a = thisWeek.meanStress, let b = lastWeek.meanStress else { return "" }
            return " · " + PlainWords.change(a, from: b, period: "the 7 days before")
        }
        var notes: [String] = []
        if let model = s.model {
            notes.append("Memos analysed with \(model.name)."
                         + (s.leftOut.isEmpty ? "" : " Left out: " + s.leftOut.map { "\(PlainWords.count($0.count, "memo")) analysed with \($0.model.name)" }.joined(separator: ", ")
                            + " — stress from different models is not comparable."))
        }
        if s.fileTimeCount > 0 {
            notes.append("\(PlainWords.count(s.fileTimeCount, "memo")) had no date tag and \(s.fileTimeCount == 1 ? "is" : "are") dated by file time (marked ~), "
                         + "which may be when \(s.fileTimeCount == 1 ? "it was" : "they were") copied; "
                         + (s.fileTimesInGrid ? "counted" : "not counted") + " in the weekday grid.")
        }
        let memos = listedMemos.sorted { $0.recordedLocal > $1.recordedLocal }
        return .group(
            .header(
                .h1(.text("Voice stress journal")),
                .p(.class("range"), .text("\(PlainWords.count(s.recordings.count, "memo")) from \(first.dayText) to \(last.dayText) · page made \(options.today.dayText)")),
                .forEach(notes) { .p(.class("range provenance"), .text($0)) }),
            .element(named: "main", nodes: [
                disclaimer,
                .section(.class("cards"), .id("cards"),
                    card("Last 7 days", f(thisWeek.meanStress),
                         "mean stress\(change()) · \(PlainWords.count(thisWeek.count, "memo")) · \(PlainWords.number(thisWeek.speechMinutes, digits: 1)) min of speech"),
                    card("The 7 days before", f(lastWeek.meanStress),
                         "mean stress · \(PlainWords.count(lastWeek.count, "memo")) · \(PlainWords.number(lastWeek.speechMinutes, digits: 1)) min of speech"),
                    card("Your usual stress", s.currentBaseline.map { f($0.median) } ?? "not known yet",
                         s.currentBaseline.map { "median of \(PlainWords.count($0.count, "memo")) in the last \(JournalSummary.baselineDays) days · typical spread \(f($0.mad)) (MAD)" }
                            ?? "needs \(JournalSummary.minimumBaselineCount) memos within \(JournalSummary.baselineDays) days"),
                    .div(.class("card peak"), .id("peak"), .h3("When is your stress highest?"), .p(.text(s.peak.sentence))),
                    .if(!s.markerDeviations.isEmpty,
                        .div(.class("card peak"), .id("voice"), .h3("Your voice in the latest memo, against your usual"),
                             .ul(.forEach(s.markerDeviations) { .li(.text($0.sentence)) }))),
                    .if(s.markerDeviations.isEmpty && s.latestMemoTooShortToCompare,
                        .div(.class("card peak"), .id("voice"), .h3("Your voice in the latest memo"),
                             .p(.text("Too short to compare: it has less than \(Int(JournalSummary.minimumVoicedSeconds)) s of voiced speech."))))),
                .section(.id("timeline-section"),
                    .h2("Stress over time"),
                    .p(.class("note"), .text("Dots: memos. Orange line: 7-day mean. Blue band: your usual range (the median of the \(JournalSummary.baselineDays) days before ± \(Int(JournalSummary.flagThreshold)) MAD). Red marks: days above it.")),
                    .raw(DashboardCharts.timeline(s, maximumPoints: options.maximumTimelinePoints).render())),
                .section(.id("heatmap-section"),
                    .h2("By weekday and time of day"),
                    .p(.class("note"), .text("Mean stress per memo in the local time of the recording; hatched cells have fewer than \(JournalSummary.minimumCellCount) memos.")),
                    .raw(DashboardCharts.heatmap(s).render())),
                .section(.id("mix-section"),
                    .h2("Emotion mix per week"),
                    .p(.class("note"), .text("Share of speech in each emotion, weighted by seconds of speech.")),
                    .raw(DashboardCharts.emotionMix(s).render())),
                .section(.id("memos-section"),
                    .h2("Memos"),
                    .p(.class("note"), .text(memos.count < s.recordings.count ? "The \(memos.count) most recent of \(s.recordings.count) memos." : "All \(memos.count) memos, most recent first."),
                       .input(.type(.search), .id("filter"), .attribute(named: "placeholder", value: "Filter by tag or emotion"), .attribute(named: "aria-label", value: "Filter memos"))),
                    memoTable(memos, deviations: s.memoDeviations)),
            ]))
    }

    private static func card(_ title: String, _ value: String, _ detail: String) -> Node<HTML.BodyContext> {
        .div(.class("card"), .h3(.text(title)), .p(.class("value"), .text(value)), .p(.class("detail"), .text(detail)))
    }

    private static func memoTable(_ memos: [JournalRecording], deviations: [Int64: Double]) -> Node<HTML.BodyContext> {
        .table(.id("memos"),
            .thead(.tr(.th("Recorded"), .th("File"), .th("Length"), .th("Emotion"), .th("Stress"), .th("Against your usual"), .th("Tags"), .th("Segments"))),
            .tbody(.forEach(memos) { memo in
                .tr(.class("memo-row"),
                    memo.isDatedByFileTime
                        ? .td(.class("file-time"), .attribute(named: "title", value: "No date tag: dated by the file's modification time, which may be when it was copied"),
                              .text(memo.recordedLocal.description.prefix(16).replacingOccurrences(of: "T", with: " ") + " ~"))
                        : .td(.text(memo.recordedLocal.description.prefix(16).replacingOccurrences(of: "T", with: " "))),
                    .td(.class("file"), .text(memo.path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "–")),
                    .td(.class("number"), .text(String(format: "%.0f s", memo.durationSeconds))),
                    .td(.text(memo.dominant ?? "–")),
                    .td(.class("number"), .text(f(memo.stress))),
                    deviations[memo.id].map { deviation in
                        .td(.attribute(named: "title", value: "\(PlainWords.signed(deviation, digits: 1)) MAD (median absolute deviations) from the median of the \(JournalSummary.baselineDays) days before"),
                            .text(PlainWords.comparedWithUsual(deviation)))
                    } ?? .td(.text("–")),
                    .td(.class("tags"), .text(memo.tags.joined(separator: ", "))),
                    .td(.raw(DashboardCharts.segmentStrip(memo).render())))
            }))
    }

    private static let css = """
        :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #fff; }
        body { margin: 0 auto; max-width: 960px; padding: 16px; }
        h1 { font-size: 1.6em; margin: 0.2em 0; } h2 { font-size: 1.2em; margin: 1.4em 0 0.3em; } h3 { font-size: 0.95em; margin: 0 0 0.4em; }
        .range, .note, .detail { color: #555; font-size: 0.9em; }
        .disclaimer { background: #fff7e0; border-left: 4px solid #E69F00; padding: 8px 12px; font-size: 0.92em; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
        .card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; break-inside: avoid; }
        .card .value { font-size: 1.6em; font-weight: 600; margin: 0; }
        .card.peak { grid-column: 1 / -1; }
        svg.chart { width: 100%; height: auto; display: block; }
        svg text { font-family: inherit; }
        table { border-collapse: collapse; width: 100%; font-size: 0.88em; }
        th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; vertical-align: middle; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        #filter { margin-left: 1em; padding: 3px 6px; }
        pre { background: #f4f4f4; padding: 10px; }
        section { break-inside: avoid; }
        @media print {
          @page { size: A4; margin: 12mm; }
          body { max-width: none; padding: 0; font-size: 10pt; }
          #filter { display: none; }
          #memos-section { break-inside: auto; }
          tr { break-inside: avoid; }
        }
        """

    /// Filters the memo table as one types (the page works without it).
    private static let script = """
        (function () {
          var box = document.getElementById('filter');
          if (!box) return;
          box.addEventListener('input', function () {
            var needle = box.value.toLowerCase();
            document.querySelectorAll('#memos tbody tr').forEach(function (row) {
              row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? '' : 'none';
            });
          });
        })();
        """
}
