// What the journal keeps of one analysed recording (never the audio), and the local wall time
// every statistic groups by.

import Foundation
import VoiceEmotion

/// A wall-clock time where the recording was made: what the person's clock showed. Days, weeks
/// and the weekday × time-of-day grid group by it, so a memo recorded at 8:15 on a trip still
/// counts as a morning.
public struct LocalTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00 *of the wall clock* (no zone): comparable, and day
    /// arithmetic is plain division.
    public let wallSeconds: Int64

    /// A wall time from its seconds since 1970-01-01T00:00:00 wall time.
    public init(wallSeconds: Int64) { self.wallSeconds = wallSeconds }

    /// A wall time from its parts (month 1...12, day 1...31).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.wallSeconds = Int64(Self.daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The wall time of `date` in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        wallSeconds = seconds + Int64(timeZone.secondsFromGMT(for: date))
    }

    /// The wall time a recording's clock showed: the tag's own offset when it has one other than
    /// UTC; a zone-less tag's wall time as written; otherwise (UTC tags, which MP4 writes by
    /// convention, and file times) this machine's time zone at that instant.
    public init(_ time: RecordingTime, fallbackZone: TimeZone = .current) {
        if let offset = time.utcOffsetSeconds, offset != 0 {
            // By arithmetic: any offset a RecordingTime carries gives its wall time exactly.
            self.init(wallSeconds: Int64(time.date.timeIntervalSince1970.rounded(.down)) + Int64(offset))
        } else if time.utcOffsetSeconds == nil {
            self.init(time.date, in: .current)  // `RecordingTime` keeps zone-less times in the current zone
        } else {
            self.init(time.date, in: fallbackZone)
        }
    }

    /// Days since 1970-01-01 (wall calendar).
    public var dayNumber: Int { Int((wallSeconds - Self.floorMod(wallSeconds, 86_400)) / 86_400) }
    /// Seconds since midnight.
    public var secondOfDay: Int { Int(Self.floorMod(wallSeconds, 86_400)) }
    /// Hour 0...23.
    public var hour: Int { secondOfDay / 3600 }
    /// ISO weekday: 1 Monday ... 7 Sunday.
    public var weekday: Int { Int(Self.floorMod(Int64(dayNumber) + 3, 7)) + 1 }  // 1970-01-01 was a Thursday
    /// Year, month, day.
    public var date: (year: Int, month: Int, day: Int) { Self.civil(fromDays: dayNumber) }
    /// The midnight that starts this day.
    public var startOfDay: LocalTime { LocalTime(wallSeconds: Int64(dayNumber) * 86_400) }
    /// The Monday that starts this ISO week.
    public var startOfWeek: LocalTime { LocalTime(wallSeconds: Int64(dayNumber - (weekday - 1)) * 86_400) }
    /// This time plus `days` days.
    public func adding(days: Int) -> LocalTime { LocalTime(wallSeconds: wallSeconds + Int64(days) * 86_400) }

    /// `2026-11-23`.
    public var dayText: String {
        let d = date
        return String(format: "%04d-%02d-%02d", d.year, d.month, d.day)
    }

    /// The ISO 8601 week: `2026-W48` (weeks start on Monday; week 1 holds the year's first Thursday).
    public var isoWeekText: String {
        let thursday = LocalTime(wallSeconds: Int64(dayNumber - (weekday - 1) + 3) * 86_400)
        let year = thursday.date.year
        let firstDay = Self.daysFromCivil(year: year, month: 1, day: 1)
        return String(format: "%04d-W%02d", year, (thursday.dayNumber - firstDay) / 7 + 1)
    }

    /// `2026-11-23T08:15:00`.
    public var description: String {
        let s = secondOfDay
        return dayText + String(format: "T%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (a space may replace the `T`); nil otherwise.
    public init?(parsing text: String) {
        let parts = text.split(whereSeparator: { $0 == "T" || $0 == " " }).map(String.init)
        guard (1...2).contains(parts.count) else { return nil }
        let day = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard day.count == 3, let y = day[0], let m = day[1], let d = day[2], (1...9999).contains(y), (1...12).contains(m),
              (1...Self.daysIn(month: m, year: y)).contains(d) else { return nil }
        var clock = [0, 0, 0]
        if parts.count == 2 {
            let fields = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (2...3).contains(fields.count), fields.allSatisfy({ $0 != nil }) else { return nil }
            for (i, f) in fields.enumerated() { clock[i] = f! }
            guard (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...59).contains(clock[2]) else { return nil }
        }
        self.init(year: y, month: m, day: d, hour: clock[0], minute: clock[1], second: clock[2])
    }

    /// Earlier wall time first.
    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.wallSeconds < b.wallSeconds }

    /// Encodes as its `description`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Decodes what `encode` writes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let time = LocalTime(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a local time (YYYY-MM-DDTHH:MM:SS)")
        }
        self = time
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { ((a % b) + b) % b }

    // The calendar arithmetic is RecordingTime's (one copy in the package).
    private static func daysIn(month: Int, year: Int) -> Int { RecordingTime.daysIn(month: month, year: year) }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int { RecordingTime.daysFromCivil(year: year, month: month, day: day) }

    /// The inverse of `daysFromCivil`.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) { RecordingTime.civil(fromDays: days) }
}

