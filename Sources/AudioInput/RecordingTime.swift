// When a recording was made: from the container's own tags (MP4/MOV creation dates, Vorbis/Opus
// DATE, ID3 TDRC, BWF origination date and time), else the file's modification time. The time
// zone is kept honest: an instant when the tag has an offset (or is UTC), a local time when it
// has none.

import Foundation

/// When a recording was made, and how we know.
public struct RecordingTime: Sendable, Codable, Equatable {
    /// Where the time comes from.
    public enum Source: String, Sendable, Codable {
        /// A tag in the file (`tag` names it).
        case metadata
        /// The file's modification time (no tag had a usable date).
        case fileTime = "file_time"
    }

    /// The instant. For a local time without a zone (`utcOffsetSeconds == nil`) it is that wall
    /// time in the current time zone of this machine.
    public let date: Date
    /// The tag's offset from UTC in seconds (0 for UTC times); nil for a local time without a zone.
    public let utcOffsetSeconds: Int?
    /// Where the time comes from.
    public let source: Source
    /// The tag it was read from (`com.apple.quicktime.creationdate`, `creation_time`, `DATE`,
    /// `date`, `bext`), nil for the file time.
    public let tag: String?

    /// Whether the time is a local wall time of unknown zone.
    public var isLocalTime: Bool { utcOffsetSeconds == nil }

    /// ISO 8601: with its offset (`2024-03-04T08:15:00+01:00`, `...Z` for UTC) when it has one,
    /// without any (`2024-03-04T08:15:00`, a local time) when it has none.
    public var iso8601: String {
        let offset = utcOffsetSeconds ?? 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utcOffsetSeconds == nil ? .current : TimeZone(secondsFromGMT: offset)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        guard let seconds = utcOffsetSeconds else { return text }
        if seconds == 0 { return text + "Z" }
        return text + String(format: "%@%02d:%02d", seconds < 0 ? "-" : "+", abs(seconds) / 3600, abs(seconds) / 60 % 60)
    }

    /// A time from its parts.
    public init(date: Date, utcOffsetSeconds: Int?, source: Source, tag: String?) {
        self.date = date
        self.utcOffsetSeconds = utcOffsetSeconds
        self.source = source
        self.tag = tag
    }

    /// A time from its ISO 8601 text (as `iso8601` writes it) and source; nil when either is
    /// missing or the text is not a date.
    public init?(iso8601 text: String?, source: Source?, tag: String?) {
        guard let text, let source, let (date, offset) = Self.parse(text) else { return nil }
        self.init(date: date, utcOffsetSeconds: offset, source: source, tag: tag)
    }

    /// The file's modification time, or nil when it cannot be read.
    static func fileTime(path: String) -> RecordingTime? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return RecordingTime(date: modified, utcOffsetSeconds: 0, source: .fileTime, tag: nil)
    }

    /// The first usable date among `tags` (name, value), in the order given. A usable date has at
    /// least a day, falls after 1990 and before tomorrow (MP4 files often carry zeroed creation
    /// times: 1904 or 1970); a year alone (ID3 TYER) is not used.
    package static func fromTags(_ tags: [(String, String)]) -> RecordingTime? {
        for (tag, value) in tags {
            guard let (date, offset) = parse(value) else { continue }
            let plausible = Date(timeIntervalSince1970: 631_152_000)...Date().addingTimeInterval(86_400)  // 1990-01-01 ... tomorrow
            guard plausible.contains(date) else { continue }
            return RecordingTime(date: date, utcOffsetSeconds: offset, source: .metadata, tag: tag)
        }
        return nil
    }

    /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:]MM]` (also `/` or `:` between date
    /// parts, as some tools write): the instant and its offset (nil without a zone).
    static func parse(_ text: String) -> (Date, Int?)? {
        let scalars = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= scalars.count else { return nil }
            var value = 0
            for k in 0..<digits {
                let c = scalars[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            i += digits
            return value
        }
        func skip(_ allowed: Set<UInt8>) -> Bool {
            guard i < scalars.count, allowed.contains(scalars[i]) else { return false }
            i += 1
            return true
        }
        let dateSeparators: Set<UInt8> = [45, 47, 58]  // - / :
        guard let year = number(4), skip(dateSeparators), let month = number(2), skip(dateSeparators), let day = number(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0
        if skip([84, 32]) {  // T or space
            guard let h = number(2), skip([58]), let m = number(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if skip([58]) {
                guard let s = number(2), s < 61 else { return nil }
                second = min(s, 59)
                if skip([46, 44]) { while i < scalars.count, scalars[i] >= 48 && scalars[i] <= 57 { i += 1 } }  // fraction
            }
        }
        var offset: Int?
        if skip([90]) {  // Z
            offset = 0
        } else if i < scalars.count, scalars[i] == 43 || scalars[i] == 45 {  // + -
            let sign = scalars[i] == 45 ? -1 : 1
            i += 1
            guard let h = number(2) else { return nil }
            _ = skip([58])
            let m = number(2) ?? 0
            offset = sign * (h * 3600 + m * 60)
        }
        guard i == scalars.count else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = offset.flatMap { TimeZone(secondsFromGMT: $0) } ?? .current
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        return (date, offset)
    }
}
