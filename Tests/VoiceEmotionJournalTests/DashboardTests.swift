// The dashboard page: self-contained (it names no URL at all), well-formed SVG, every chart with
// its words, user text escaped, and rendered by a real browser (headless Chromium, installed by
// scripts/install-system-packages.sh --for-tests): not blank, every chart in the DOM, no console
// message and no network request.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import VoiceEmotion
import VoiceEmotionJournal

let sourceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let sundayAfterSixWeeks = LocalTime(year: 2026, month: 10, day: 18)

/// The dashboard of the synthetic six weeks.
func syntheticPage(options: DashboardOptions = DashboardOptions(today: sundayAfterSixWeeks), extra: ((Journal) throws -> Void)? = nil) throws -> String {
    let (journal, folder) = try temporaryJournal()
    defer { try? FileManager.default.removeItem(at: folder) }
    try fillSyntheticJournal(journal)
    try extra?(journal)
    return try JournalDashboard.html(journal: journal, options: options)
}

/// Every `<svg>...</svg>` of the page (none is nested in another).
func svgElements(_ page: String) -> [String] {
    var found: [String] = []
    var rest = page[...]
    while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
        found.append(String(rest[start.lowerBound..<end.upperBound]))
        rest = rest[end.upperBound...]
    }
    return found
}

@Suite struct DashboardPageTests {
    @Test func namesNoURLAndEverySVGIsXML() throws {
        let page = try syntheticPage()
        for forbidden in ["http:", "https:", "src=", "href=", "<link", "<img", "<iframe", "@import", "url(/", "url(h"] {
            #expect(!page.contains(forbidden), "the page contains '\(forbidden)'")
        }
        let svgs = svgElements(page)
        // Three charts and a strip per memo (25).
        #expect(svgs.count == 3 + 25)
        for svg in svgs {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "") in \(svg.prefix(120))")
        }
        for id in ["timeline", "heatmap", "emotion-mix"] {
            let chart = try #require(svgs.first { $0.hasPrefix("<svg id=\"\(id)\"") })
            #expect(chart.contains("<title id=\"\(id)-title\">") && chart.contains("<desc id=\"\(id)-desc\">") && chart.contains("role=\"img\""))
        }
    }

    @Test func showsTheNumbersAndTheNote() throws {
        let page = try syntheticPage()
        #expect(page.contains("The stress index is a heuristic, not a clinical measure."))
        #expect(page.contains("Monday mornings are your peak stress time: mean stress 0.70 over 6 memos"))
        // Last 7 days (week 6) 0.425 → "0.42" (or 0.43: printf rounds the binary value), the week
        // before (0.4·0.66 + 0.145 = 0.409) → "0.41"; baseline median 0.275 of 16 memos, MAD 0.05.
        #expect(page.contains("mean stress · up 0.02 on the 7 days before · 4 memos · 2.5 min of speech") && page.contains("0.41</p>"))
        #expect(page.contains("median of 16 memos in the last 28 days · typical spread 0.05 (MAD)"))
        #expect(!page.contains("±0.00") && !page.contains("-0.0"))
        // Four flagged Mondays; four cells with data; none hatched (every cell has 0 or 6 memos).
        #expect(page.components(separatedBy: "class=\"flagged\"").count - 1 == 4)
        #expect(page.components(separatedBy: "class=\"cell\"").count - 1 == 4)
        #expect(!page.contains("class=\"cell sparse\""))
        #expect(page.components(separatedBy: "class=\"memo\"").count - 1 == 24)
        #expect(page.components(separatedBy: "<tr class=\"memo-row\">").count - 1 == 25)
        #expect(page.contains("Monday mornings: 6 memos, mean stress 0.70 (95% interval 0.67–0.73)"))
    }

    @Test func sparseCellsAreHatchedAndManyMemosAggregated() throws {
        let page = try syntheticPage(options: DashboardOptions(today: sundayAfterSixWeeks, maximumListedMemos: 5, maximumTimelinePoints: 10)) { journal in
            try journal.add(analysis(stress: 0.5, speech: 20, angry: 0.3), contentSHA256: "extra", model: modelA, recordedAt: at("2026-10-13T20:00:00+01:00"))
        }
        #expect(page.components(separatedBy: "class=\"cell sparse\"").count - 1 == 1)
        #expect(page.contains("Tuesday evenings: 1 memo — not enough data (needs 3)"))
        // Daily means instead of 25 dots (25 days with speech), and only the 5 latest memos listed.
        #expect(page.components(separatedBy: "class=\"memo\"").count - 1 == 25 && page.contains("shown as daily means"))
        #expect(page.components(separatedBy: "<tr class=\"memo-row\">").count - 1 == 5 && page.contains("The 5 most recent of 26 memos."))
    }

    @Test func userTextIsEscaped() throws {
        let page = try syntheticPage { journal in
            let id = try journal.add(analysis(stress: 0.5, speech: 20, angry: 0.3), contentSHA256: "x", model: modelA).id
            try journal.tag(id, "<script>alert('tag')</script>")
            try journal.tag(id, "\"><b>bold")
        }
        #expect(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert("))
        #expect(!page.contains("\"><b>bold") && page.components(separatedBy: "<script>").count - 1 == 1)
    }

    @Test func emptyJournalSaysWhatToDo() throws {
        let (journal, folder) = try temporaryJournal()
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = try JournalDashboard.html(journal: journal)
        #expect(page.contains("Your journal is empty") && page.contains("voice-emotion journal add ~/Memos"))
        #expect(page.contains("not a clinical measure") && !page.contains("<svg"))
    }
}

