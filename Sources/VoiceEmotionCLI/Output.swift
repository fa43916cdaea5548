// Shared output helpers for the subcommands: stderr messages, an ordered JSON writer, progress.

import Foundation

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A JSON value whose objects keep their key order (so output reads in contract order).
enum JSON {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case int(Int)
    case double(Double)
    case float(Float)
    case bool(Bool)
    case null

    /// Compact serialisation. Floats use Swift's shortest round-trip form; non-finite numbers are null.
    var text: String {
        switch self {
        case .object(let members):
            return "{" + members.map { "\(JSON.quote($0.0)):\($0.1.text)" }.joined(separator: ",") + "}"
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .string(let s): return JSON.quote(s)
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? "\(d)" : "null"
        case .float(let f): return f.isFinite ? "\(f)" : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The multi-file contract shared by the subcommands: every file is processed even when another
/// fails; a failure is printed to stderr naming the file and, with `json`, becomes
/// `{"file", "error"}`; the JSON objects are printed at the end (one object, or an array).
/// `body` prints human output itself and returns the file's JSON object when `json` is set.
/// Returns whether any file failed.
func processFiles(_ files: [String], json: Bool, _ body: (String) throws -> JSON?) -> Bool {
    var failed = false
    var objects: [JSON] = []
    for file in files {
        do {
            if let object = try body(file) { objects.append(object) }
        } catch {
            failed = true
            printError("error: \(error)")
            if json { objects.append(.object([("file", .string(file)), ("error", .string("\(error)"))])) }
        }
    }
    if json { printJSON(objects) }
    return failed
}

/// Prints one JSON value, or an array when there are several (the multi-file contract).
func printJSON(_ values: [JSON]) {
    print(values.count == 1 ? values[0].text : JSON.array(values).text)
}

/// A one-line progress bar on stderr, shown only when stderr is a terminal.
final class ProgressBar {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private var lastPercent = -1

    init(label: String) { self.label = label }

    /// Redraws at whole-percent steps; always returns true (never cancels).
    func update(_ fraction: Double) -> Bool {
        guard enabled else { return true }
        let percent = Int(fraction * 100)
        guard percent != lastPercent else { return true }
        lastPercent = percent
        let width = 30
        let filled = min(width, percent * width / 100)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
        return true
    }

    /// Clears the line (once; later calls do nothing).
    func finish() {
        guard enabled, lastPercent >= 0 else { return }
        lastPercent = -1
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Seconds with millisecond precision, for tables.
func formatSeconds(_ s: Double) -> String { String(format: "%.3f", s) }
