// A small SVG element tree that escapes every attribute value and text, so a tag or file name can
// never break out of the markup. Rendered to a string once and placed inline in the page (inline
// SVG needs no namespace declaration: the HTML parser assigns it, so the page names no URL at all).

import Foundation

/// An SVG element: name, attributes in order, children or text.
struct SVG {
    let name: String
    var attributes: [(String, String)]
    var children: [SVG]
    var text: String?

    init(_ name: String, _ attributes: [(String, String)] = [], children: [SVG] = [], text: String? = nil) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The root `<svg>` of a chart: scales to its container's width, with a title and a
    /// description that screen readers read instead of the picture.
    static func chart(id: String, width: Double, height: Double, title: String, description: String, children: [SVG]) -> SVG {
        SVG("svg", [("id", id), ("viewBox", "0 0 \(n(width)) \(n(height))"),
                    ("role", "img"), ("aria-labelledby", "\(id)-title \(id)-desc"), ("class", "chart")],
            children: [SVG("title", [("id", "\(id)-title")], text: title), SVG("desc", [("id", "\(id)-desc")], text: description)] + children)
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, extra: [(String, String)] = [], tooltip: String? = nil) -> SVG {
        SVG("rect", [("x", n(x)), ("y", n(y)), ("width", n(max(0, width))), ("height", n(max(0, height))), ("fill", fill)] + extra,
            children: tooltip.map { [SVG("title", text: $0)] } ?? [])
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, extra: [(String, String)] = []) -> SVG {
        SVG("line", [("x1", n(x1)), ("y1", n(y1)), ("x2", n(x2)), ("y2", n(y2)), ("stroke", stroke), ("stroke-width", n(width))] + extra)
    }

    static func label(_ text: String, x: Double, y: Double, anchor: String = "start", size: Double = 11, extra: [(String, String)] = []) -> SVG {
        let fill = extra.contains { $0.0 == "fill" } ? [] : [("fill", "#333333")]
        return SVG("text", [("x", n(x)), ("y", n(y)), ("text-anchor", anchor), ("font-size", n(size))] + fill + extra, text: text)
    }

    /// A path through points ("M x y L x y ...").
    static func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, extra: [(String, String)] = []) -> SVG {
        let d = points.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(n($0.element.0)) \(n($0.element.1))" }.joined(separator: " ")
        return SVG("path", [("d", d), ("fill", "none"), ("stroke", stroke), ("stroke-width", n(width))] + extra)
    }

    /// Numbers with at most two decimals: coordinates need no more, and the page stays small.
    static func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded).replacingOccurrences(of: #"0$"#, with: "", options: .regularExpression)
    }

    func render() -> String {
        var out = ""
        render(into: &out)
        return out
    }

    func render(into out: inout String) {
        out += "<" + name
        for (key, value) in attributes { out += " " + key + "=\"" + Self.escape(value) + "\"" }
        if children.isEmpty && text == nil {
            out += "/>"
            return
        }
        out += ">"
        if let text { out += Self.escape(text) }
        for child in children { child.render(into: &out) }
        out += "</" + name + ">"
    }

    /// Escapes the five XML specials.
    static func escape(_ text: String) -> String {
        guard text.contains(where: { "&<>\"'".contains($0) }) else { return text }
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// Colours: the Okabe–Ito palette for emotions (distinguishable with every common colour-vision
/// deficiency) and viridis for stress (sequential, readable in grey).
enum Palette {
    static func emotion(_ label: String) -> String {
        switch label {
        case "angry": return "#D55E00"      // vermillion
        case "fearful": return "#CC79A7"    // reddish purple
        case "sad": return "#0072B2"        // blue
        case "disgust": return "#009E73"    // bluish green
        case "neutral": return "#999999"    // grey
        case "calm": return "#56B4E9"       // sky blue
        case "happy": return "#F0E442"      // yellow
        case "surprised": return "#E69F00"  // orange
        default: return "#000000"
        }
    }

    /// Viridis at t in 0...1 (five stops, interpolated).
    static func stress(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * f).rounded()) }
        return String(format: "#%02X%02X%02X", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Black or white, whichever reads better on a viridis colour.
    static func text(onStress t: Double) -> String { t > 0.55 ? "#000000" : "#FFFFFF" }
}