/// Chromium's path: $CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
func chromiumPath() -> String? {
    if let path = ProcessInfo.processInfo.environment["CHROMIUM"], !path.isEmpty { return path }
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for folder in paths where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") { return "\(folder)/\(name)" }
    }
    let mac = "/Applications/Chromium.app/Contents/MacOS/Chromium"
    return FileManager.default.isExecutableFile(atPath: mac) ? mac : nil
}

/// Runs a program to its end with a deadline; returns status, stdout, stderr.
func runProgram(_ path: String, _ arguments: [String], timeout: Double = 120) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("program-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (outPath, errPath) = (folder.appendingPathComponent("out"), folder.appendingPathComponent("err"))
    FileManager.default.createFile(atPath: outPath.path, contents: nil)
    FileManager.default.createFile(atPath: errPath.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outPath)
    process.standardError = try FileHandle(forWritingTo: errPath)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    if process.isRunning { process.terminate(); process.waitUntilExit() }
    return (process.terminationStatus, (try? String(contentsOf: outPath, encoding: .utf8)) ?? "", (try? String(contentsOf: errPath, encoding: .utf8)) ?? "")
}

@Suite(.timeLimit(.minutes(3))) struct DashboardBrowserTests {
    @Test func rendersInChromium() throws {
        let chromium = try #require(chromiumPath(), "no Chromium: run scripts/install-system-packages.sh --for-tests (or set CHROMIUM)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-browser-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("dashboard.html")
        try Data(try syntheticPage().utf8).write(to: page)
        // Any network access would fail (every host unresolvable) and show up as a console message.
        let common = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                      "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
                      "--user-data-dir=\(folder.appendingPathComponent("profile").path)"]
        let dom = try runProgram(chromium, common + ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0, "\(dom.err.suffix(2000))")
        for id in ["cards", "peak", "timeline", "heatmap", "emotion-mix", "memos", "disclaimer"] {
            #expect(dom.out.contains("id=\"\(id)\""), "the rendered DOM has no #\(id)")
        }
        #expect(!dom.err.contains(":CONSOLE"), "console messages: \(dom.err.split(separator: "\n").filter { $0.contains(":CONSOLE") })")
        let shot = folder.appendingPathComponent("shot.png")
        let screenshot = try runProgram(chromium, common + ["--window-size=1000,2400", "--screenshot=\(shot.path)", page.absoluteString])
        #expect(screenshot.status == 0 && FileManager.default.fileExists(atPath: shot.path), "\(screenshot.err.suffix(2000))")
        #expect(!screenshot.err.contains(":CONSOLE"))
        let stats = try runProgram("/usr/bin/env", ["python3", sourceFolder.appendingPathComponent("Browser/png_stats.py").path, shot.path])
        let fields = stats.out.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 4, "png_stats.py: \(stats.out) \(stats.err)")
        // A blank page is one colour; this one has text, charts in viridis and Okabe–Ito colours.
        #expect(fields[0] == 1000 && fields[1] == 2400)
        #expect(fields[2] > 200, "only \(fields[2]) colours")
        #expect(fields[3] > 0.08 && fields[3] < 0.9, "\(fields[3]) of the page is drawn")
    }
}
