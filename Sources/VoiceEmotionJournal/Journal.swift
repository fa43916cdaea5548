// The stress journal: one SQLite file (through GRDB) that keeps every analysed memo's results
// (never its audio), so that days and weeks can be compared with the person's own usual level.

import Foundation
import GRDB
import StrictJSON
import VoiceEmotion
import VoiceEmotionCore

/// What `Journal.add` did.
public enum JournalAddOutcome: Sendable, Equatable {
    /// A new recording with this id.
    case added(Int64)
    /// The same content analysed with the same model was already there (nothing changed).
    case alreadyPresent(Int64)
    /// An earlier entry of the same content and model was replaced (`replace: true`).
    case replaced(Int64)

    /// The recording's id.
    public var id: Int64 {
        switch self { case .added(let id), .alreadyPresent(let id), .replaced(let id): return id }
    }
}

/// Which recordings to read.
public struct JournalFilter: Sendable, Equatable {
    /// Recorded at or after this wall time.
    public var since: LocalTime?
    /// Recorded before this wall time.
    public var until: LocalTime?
    /// Carrying this tag.
    public var tag: String?
    /// Only the latest analysis of each recording (by content) when it was analysed with several
    /// models; statistics use this so that no memo counts twice.
    public var latestPerContent = false
    /// Whether to read the segments too (the dashboard needs them only for the memos it lists).
    public var includeSegments = true

    /// All recordings, with segments.
    public init(since: LocalTime? = nil, until: LocalTime? = nil, tag: String? = nil,
                latestPerContent: Bool = false, includeSegments: Bool = true) {
        self.since = since
        self.until = until
        self.tag = tag
        self.latestPerContent = latestPerContent
        self.includeSegments = includeSegments
    }
}

/// The person's choices, kept in the journal file.
public struct JournalSettings: Sendable, Equatable {
    /// Whether memos dated by their file's modification time count in the weekday × time-of-day
    /// grid and the peak answer (`JournalSummaryOptions.fileTimesInGrid`). Default: yes.
    public var fileTimesInGrid = true

    /// The defaults.
    public init(fileTimesInGrid: Bool = true) { self.fileTimesInGrid = fileTimesInGrid }
}

/// The journal: analysed memos over days and weeks in one SQLite file, safe to share between
/// threads and between processes (WAL; each recording is written in one transaction, so an
/// interrupted add leaves no half record).
///
/// ```swift
/// let journal = try Journal()                                   // $VOICE_EMOTION_JOURNAL or the default file
/// let analyzer = try EmotionAnalyzer(modelFolder: folder)
/// try await journal.add(file: "memo.m4a", analyzer: analyzer, tags: ["work"])
/// let summary = JournalSummary(try journal.recordings())       // one model's memos: the latest model's
/// print(summary.peak.sentence)
/// ```
public final class Journal: Sendable {
    /// The journal file.
    public let path: String
    /// Whether this connection only reads (`readOnly:`, unless an earlier schema had to be
    /// upgraded first): writes fail, nothing on disk changes.
    public let isReadOnly: Bool
    private let pool: any DatabaseWriter

