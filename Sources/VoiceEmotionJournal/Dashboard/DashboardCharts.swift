// The dashboard's charts as inline SVG: stress timeline, weekday × time-of-day heatmap, weekly
// emotion mix, and a memo's segment strip. Each chart carries a title and a description in words.

import Foundation

enum DashboardCharts {
    private static func f(_ x: Double) -> String { PlainWords.number(x) }

    // MARK: Timeline

    /// One dot per memo (per day when there are more than `maximumPoints`), the 7-day rolling
    /// mean, the baseline band (median ± 2 MAD of the 28 days before each day) and flagged days.
    static func timeline(_ s: JournalSummary, maximumPoints: Int) -> SVG {
        let (width, height) = (900.0, 280.0)
        let (left, right, top, bottom) = (44.0, 12.0, 14.0, 34.0)
        let stressed = s.recordings.filter { $0.stress != nil }
        guard let first = stressed.first?.recordedLocal.startOfDay, let last = stressed.last?.recordedLocal.startOfDay else {
            return SVG.chart(id: "timeline", width: width, height: 60, title: "Stress over time", description: "No memo with speech yet.",
                             children: [SVG.label("No memo with speech yet.", x: 10, y: 34, size: 13)])
        }
        let end = max(last.adding(days: 1), first.adding(days: 7))
        let span = Double(end.wallSeconds - first.wallSeconds)
        func x(_ t: LocalTime) -> Double { left + Double(t.wallSeconds - first.wallSeconds) / span * (width - left - right) }
        func y(_ stress: Double) -> Double { top + (1 - min(max(stress, 0), 1)) * (height - top - bottom) }
        var nodes: [SVG] = []
        // Axes and grid.
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            nodes.append(.line(x1: left, y1: y(tick), x2: width - right, y2: y(tick), stroke: "#dddddd"))
            nodes.append(.label(String(format: "%.2f", tick), x: left - 6, y: y(tick) + 4, anchor: "end", size: 10))
        }
        let days = max(1, (end.dayNumber - first.dayNumber))
        let step = max(1, Int((Double(days) / 6).rounded(.up)))
        var day = first
        while day < end {
            nodes.append(.line(x1: x(day), y1: height - bottom, x2: x(day), y2: height - bottom + 4, stroke: "#555555"))
            nodes.append(.label(day.dayText, x: x(day), y: height - bottom + 16, anchor: "middle", size: 10))
            day = day.adding(days: step)
        }
        // Baseline band.
        let banded = s.dayDeviations.compactMap { d in d.baseline.map { (d.day, $0) } }
        if !banded.isEmpty {
            let upper = banded.map { (x($0.0), y($0.1.median + JournalSummary.flagThreshold * max($0.1.mad, JournalSummary.minimumMAD))) }
            let lower = banded.reversed().map { (x($0.0), y($0.1.median - JournalSummary.flagThreshold * max($0.1.mad, JournalSummary.minimumMAD))) }
            let d = (upper + lower).enumerated().map { "\($0.offset == 0 ? "M" : "L")\(SVG.n($0.element.0)) \(SVG.n($0.element.1))" }.joined(separator: " ") + " Z"
            nodes.append(SVG("path", [("d", d), ("fill", "#56B4E9"), ("fill-opacity", "0.22"), ("stroke", "none"), ("class", "baseline-band")],
                             children: [SVG("title", text: "Your usual range: the median of the \(JournalSummary.baselineDays) days before ± \(Int(JournalSummary.flagThreshold)) typical spreads (MAD)")]))
            nodes.append(.polyline(banded.map { (x($0.0), y($0.1.median)) }, stroke: "#0072B2", width: 1, extra: [("stroke-dasharray", "4 3")]))
        }
        // Flagged days.
        for d in s.dayDeviations where d.flagged {
            nodes.append(SVG("path", [("d", "M\(SVG.n(x(d.day) - 5)) \(SVG.n(top - 2)) L\(SVG.n(x(d.day) + 5)) \(SVG.n(top - 2)) L\(SVG.n(x(d.day))) \(SVG.n(top + 7)) Z"),
                                      ("fill", "#D55E00"), ("class", "flagged")],
                             children: [SVG("title", text: "\(d.day.dayText): mean stress \(f(d.meanStress)), \(PlainWords.comparedWithUsual(d.deviation ?? 0)) (\(PlainWords.signed(d.deviation ?? 0, digits: 1)) MAD)")]))
        }
        // Memos, or daily means when there are many.
        if stressed.count <= maximumPoints {
            for memo in stressed {
                nodes.append(SVG("circle", [("cx", SVG.n(x(memo.recordedLocal))), ("cy", SVG.n(y(memo.stress!))), ("r", "3.5"), ("fill", "#333333"), ("fill-opacity", "0.75"), ("class", "memo")],
                                 children: [SVG("title", text: "\(memo.recordedLocal.description.prefix(16).replacingOccurrences(of: "T", with: " ")): stress \(f(memo.stress!))\(memo.dominant.map { ", \($0)" } ?? "")")]))
            }
        } else {
            for d in s.days where d.meanStress != nil {
                nodes.append(SVG("circle", [("cx", SVG.n(x(d.start) + 0.5 * (width - left - right) * 86_400 / span)), ("cy", SVG.n(y(d.meanStress!))),
                                            ("r", SVG.n(min(6, 2 + Double(d.count).squareRoot() / 2))), ("fill", "#333333"), ("fill-opacity", "0.6"), ("class", "memo")],
                                 children: [SVG("title", text: "\(d.label): \(PlainWords.count(d.count, "memo")), mean stress \(f(d.meanStress!))")]))
            }
        }
        // 7-day rolling mean (speech-weighted), at each day with memos: a window sliding over
        // the memos in time order.
        var rolling: [(Double, Double)] = []
        var (windowStart, windowEnd, weightedSum, weightSum) = (0, 0, 0.0, 0.0)
        for d in s.days where d.meanStress != nil {
            let (first, last) = (d.start.dayNumber - 6, d.start.dayNumber)
            while windowEnd < stressed.count, stressed[windowEnd].recordedLocal.dayNumber <= last {
                weightedSum += stressed[windowEnd].stress! * stressed[windowEnd].speechSeconds
                weightSum += stressed[windowEnd].speechSeconds
                windowEnd += 1
            }
            while windowStart < windowEnd, stressed[windowStart].recordedLocal.dayNumber < first {
                weightedSum -= stressed[windowStart].stress! * stressed[windowStart].speechSeconds
                weightSum -= stressed[windowStart].speechSeconds
                windowStart += 1
            }
            if weightSum > 1e-9 {
                rolling.append((x(d.start) + 0.5 * (width - left - right) * 86_400 / span, y(weightedSum / weightSum)))
            }
        }
        if rolling.count > 1 { nodes.append(.polyline(rolling, stroke: "#E69F00", width: 2.5, extra: [("class", "rolling-mean")])) }
        let flaggedCount = s.dayDeviations.filter(\.flagged).count
        let description = "\(PlainWords.count(stressed.count, "memo")) with speech from \(first.dayText) to \(last.dayText)"
            + (stressed.count > maximumPoints ? ", shown as daily means" : "") + "; stress from \(f(stressed.map { $0.stress! }.min()!)) to \(f(stressed.map { $0.stress! }.max()!))"
            + (s.currentBaseline.map { "; current baseline median \(f($0.median))" } ?? "") + "; \(flaggedCount) flagged \(flaggedCount == 1 ? "day" : "days")."
        return SVG.chart(id: "timeline", width: width, height: height, title: "Stress over time", description: description, children: nodes)
    }

    // MARK: Heatmap

    /// Weekday rows × time-of-day columns, coloured by mean stress, n in each cell; cells with
    /// too few memos hatched.
    static func heatmap(_ s: JournalSummary) -> SVG {
        let (cellWidth, cellHeight, left, top) = (150.0, 36.0, 96.0, 24.0)
        let width = left + 4 * cellWidth + 10, height = top + 7 * cellHeight + 44
        var nodes: [SVG] = [
            SVG("defs", children: [SVG("pattern", [("id", "hatch"), ("width", "8"), ("height", "8"), ("patternUnits", "userSpaceOnUse"), ("patternTransform", "rotate(45)")],
                                       children: [.rect(x: 0, y: 0, width: 8, height: 8, fill: "#f4f4f4"), .line(x1: 0, y1: 0, x2: 0, y2: 8, stroke: "#bbbbbb", width: 3)])]),
        ]
        for part in TimeOfDay.allCases {
            let hours = "\(part.rawValue * 6)–\(part.rawValue * 6 + 6) h"
            nodes.append(.label("\(part.name) (\(hours))", x: left + (Double(part.rawValue) + 0.5) * cellWidth, y: top - 8, anchor: "middle"))
        }
        for weekday in 1...7 {
            let rowY = top + Double(weekday - 1) * cellHeight
            nodes.append(.label(weekdayName(weekday), x: left - 8, y: rowY + cellHeight / 2 + 4, anchor: "end"))
            for part in TimeOfDay.allCases {
                let cell = s.grid[(weekday - 1) * 4 + part.rawValue]
                let cellX = left + Double(part.rawValue) * cellWidth
                let enough = cell.hasEnoughData
                let fill = enough ? Palette.stress(cell.meanStress!) : cell.count == 0 ? "#ffffff" : "url(#hatch)"
                var tooltip = "\(cell.name): \(cell.count) \(cell.count == 1 ? "memo" : "memos")"
                if enough, let i = cell.interval { tooltip += ", mean stress \(f(cell.meanStress!)) (95% interval \(f(i.lowerBound))–\(f(i.upperBound)))" }
                else if cell.count > 0 { tooltip += " — not enough data (needs \(JournalSummary.minimumCellCount))" }
                nodes.append(.rect(x: cellX + 1, y: rowY + 1, width: cellWidth - 2, height: cellHeight - 2, fill: fill,
                                   extra: [("stroke", "#cccccc"), ("class", enough ? "cell" : cell.count == 0 ? "cell empty" : "cell sparse")], tooltip: tooltip))
                let text = enough ? "\(f(cell.meanStress!))  n=\(cell.count)" : cell.count == 0 ? "" : "n=\(cell.count)"
                if !text.isEmpty {
                    nodes.append(.label(text, x: cellX + cellWidth / 2, y: rowY + cellHeight / 2 + 4, anchor: "middle", size: 12,
                                        extra: [("fill", enough ? Palette.text(onStress: cell.meanStress!) : "#333333")]))
                }
            }
        }
        // Legend: the colour scale and the hatching.
        let legendY = top + 7 * cellHeight + 14
        for i in 0..<20 {
            nodes.append(.rect(x: left + Double(i) * 10, y: legendY, width: 10, height: 12, fill: Palette.stress(Double(i) / 19)))
        }
        nodes.append(.label("stress 0", x: left - 6, y: legendY + 10, anchor: "end", size: 10))
        nodes.append(.label("1", x: left + 204, y: legendY + 10, size: 10))
        nodes.append(.rect(x: left + 240, y: legendY, width: 24, height: 12, fill: "url(#hatch)", extra: [("stroke", "#cccccc")]))
        nodes.append(.label("fewer than \(JournalSummary.minimumCellCount) memos: not enough data", x: left + 270, y: legendY + 10, size: 10))
        let enough = s.grid.filter(\.hasEnoughData)
        var description = "\(enough.count) of 28 weekday and time-of-day cells have at least \(JournalSummary.minimumCellCount) memos."
        if let top = enough.max(by: { $0.meanStress! < $1.meanStress! }) { description += " Highest mean stress: \(top.name), \(f(top.meanStress!)) over \(PlainWords.count(top.count, "memo"))." }
        return SVG.chart(id: "heatmap", width: width, height: height, title: "Mean stress by weekday and time of day", description: description, children: nodes)
    }

    // MARK: Emotion mix

    /// One 100% bar per ISO week (the last `maximumWeeks`), split by the duration-weighted share of each emotion.
    static func emotionMix(_ s: JournalSummary, maximumWeeks: Int = 26) -> SVG {
        let weeks = Array(s.weeks.filter { !$0.emotionMix.isEmpty }.suffix(maximumWeeks))
        var labels: [String] = []
        for week in weeks { for score in week.emotionMix where !labels.contains(score.label) { labels.append(score.label) } }
        let (width, left, top, barArea) = (900.0, 44.0, 10.0, 200.0)
        let height = top + barArea + 40 + 20 * Double((labels.count + 5) / 6)
        guard !weeks.isEmpty else {
            return SVG.chart(id: "emotion-mix", width: width, height: 60, title: "Emotion mix per week", description: "No week with emotion scores yet.",
                             children: [SVG.label("No week with emotion scores yet.", x: 10, y: 34, size: 13)])
        }
        let slot = (width - left - 10) / Double(max(weeks.count, 4))
        var nodes: [SVG] = []
        for tick in [0.0, 0.5, 1.0] {
            nodes.append(.label("\(Int(tick * 100))%", x: left - 6, y: top + (1 - tick) * barArea + 4, anchor: "end", size: 10))
        }
        for (i, week) in weeks.enumerated() {
            let total = week.emotionMix.reduce(0) { $0 + max($1.score, 0) }
            guard total > 0 else { continue }
            var y = top + barArea
            let x = left + Double(i) * slot + slot * 0.15
            for label in labels {
                guard let score = week.emotionMix.first(where: { $0.label == label })?.score, score > 0 else { continue }
                let h = score / total * barArea
                y -= h
                nodes.append(.rect(x: x, y: y, width: slot * 0.7, height: h, fill: Palette.emotion(label), extra: [("class", "mix")],
                                   tooltip: "\(week.label): \(label) \(Int((score / total * 100).rounded()))%"))
            }
            if weeks.count <= 13 || i % 2 == 0 {
                nodes.append(.label(String(week.label.suffix(3)), x: x + slot * 0.35, y: top + barArea + 14, anchor: "middle", size: 10))
            }
        }
        for (i, label) in labels.enumerated() {
            let lx = left + Double(i % 6) * 140, ly = top + barArea + 30 + Double(i / 6) * 20
            nodes.append(.rect(x: lx, y: ly, width: 12, height: 12, fill: Palette.emotion(label)))
            nodes.append(.label(label, x: lx + 18, y: ly + 10, size: 11))
        }
        let latest = weeks.last!
        let topThree = latest.emotionMix.sorted { $0.score > $1.score }.prefix(3).map { "\($0.label) \(Int(($0.score * 100).rounded()))%" }
        return SVG.chart(id: "emotion-mix", width: width, height: height, title: "Emotion mix per week",
                         description: "\(weeks.count) weeks, each bar split by the share of speech in each emotion. Latest week \(latest.label): \(topThree.joined(separator: ", ")).",
                         children: nodes)
    }

    // MARK: Segment strip

    /// A memo's speech segments along its length, each coloured by its dominant emotion.
    static func segmentStrip(_ memo: JournalRecording) -> SVG {
        let (width, height) = (160.0, 14.0)
        var nodes: [SVG] = [.rect(x: 0, y: 0, width: width, height: height, fill: "#f0f0f0")]
        let duration = max(memo.durationSeconds, 0.001)
        for segment in memo.segments {
            let x = segment.startSeconds / duration * width
            let w = max(1, (segment.endSeconds - segment.startSeconds) / duration * width)
            let label = segment.dominant ?? "-"
            nodes.append(.rect(x: x, y: 0, width: w, height: height, fill: Palette.emotion(label),
                               tooltip: String(format: "%.1f–%.1f s: ", segment.startSeconds, segment.endSeconds) + label
                                + (segment.stress.map { ", stress " + f($0) } ?? "")))
        }
        let kinds = Dictionary(grouping: memo.segments.compactMap(\.dominant), by: { $0 }).sorted { $0.value.count > $1.value.count }.map { "\($0.key) \($0.value.count)" }
        return SVG("svg", [("viewBox", "0 0 \(Int(width)) \(Int(height))"), ("width", "\(Int(width))"), ("height", "\(Int(height))"),
                           ("role", "img"), ("class", "strip")],
                   children: [SVG("title", text: "\(PlainWords.count(memo.segments.count, "segment")): \(kinds.isEmpty ? "none" : kinds.joined(separator: ", "))")] + nodes)
    }
}
