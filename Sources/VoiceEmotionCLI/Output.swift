// Shared output helpers for the subcommands: stderr messages, the multi-file contract with
// key-ordered JSON, and the progress bar.

import ArgumentParser
import Foundation
import StrictJSON
import VoiceEmotion

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// An error as the shell user reads it: the library's own words (which name no command or
/// flag, so they read well in an app too) and, where one helps, what to type.
func shellText(_ error: Error) -> String {
    guard let error = error as? VoiceEmotionError else { return "\(error)" }
    let hint: String
    switch error {
    case .modelNotInstalled(let name, _): hint = "; download it with: voice-emotion models pull \(name), or give a model folder"
    case .unconvertedCheckpoint: hint = " (voice-emotion models convert FOLDER FOLDER)"
    case .inputTooLong: hint = " (--memory-limit-mb)"
    case .journalRecordingNotFound: hint = " (voice-emotion journal list shows the ids)"
    case .invalidOption(let name, _, _) where name == "maximumWindowSeconds": hint = " (--max-window-s, --memory-limit-mb)"
    default: hint = ""
    }
    return error.description + hint
}

/// Writes a line to standard error. A closed standard error (`2>&-`) loses the message; it
/// never traps (FileHandle's non-throwing `write` raises on EBADF and EPIPE).
func printError(_ message: String) {
    writeStandardError(message + "\n")
}

/// Writes to standard error, ignoring failure (there is nowhere left to report it).
func writeStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}

/// Writes to standard output. When the reader is gone (`| head -1`: EPIPE, with SIGPIPE ignored
/// as systemd sets it) the command has nothing left to do: it says so and exits 1, as coreutils
/// do, instead of trapping or running on.
func writeStandardOutput(_ text: String) {
    do { try FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) } catch {
        writeStandardError("error: standard output was closed (\(error.localizedDescription)); stopping\n")
        exit(1)
    }
}

/// Any encodable value, for lists of different output types.
struct AnyEncodable: Encodable {
    let value: any Encodable
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

/// The JSON of a file that failed.
struct FileFailure: Encodable {
    let file: String
    let error: String
}

/// The multi-file contract shared by the subcommands: every file is processed even when another
/// fails; a failure is printed to stderr naming the file and, with `json`, becomes
/// `{"file", "error"}`; the JSON is printed at the end (one object, or an array for several
/// files), keys in the documented order. `body` prints human output itself and returns the file's
/// JSON value when `json` is set. Returns whether any file failed.
/// `body` gets the path to read: the argument, or for `-` a temporary copy of standard input.
func processFiles(_ files: [String], json: Bool, _ body: (_ file: String, _ path: String) throws -> (any Encodable)?) -> Bool {
    var failed = false
    var values: [AnyEncodable] = []
    for file in files {
        var spooled: String?
        defer { if let spooled { try? FileManager.default.removeItem(atPath: spooled) } }
        do {
            if file == "-" { spooled = try spoolStandardInput() }
            if let value = try body(file, spooled ?? file) { values.append(AnyEncodable(value: value)) }
        } catch {
            failed = true
            var message = shellText(error)
            if let spooled { message = message.replacingOccurrences(of: spooled, with: file) }
            if !message.hasPrefix(file) { message = "\(file): \(message)" }
            printError("error: \(message)")
            if json { values.append(AnyEncodable(value: FileFailure(file: file, error: message))) }
        }
    }
    if json {
        let encoder = OrderedJSONEncoder()
        do {
            print(values.count == 1 ? try encoder.encode(values[0]) : try encoder.encode(values))
        } catch {
            printError("error: cannot encode the results: \(error)")
            return true
        }
    }
    return failed
}

/// Copies standard input to a new temporary file (readable by this user only) and returns its
/// path; the caller removes it. Audio is read from a file because `analyze` reads it twice.
func spoolStandardInput() throws -> String {
    guard isatty(STDIN_FILENO) == 0 else {
        throw ValidationError("'-' reads audio from standard input, which is a terminal: pipe a file in (voice-emotion analyze - < memo.m4a)")
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("voice-emotion-stdin-\(UUID().uuidString)").path
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { throw VoiceEmotionError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
        if n < 0, errno == EINTR { continue }
        guard n >= 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw VoiceEmotionError.unreadableFile(path: "-", reason: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        var written = 0
        while written < n {
            let w = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, n - written) }
            guard w > 0 else {
                try? FileManager.default.removeItem(atPath: path)
                throw VoiceEmotionError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            written += w
        }
    }
    return path
}

/// Rejects more than one `-` (standard input can be read once).
func validateStandardInput(_ files: [String]) throws {
    if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) can be given once.") }
}

/// A one-line progress bar on stderr, shown only when stderr is a terminal: label, bar, percent,
/// stage and the time left, fitted to the terminal's width and cleared when done.
final class ProgressBar {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private var lastDrawn = ""
    private var shown = false

    init(label: String) { self.label = label }

    /// Redraws when the text changes; always returns true (never cancels). The time left is
    /// `remaining` when given, else extrapolated from the fraction done so far.
    @discardableResult
    func update(_ fraction: Double, stage: String = "", remaining: Double? = nil) -> Bool {
        guard enabled else { return true }
        let fraction = fraction.isFinite ? max(0, min(1, fraction)) : 0
        let percent = Int(fraction * 100)
        let elapsed = Date().timeIntervalSince(start)
        var status = "\(percent)%"
        if !stage.isEmpty { status += " \(stage)" }
        if let remaining {
            status += ", \(Self.clock(remaining)) left"
        } else if fraction > 0.02, elapsed > 1 {
            status += ", \(Self.clock(elapsed * (1 - fraction) / fraction)) left"
        }
        let width = Self.terminalWidth() - 1  // never the last column: some terminals wrap there
        let barWidth = max(0, min(30, width - label.count - status.count - 5))
        var line = label
        if barWidth >= 10 {
            let filled = barWidth * percent / 100
            line += " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
        }
        line += " " + status
        if line.count > width { line = String(line.prefix(width)) }
        guard line != lastDrawn else { return true }
        lastDrawn = line
        shown = true
        writeStandardError("\r\u{1B}[K\(line)")
        return true
    }

    /// Clears the line (once; later calls do nothing).
    func finish() {
        guard enabled, shown else { return }
        shown = false
        lastDrawn = ""
        writeStandardError("\r\u{1B}[K")
    }

    /// `m:ss`, or `h:mm:ss` past an hour.
    static func clock(_ seconds: Double) -> String {
        // A server may announce any size (9223372036854775806 bytes at a byte a second): no
        // estimate is turned into an Int it cannot hold.
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        guard seconds < 100 * 3600 else { return "over 100 h" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    /// Columns of the terminal on stderr (80 when it cannot tell).
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

/// Seconds with millisecond precision, for tables.
func formatSeconds(_ s: Double) -> String { String(format: "%.3f", s) }

/// Wraps `items` joined by ", " after `prefix` into lines of at most `width` columns, continuing
/// lines indented like the prefix's text.
func wrapped(_ prefix: String, _ items: [String], width: Int = 80) -> [String] {
    let indent = String(repeating: " ", count: prefix.count)
    var lines: [String] = []
    var line = prefix
    for (i, item) in items.enumerated() {
        let piece = item + (i < items.count - 1 ? "," : "")
        if line.count > indent.count, line.count + 1 + piece.count > width {
            lines.append(line)
            line = indent + piece
        } else {
            line += (line.count > indent.count && line != prefix ? " " : "") + piece
        }
    }
    lines.append(line)
    return lines
}