/// Which model produced an analysis: its name and the SHA-256 of its weights file, so that a
/// renamed folder is the same model and a re-converted one is not.
public struct ModelIdentity: Sendable, Hashable, Codable {
    /// A readable name (the model folder's name).
    public let name: String
    /// SHA-256 of `model.safetensors`, lower-case hex.
    public let sha256: String

    /// An identity from its parts.
    public init(name: String, sha256: String) {
        self.name = name
        self.sha256 = sha256
    }

    /// The model among `models` that `text` names: its name, or the start of its SHA-256 (at
    /// least 8 characters). With two models of one name, the name alone names none of them.
    public static func find(_ text: String, among models: [ModelIdentity]) -> ModelIdentity? {
        let byName = models.filter { $0.name == text }
        if byName.count == 1 { return byName[0] }
        let byDigest = text.count >= 8 ? models.filter { $0.sha256.hasPrefix(text.lowercased()) } : []
        return byDigest.count == 1 ? byDigest[0] : nil
    }
}

/// One speech segment of a journal recording.
public struct JournalSegment: Sendable, Equatable, Encodable {
    /// Start and end in seconds from the start of the recording.
    public let startSeconds: Double, endSeconds: Double
    /// Scores by canonical emotion name, in the model's label order.
    public let scores: [LabelScore]
    /// Stress index 0...1.
    public let stress: Double?

    /// A segment from its parts.
    public init(startSeconds: Double, endSeconds: Double, scores: [LabelScore], stress: Double?) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.scores = scores
        self.stress = stress
    }

    /// The highest-scoring label, if any.
    public var dominant: String? { scores.max { $0.score < $1.score }?.label }

    enum CodingKeys: String, CodingKey { case startSeconds = "start_s", endSeconds = "end_s", scores, stress }

    /// Encodes `{"start_s", "end_s", "scores": {label: score}, "stress"}`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(startSeconds, forKey: .startSeconds)
        try c.encode(endSeconds, forKey: .endSeconds)
        try c.encode(ScoreObject(scores), forKey: .scores)
        try c.encode(stress, forKey: .stress)
    }
}

/// A label's score (label as the canonical emotion name: "angry", "calm", ...).
public struct LabelScore: Sendable, Equatable, Codable {
    /// The canonical emotion name.
    public let label: String
    /// Probability, or a raw value for dimensional models.
    public let score: Double

    /// A score from its parts.
    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// What the journal keeps of one recording.
public struct JournalRecording: Sendable, Equatable, Encodable, Identifiable {
    /// Row id, stable for the life of the journal.
    public let id: Int64
    /// SHA-256 of the file's bytes: the same memo is recognised under any name.
    public let contentSHA256: String
    /// The path it was added from (nil when added with paths omitted).
    public let path: String?
    /// When it was recorded: the instant (nil when unknown) ...
    public let recordedAt: Date?
    /// ... and the wall time the statistics group by.
    public let recordedLocal: LocalTime
    /// Where the time comes from: "metadata" (the file's date tag), "file_time" (its
    /// modification time: often when it was copied, not recorded), "user" (`--recorded-at`) or
    /// "added" (unknown: when it entered the journal).
    public let recordedAtSource: String
    /// Whether the date is a guess from the file's modification time or the time it was added.
    public var isDatedByFileTime: Bool { recordedAtSource == "file_time" || recordedAtSource == "added" }
    /// Length of the recording and seconds of speech in it.
    public let durationSeconds: Double, speechSeconds: Double
    /// The model that analysed it.
    public let model: ModelIdentity
    /// The analysis options that shaped the results (nil for entries made without them).
    public let settings: AnalysisSettings?
    /// Duration-weighted scores of the recording by canonical emotion name.
    public let scores: [LabelScore]
    /// Arousal, dominance, valence for dimensional models.
    public let dimensions: EmotionDimensions?
    /// Stress index 0...1 (nil without speech).
    public let stress: Double?
    /// The dominant emotion's name (classification models with speech).
    public let dominant: String?
    /// The person's own labels ("work", "after run").
    public let tags: [String]
    /// When it entered the journal.
    public let addedAt: Date
    /// Its speech segments.
    public let segments: [JournalSegment]
    /// Its voice markers, when the analysis measured them.
    public let prosody: ProsodySummary?