    /// `$VOICE_EMOTION_JOURNAL`, else `$XDG_DATA_HOME/voice-emotion/journal.sqlite`
    /// (`~/.local/share/...`), or `~/Library/Application Support/VoiceEmotion/journal.sqlite` on macOS.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["VOICE_EMOTION_JOURNAL"], !path.isEmpty { return path }
        let home = FileManager.default.homeDirectoryForCurrentUser
        #if os(macOS)
        return home.appendingPathComponent("Library/Application Support/VoiceEmotion/journal.sqlite").path
        #else
        let data = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? home.appendingPathComponent(".local/share")
        return data.appendingPathComponent("voice-emotion/journal.sqlite").path
        #endif
    }

    /// Opens (creating if needed, with its folder) the journal at `path`, bringing its schema up
    /// to date. A journal written by a newer version is refused, not changed; so is an SQLite
    /// file of another program (tables but not the journal's): it is inspected read-only first,
    /// so not even its journal mode changes.
    ///
    /// `readOnly`: for reading (list, summary, export, dashboard): nothing is created, migrated
    /// or written, so a journal on a read-only disk can be read; a missing file reads as an empty
    /// journal (kept in memory, nothing created); a journal of an earlier schema is upgraded
    /// first, as when writing (it is the journal's own file).
    public init(path: String = Journal.defaultPath, readOnly: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)  // another process adding: wait for its transaction
        configuration.foreignKeysEnabled = true
        let exists = FileManager.default.fileExists(atPath: path)
        if exists { try Self.refuseForeign(path: path) }
        if readOnly {
            var readOnlyConfiguration = configuration
            readOnlyConfiguration.readonly = true
            if let reader = try Self.openReadOnly(path: path, exists: exists, configuration: readOnlyConfiguration) {
                pool = reader
                isReadOnly = true
                return
            }
            // A journal of an earlier schema: upgrading our own file is safe; only a file that
            // cannot be written stays unreadable until it can be.
        }
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw VoiceEmotionError.journalUnavailable(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
        }
        pool = try Self.open(path: path, configuration: configuration)
        isReadOnly = false
    }

    /// Refuses, without changing it, a database that has tables but not the journal's (another
    /// app's SQLite file): opening a pool on it would switch it to WAL and migrating would add
    /// our tables to it.
    private static func refuseForeign(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        var tables: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                tables = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") }
                try queue.close()
                break
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline {
                usleep(20_000)  // another process is creating or writing the journal
            } catch {
                throw failure(error, path: path)
            }
        }
        // Ours: no tables yet, or the migrations' table (alone while another process creates
        // the journal), or the journal's own.
        guard !tables.isEmpty, tables != ["grdb_migrations"], !tables.contains("grdb_migrations") || !tables.contains("recording") else { return }
        let shown = tables.sorted().prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
        throw VoiceEmotionError.journalUnavailable(
            path: path, reason: "the file is an SQLite database of another program (tables \(shown)), not a journal; it was left unchanged")
    }

    /// A read-only connection, or an empty journal in memory for a file that does not exist;
    /// nil for a journal whose schema needs an upgrade first.
    private static func openReadOnly(path: String, exists: Bool, configuration: Configuration) throws -> (any DatabaseWriter)? {
        let migrator = JournalSchema.migrator
        guard exists else {
            let memory = try DatabaseQueue()
            try migrator.migrate(memory)
            return memory
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let (superseded, complete) = try queue.read { db in (try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db)) }
            if superseded {
                let applied = try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
                throw VoiceEmotionError.journalFromNewerVersion(path: path, unknownMigrations: applied.filter { !Set(migrator.migrations).contains($0) })
            }
            guard complete else {
                try queue.close()
                return nil
            }
            return queue
        } catch {
            throw failure(error, path: path)
        }
    }

    /// Opens the pool, refuses a newer schema, and migrates. Two processes opening a new journal
    /// at once can see SQLITE_BUSY where no busy handler applies (switching to WAL), or both try
    /// to create the tables (GRDB's migrator reads which migrations ran before its transaction):
    /// the loser retries, for up to 30 s, and then finds the schema in place.
    private static func open(path: String, configuration: Configuration) throws -> any DatabaseWriter {
        let deadline = Date().addingTimeInterval(30)
        let migrator = JournalSchema.migrator
        var pause: UInt32 = 10_000
        while true {
            var pool: DatabasePool?
            do {
                let opened = try DatabasePool(path: path, configuration: configuration)
                pool = opened
                let superseded = try opened.read { db -> [String]? in
                    guard try migrator.hasBeenSuperseded(db) else { return nil }
                    let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                    let known = Set(migrator.migrations)
                    return applied.filter { !known.contains($0) }
                }
                if let unknown = superseded { throw VoiceEmotionError.journalFromNewerVersion(path: path, unknownMigrations: unknown) }
                try migrator.migrate(opened)
                return opened
            } catch let error as DatabaseError where Date() < deadline {
                let busy = error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                let migratedByAnother = (try? pool?.read { try migrator.hasCompletedMigrations($0) }) == true
                guard busy || migratedByAnother else { throw failure(error, path: path) }
                usleep(pause)
                pause = min(pause * 2, 500_000)
            } catch {
                throw failure(error, path: path)
            }
        }
    }

    static func failure(_ error: Error, path: String) -> VoiceEmotionError {
        if let error = error as? VoiceEmotionError { return error }
        if let error = error as? DatabaseError {
            let reason: String
            switch error.resultCode {
            case .SQLITE_NOTADB: reason = "the file is not a journal (not an SQLite database)"
            case .SQLITE_BUSY, .SQLITE_LOCKED: reason = "another program kept it locked for more than 30 s; try again"
            case .SQLITE_CORRUPT: reason = "the file is damaged (\(error.message ?? "corrupt"))"
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: reason = "cannot open it for writing (\(error.message ?? "permission denied"))"
            case .SQLITE_FULL: reason = "the disk is full"
            default: reason = error.message ?? "\(error)"
            }
            return .journalUnavailable(path: path, reason: reason)
        }
        return .journalUnavailable(path: path, reason: "\(error)")
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw Self.failure(error, path: path) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw Self.failure(error, path: path) }
    }

    // MARK: Adding

    /// The id of the recording with this content analysed by this model, if the journal has it.
    public func recordingID(contentSHA256: String, model: ModelIdentity) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM recording WHERE content_sha256 = ? AND model_sha256 = ?",
                               arguments: [contentSHA256, model.sha256])
        }
    }

    /// Adds one analysed recording in a single transaction. The same content with the same
    /// model is not added twice (`.alreadyPresent`) unless `replace` is set. `recordedAt`
    /// overrides the analysis' own time (stored with source "user"); `keepPath: false` stores
    /// no path. Tags are trimmed; empty ones are dropped; a replaced entry's tags are kept.
    @discardableResult
    public func add(_ analysis: RecordingAnalysis, contentSHA256: String, model: ModelIdentity, settings: AnalysisSettings? = nil,
                    tags: [String] = [], recordedAt: RecordingTime? = nil, keepPath: Bool = true, replace: Bool = false) throws -> JournalAddOutcome {
        let time = recordedAt ?? analysis.recordedAt
        let source = recordedAt != nil ? "user" : (analysis.recordedAt?.source.rawValue ?? "added")
        let now = Date()
        let local = time.map { LocalTime($0) } ?? LocalTime(now, in: .current)
        let tags = Self.normalised(tags)
        let scores = analysis.scores.map { LabelScore(label: $0.emotion.name, score: $0.score) }
        return try write { db in
            var replaced = false
            var tags = tags
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM recording WHERE content_sha256 = ? AND model_sha256 = ?",
                                                 arguments: [contentSHA256, model.sha256]) {
                guard replace else { return .alreadyPresent(existing) }
                // A new analysis keeps the person's tags.
                tags += try String.fetchAll(db, sql: "SELECT name FROM tag WHERE recording_id = ?", arguments: [existing])
                try db.execute(sql: "DELETE FROM recording WHERE id = ?", arguments: [existing])
                replaced = true
            }
            try db.execute(sql: """
                INSERT INTO recording (content_sha256, path, recorded_at, recorded_local, recorded_at_source, duration_s, speech_s,
                                       model_name, model_sha256, options, scores, dimensions, stress, dominant, added_at, prosody)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    contentSHA256, keepPath ? analysis.file : nil, time?.date.timeIntervalSince1970, local.wallSeconds, source,
                    analysis.durationSeconds, analysis.speechSeconds, model.name, model.sha256, Self.encode(settings),
                    Self.encode(scores), analysis.dimensions.map { Self.encode(dimensions: $0) }, analysis.stress,
                    analysis.dominant?.name, now.timeIntervalSince1970, analysis.prosody.flatMap { try? OrderedJSONEncoder().encode($0) },
                ])
            let id = db.lastInsertedRowID
            Self.pauseForInterruptionTest()
            for (position, segment) in analysis.segments.enumerated() {
                let segmentScores = segment.scores.map { LabelScore(label: $0.emotion.name, score: $0.score) }
                try db.execute(sql: "INSERT INTO segment (recording_id, position, start_s, end_s, scores, stress) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [id, position, segment.startSeconds, segment.endSeconds, Self.encode(segmentScores), segment.stress])
            }
            for tag in tags {
                try db.execute(sql: "INSERT OR IGNORE INTO tag (recording_id, name) VALUES (?, ?)", arguments: [id, tag])
            }
            return replaced ? .replaced(id) : .added(id)
        }
    }

    /// Decodes, analyses and adds one file: its content is hashed first, so a memo already in
    /// the journal with this model is not analysed again (unless `replace`). `model` names the
    /// analyzer's model (default: the folder's name and weights' SHA-256; required for a model
    /// loaded without a folder).
    @discardableResult
    public func add(file: String, analyzer: EmotionAnalyzer, model: ModelIdentity? = nil, tags: [String] = [],
                    recordedAt: RecordingTime? = nil, keepPath: Bool = true, replace: Bool = false) async throws -> JournalAddOutcome {
        let model = try modelIdentity(of: analyzer, given: model)
        let content = try Self.contentSHA256(ofFile: file)
        if !replace, let id = try recordingID(contentSHA256: content, model: model) { return .alreadyPresent(id) }
        let analysis = try await analyzer.analyze(file: file)
        return try add(analysis, contentSHA256: content, model: model, settings: AnalysisSettings(analyzer.options),
                       tags: tags, recordedAt: recordedAt, keepPath: keepPath, replace: replace)
    }

    /// The identity of the model in `folder`: its name and the SHA-256 of model.safetensors
    /// (remembered per path, size and modification time, so a large file is hashed once).
    public func modelIdentity(folder: String) throws -> ModelIdentity {
        let weights = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors").standardizedFileURL.path
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: weights) } catch { throw VoiceEmotionError.fileNotFound(path: weights) }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
        if let known = try read({ db in
            try String.fetchOne(db, sql: "SELECT sha256 FROM model_checksum WHERE path = ? AND size = ? AND modified = ?",
                                arguments: [weights, size, modified])
        }) { return ModelIdentity(name: name, sha256: known) }
        let digest = try Self.contentSHA256(ofFile: weights)
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO model_checksum (path, size, modified, sha256) VALUES (?, ?, ?, ?)",
                           arguments: [weights, size, modified, digest])
        }
        return ModelIdentity(name: name, sha256: digest)
    }

    /// SHA-256 of a file's bytes, read in 1 MB pieces. Only a regular file is read: a FIFO or a
    /// link to /dev/zero would block or never end (the memo is hashed before it is decoded, so
    /// this is the first thing that touches it).
    public static func contentSHA256(ofFile path: String) throws -> String {
        let descriptor: Int32
        do { descriptor = try RegularFile.open(path: path).descriptor } catch {
            switch error {
            case .notFound: throw VoiceEmotionError.fileNotFound(path: path)
            case .notRegular: throw VoiceEmotionError.unreadableFile(path: path, reason: "not a regular file (a folder, pipe or device)")
            default: throw VoiceEmotionError.unreadableFile(path: path, reason: error.reason)
            }
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var hash = SHA256()
        while true {
            let data: Data
            do { data = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw VoiceEmotionError.unreadableFile(path: path, reason: error.localizedDescription)
            }
            if data.isEmpty { break }
            data.withUnsafeBytes { hash.update($0) }
        }
        return hash.hexDigest()
    }

    // MARK: Changing

    /// Adds a tag to a recording.
    public func tag(_ id: Int64, _ tag: String) throws {
        guard let tag = Self.normalised([tag]).first else {
            throw VoiceEmotionError.invalidOption(name: "tag", value: tag, reason: "a tag needs 1...64 characters")
        }
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM recording WHERE id = ?)", arguments: [id]) == true else {
                throw VoiceEmotionError.journalRecordingNotFound(id: id)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO tag (recording_id, name) VALUES (?, ?)", arguments: [id, tag])
        }
    }

    /// Removes recordings (their segments and tags go with them); all or none: an unknown id
    /// removes nothing.
    public func remove(_ ids: [Int64]) throws {
        try write { db in
            for id in ids {
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM recording WHERE id = ?)", arguments: [id]) == true else {
                    throw VoiceEmotionError.journalRecordingNotFound(id: id)
                }
            }
            for id in ids { try db.execute(sql: "DELETE FROM recording WHERE id = ?", arguments: [id]) }
        }
    }

    /// Removes every recording; returns how many there were.
    @discardableResult
    public func removeAll() throws -> Int {
        try write { db in
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM recording") ?? 0
            try db.execute(sql: "DELETE FROM recording")
            return count
        }
    }

    /// Sets when a recording was made (a memo dated by its file time, or wrongly tagged); its
    /// source becomes "user".
    public func setRecordedAt(_ id: Int64, _ time: RecordingTime) throws {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM recording WHERE id = ?)", arguments: [id]) == true else {
                throw VoiceEmotionError.journalRecordingNotFound(id: id)
            }
            try db.execute(sql: "UPDATE recording SET recorded_at = ?, recorded_local = ?, recorded_at_source = 'user' WHERE id = ?",
                           arguments: [time.date.timeIntervalSince1970, LocalTime(time).wallSeconds, id])
        }
    }

    // MARK: Settings

    /// The person's settings kept in the journal file.
    public func settings() throws -> JournalSettings {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM setting")
            var settings = JournalSettings()
            for row in rows where (row["key"] as String) == "file_times_in_grid" {
                settings.fileTimesInGrid = (row["value"] as String) != "0"
            }
            return settings
        }
    }

    /// Keeps `settings` in the journal file.
    public func save(_ settings: JournalSettings) throws {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES ('file_times_in_grid', ?)",
                           arguments: [settings.fileTimesInGrid ? "1" : "0"])
        }
    }

    // MARK: Reading

    /// How many recordings the journal holds.
    public func count() throws -> Int { try read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM recording") ?? 0 } }

    /// Recordings in time order (then by id).
    public func recordings(_ filter: JournalFilter = JournalFilter()) throws -> [JournalRecording] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let since = filter.since { conditions.append("r.recorded_local >= ?"); arguments.append(since.wallSeconds) }
        if let until = filter.until { conditions.append("r.recorded_local < ?"); arguments.append(until.wallSeconds) }
        if let tag = filter.tag { conditions.append("EXISTS (SELECT 1 FROM tag t WHERE t.recording_id = r.id AND t.name = ?)"); arguments.append(tag) }
        if filter.latestPerContent {
            conditions.append("NOT EXISTS (SELECT 1 FROM recording o WHERE o.content_sha256 = r.content_sha256 AND (o.added_at > r.added_at OR (o.added_at = r.added_at AND o.id > r.id)))")
        }
        return try fetch(conditions.joined(separator: " AND "), arguments, includeSegments: filter.includeSegments)
    }

    /// The recordings with these ids (those that exist), with segments, in time order.
    public func recordings(ids: [Int64]) throws -> [JournalRecording] {
        guard !ids.isEmpty else { return [] }
        return try fetch("r.id IN (\(ids.map(String.init).joined(separator: ",")))", [], includeSegments: true)
    }

    /// Rows matching `condition` (SQL on `recording r`; empty for all), with their tags and
    /// optionally their segments, read in one transaction.
    private func fetch(_ condition: String, _ arguments: [(any DatabaseValueConvertible)?], includeSegments: Bool) throws -> [JournalRecording] {
        let selection = "FROM recording r" + (condition.isEmpty ? "" : " WHERE " + condition)
        let statementArguments = StatementArguments(arguments)
        var settingsByText: [String: AnalysisSettings?] = [:]  // most rows share one setting
        // Nothing is dropped silently: a column that does not decode is an error naming the row
        // (a damaged or hand-edited journal), not a memo without its scores or markers.
        func unreadable(_ id: Int64, _ what: String, _ text: String) -> VoiceEmotionError {
            .journalUnavailable(path: path, reason: "recording \(id): its \(what) cannot be read ('\(text.prefix(40))')")
        }
        func settings(_ text: String, id: Int64) throws -> AnalysisSettings? {
            if let known = settingsByText[text] { return known }
            guard text != "{}" else { return nil }  // entries made without settings
            guard let decoded = Self.decodeSettings(text) else { throw unreadable(id, "analysis settings", text) }
            settingsByText[text] = decoded
            return decoded
        }
        func scores(_ text: String, id: Int64) throws -> [LabelScore] {
            guard let decoded = Self.decodeScores(text) else { throw unreadable(id, "scores", text) }
            return decoded
        }
        return try read { db in
            // Columns by position (reading a row by column name costs a lookup per field).
            let columns = "r.id, r.content_sha256, r.path, r.recorded_at, r.recorded_local, r.recorded_at_source, r.duration_s, r.speech_s, "
                + "r.model_name, r.model_sha256, r.options, r.scores, r.dimensions, r.stress, r.dominant, r.added_at, r.prosody"
            let rows = try Row.fetchAll(db, sql: "SELECT \(columns) " + selection + " ORDER BY r.recorded_local, r.id", arguments: statementArguments)
            var tags: [Int64: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT recording_id, name FROM tag WHERE recording_id IN (SELECT r.id \(selection)) ORDER BY name",
                                        arguments: statementArguments) {
                tags[row["recording_id"], default: []].append(row["name"])
            }
            var segments: [Int64: [JournalSegment]] = [:]
            if includeSegments {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM segment WHERE recording_id IN (SELECT r.id \(selection)) ORDER BY recording_id, position",
                                            arguments: statementArguments) {
                    let id: Int64 = row["recording_id"]
                    segments[id, default: []].append(JournalSegment(
                        startSeconds: row["start_s"], endSeconds: row["end_s"], scores: try scores(row["scores"], id: id), stress: row["stress"]))
                }
            }
            return try rows.map { row in
                let id: Int64 = row[0]
                let recordedAt: Double? = row[3]
                let dimensionsText: String? = row[12]
                let prosodyText: String? = row[16]
                let dimensions = try dimensionsText.map { text in
                    guard let decoded = Self.decodeDimensions(text) else { throw unreadable(id, "dimensions", text) }
                    return decoded
                }
                let prosody = try prosodyText.map { text in
                    do { return try JSONDecoder().decode(ProsodySummary.self, from: Data(text.utf8)) } catch { throw unreadable(id, "voice markers", text) }
                }
                return JournalRecording(
                    id: id, contentSHA256: row[1], path: row[2], recordedAt: recordedAt.map(Date.init(timeIntervalSince1970:)),
                    recordedLocal: LocalTime(wallSeconds: row[4]), recordedAtSource: row[5], durationSeconds: row[6], speechSeconds: row[7],
                    model: ModelIdentity(name: row[8], sha256: row[9]), settings: try settings(row[10], id: id),
                    scores: try scores(row[11], id: id), dimensions: dimensions,
                    stress: row[13], dominant: row[14], tags: tags[id] ?? [],
                    addedAt: Date(timeIntervalSince1970: row[15]), segments: segments[id] ?? [], prosody: prosody)
            }
        }
    }

    // MARK: Encoding

    static func normalised(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && $0.count <= 64 && seen.insert($0).inserted }
    }

    /// Scores as `[["angry",0.1],...]`: shortest round-trip decimals, so a Double comes back bit for bit.
    static func encode(_ scores: [LabelScore]) -> String {
        "[" + scores.map { "[\(jsonStringLiteral($0.label)),\($0.score.isFinite ? "\($0.score)" : "null")]" }.joined(separator: ",") + "]"
    }

    static func encode(_ settings: AnalysisSettings?) -> String {
        settings.flatMap { try? OrderedJSONEncoder().encode($0) } ?? "{}"
    }

    static func decodeSettings(_ text: String) -> AnalysisSettings? { try? JSONDecoder().decode(AnalysisSettings.self, from: Data(text.utf8)) }

    static func encode(dimensions d: EmotionDimensions) -> String { "[\(d.arousal),\(d.dominance),\(d.valence)]" }

    /// Reads what `encode(_ scores:)` writes: a direct scan of `[["label",number],...]` (labels
    /// without escapes; the journal reads thousands of these), else a JSON parser.
    /// nil when the text is not such a list.
    static func decodeScores(_ text: String) -> [LabelScore]? {
        if let scores = scanScores(text) { return scores }
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[Any]] else { return nil }
        var scores: [LabelScore] = []
        for pair in array {
            // A score written as null (not finite when stored) reads as NaN, as it was.
            guard pair.count == 2, let label = pair[0] as? String else { return nil }
            if pair[1] is NSNull { scores.append(LabelScore(label: label, score: .nan)); continue }
            guard let score = (pair[1] as? NSNumber)?.doubleValue else { return nil }
            scores.append(LabelScore(label: label, score: score))
        }
        return scores
    }

    private static func scanScores(_ text: String) -> [LabelScore]? {
        var text = text
        return text.withUTF8 { bytes -> [LabelScore]? in
            var scores: [LabelScore] = []
            var i = 0
            func expect(_ byte: UInt8) -> Bool {
                guard i < bytes.count, bytes[i] == byte else { return false }
                i += 1
                return true
            }
            guard expect(UInt8(ascii: "[")) else { return nil }
            if expect(UInt8(ascii: "]")) { return i == bytes.count ? [] : nil }
            repeat {
                guard expect(UInt8(ascii: "[")), expect(UInt8(ascii: "\"")) else { return nil }
                let labelStart = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") { return nil }
                    i += 1
                }
                let label = String(decoding: UnsafeBufferPointer(rebasing: bytes[labelStart..<i]), as: UTF8.self)
                guard expect(UInt8(ascii: "\"")), expect(UInt8(ascii: ",")) else { return nil }
                let numberStart = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "]") { i += 1 }
                guard let score = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[numberStart..<i]), as: UTF8.self)),
                      expect(UInt8(ascii: "]")) else { return nil }
                scores.append(LabelScore(label: label, score: score))
            } while expect(UInt8(ascii: ","))
            return expect(UInt8(ascii: "]")) && i == bytes.count ? scores : nil
        }
    }

    static func decodeDimensions(_ text: String) -> EmotionDimensions? {
        guard let values = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [NSNumber], values.count == 3 else { return nil }
        return EmotionDimensions(arousal: values[0].doubleValue, dominance: values[1].doubleValue, valence: values[2].doubleValue)
    }

    /// Test hook: `VOICE_EMOTION_JOURNAL_TEST_PAUSE_MS` holds an add inside its transaction (after
    /// the recording row, before its segments) so a test can kill the process there.
    private static let interruptionPause: UInt32 = {
        UInt32(ProcessInfo.processInfo.environment["VOICE_EMOTION_JOURNAL_TEST_PAUSE_MS"].flatMap { Int($0) }.map { min(max($0, 0), 60_000) } ?? 0)
    }()

    private static func pauseForInterruptionTest() {
        guard interruptionPause > 0 else { return }
        try? FileHandle.standardError.write(contentsOf: Data("test: pausing inside the add transaction\n".utf8))
        usleep(interruptionPause * 1000)
    }
}
