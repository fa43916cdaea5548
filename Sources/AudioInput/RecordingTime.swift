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
        // The wall time from the offset by arithmetic: `TimeZone(secondsFromGMT:)` exists only
        // within ±18 h, and a time built by `init(date:utcOffsetSeconds:...)` may carry any offset.
        let wall: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)
        if let offset = utcOffsetSeconds {
            let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(offset)
            let days = Int((seconds - Self.floorMod(seconds, 86_400)) / 86_400), clock = Int(Self.floorMod(seconds, 86_400))
            let civil = Self.civil(fromDays: days)
            wall = (civil.year, civil.month, civil.day, clock / 3600, clock / 60 % 60, clock % 60)
        } else {
            let c = Calendar(identifier: .gregorian).dateComponents(in: .current, from: date)
            wall = (c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        }
        let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second)
        guard let seconds = utcOffsetSeconds else { return text }
        if seconds == 0 { return text + "Z" }
        return text + String(format: "%@%02d:%02d", seconds < 0 ? "-" : "+", abs(seconds) / 3600, abs(seconds) / 60 % 60)
    }

    /// The largest UTC offset a tag may carry: ±18 h, as Foundation's time zones allow (real
    /// zones lie within −12:00…+14:00). A tag beyond it is not a usable date.
    public static let maximumOffsetSeconds = 18 * 3600

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
            // "-23:59" or "+99:00" is no offset any clock shows: refused, never silently dropped.
            guard m < 60, h * 3600 + m * 60 <= maximumOffsetSeconds else { return nil }
            offset = sign * (h * 3600 + m * 60)
        }
        // February 30th is refused, not rolled over into March.
        guard i == scalars.count, (1...9999).contains(year), day <= daysIn(month: month, year: year) else { return nil }
        if let offset {
            let seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
            return (Date(timeIntervalSince1970: TimeInterval(seconds)), offset)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        return (date, nil)
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { ((a % b) + b) % b }

    /// Days in `month` (1...12) of `year`, proleptic Gregorian.
    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }

    /// The inverse of `daysFromCivil`.
    package static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - (153 * mp + 2) / 5 + 1)
    }
}