    /// A recording from its parts (the journal makes these; tests and imports may too).
    public init(id: Int64, contentSHA256: String, path: String?, recordedAt: Date?, recordedLocal: LocalTime,
                recordedAtSource: String, durationSeconds: Double, speechSeconds: Double, model: ModelIdentity,
                settings: AnalysisSettings? = nil, scores: [LabelScore], dimensions: EmotionDimensions? = nil, stress: Double?,
                dominant: String?, tags: [String] = [], addedAt: Date = Date(), segments: [JournalSegment] = [], prosody: ProsodySummary? = nil) {
        self.id = id
        self.contentSHA256 = contentSHA256
        self.path = path
        self.recordedAt = recordedAt
        self.recordedLocal = recordedLocal
        self.recordedAtSource = recordedAtSource
        self.durationSeconds = durationSeconds
        self.speechSeconds = speechSeconds
        self.model = model
        self.settings = settings
        self.scores = scores
        self.dimensions = dimensions
        self.stress = stress
        self.dominant = dominant
        self.tags = tags
        self.addedAt = addedAt
        self.segments = segments
        self.prosody = prosody
    }

    enum CodingKeys: String, CodingKey {
        case id, contentSHA256 = "content_sha256", path, recordedAt = "recorded_at_utc", recordedLocal = "recorded_local"
        case recordedAtSource = "recorded_at_source", durationSeconds = "duration_s", speechSeconds = "speech_s"
        case model, options, scores, dimensions, stress, dominant, tags, addedAt = "added_at", segments, prosody
    }

    /// Encodes the export schema: times as ISO 8601 (`recorded_local` without a zone), scores as an object in the model's label order.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(contentSHA256, forKey: .contentSHA256)
        try c.encode(path, forKey: .path)
        try c.encode(recordedAt.map(isoUTC), forKey: .recordedAt)
        try c.encode(recordedLocal, forKey: .recordedLocal)
        try c.encode(recordedAtSource, forKey: .recordedAtSource)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(speechSeconds, forKey: .speechSeconds)
        try c.encode(model, forKey: .model)
        try c.encode(settings, forKey: .options)
        try c.encode(ScoreObject(scores), forKey: .scores)
        try c.encode(dimensions, forKey: .dimensions)
        try c.encode(stress, forKey: .stress)
        try c.encode(dominant, forKey: .dominant)
        try c.encode(tags, forKey: .tags)
        try c.encode(isoUTC(addedAt), forKey: .addedAt)
        try c.encode(segments, forKey: .segments)
        try c.encode(prosody, forKey: .prosody)
    }
}

/// `2026-11-23T07:15:00Z`.
func isoUTC(_ date: Date) -> String { LocalTime(wallSeconds: Int64(date.timeIntervalSince1970.rounded(.down))).description + "Z" }

/// Scores as a JSON object, keys in label order.
struct ScoreObject: Encodable {
    let scores: [LabelScore]
    init(_ scores: [LabelScore]) { self.scores = scores }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for score in scores { try c.encode(score.score, forKey: Key(stringValue: score.label)) }
    }
}

/// The analysis options kept with each recording: the ones that change its results.
public struct AnalysisSettings: Sendable, Equatable, Codable {
    /// VAD speech threshold, minimum speech and silence, padding (ms), longest segment (s; nil: no limit).
    public var threshold: Double, minSpeechMs: Double, minSilenceMs: Double, speechPadMs: Double, maxSpeechSeconds: Double?
    /// Longest window given to the model (s).
    public var maxWindowSeconds: Double

    /// The settings of `options`.
    public init(_ options: EmotionAnalyzerOptions) {
        let s = options.speech
        threshold = s.threshold
        minSpeechMs = s.minSpeechDurationMs
        minSilenceMs = s.minSilenceDurationMs
        speechPadMs = s.speechPadMs
        maxSpeechSeconds = s.maxSpeechDurationSeconds.isFinite ? s.maxSpeechDurationSeconds : nil
        maxWindowSeconds = options.maximumWindowSeconds
    }

    enum CodingKeys: String, CodingKey {
        case threshold, minSpeechMs = "min_speech_ms", minSilenceMs = "min_silence_ms", speechPadMs = "speech_pad_ms"
        case maxSpeechSeconds = "max_speech_s", maxWindowSeconds = "max_window_s"
    }
}
