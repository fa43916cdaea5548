// The journal's tables, as versioned migrations. A migration, once released, never changes:
// a later schema is a new migration appended here.

import GRDB

enum JournalSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: recordings, segments, tags") { db in
            try db.create(table: "recording") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("content_sha256", .text).notNull()
                t.column("path", .text)
                t.column("recorded_at", .double)                    // Unix seconds; NULL when unknown
                t.column("recorded_local", .integer).notNull()      // wall-clock seconds (LocalTime)
                t.column("recorded_at_source", .text).notNull()
                t.column("duration_s", .double).notNull()
                t.column("speech_s", .double).notNull()
                t.column("model_name", .text).notNull()
                t.column("model_sha256", .text).notNull()
                t.column("options", .text).notNull()                // JSON object
                t.column("scores", .text).notNull()                 // JSON [[label, score], ...] in model order
                t.column("dimensions", .text)                       // JSON [arousal, dominance, valence]
                t.column("stress", .double)
                t.column("dominant", .text)
                t.column("added_at", .double).notNull()
                t.uniqueKey(["content_sha256", "model_sha256"])
            }
            try db.create(index: "recording_by_time", on: "recording", columns: ["recorded_local"])
            try db.create(table: "segment") { t in
                t.column("recording_id", .integer).notNull().references("recording", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("start_s", .double).notNull()
                t.column("end_s", .double).notNull()
                t.column("scores", .text).notNull()
                t.column("stress", .double)
                t.primaryKey(["recording_id", "position"])
            }
            try db.create(table: "tag") { t in
                t.column("recording_id", .integer).notNull().references("recording", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.primaryKey(["recording_id", "name"])
            }
            // Checksums of model weights, so that a 1 GB file is hashed once, not on every add.
            try db.create(table: "model_checksum") { t in
                t.primaryKey("path", .text)
                t.column("size", .integer).notNull()
                t.column("modified", .double).notNull()
                t.column("sha256", .text).notNull()
            }
        }
        migrator.registerMigration("v2: voice markers") { db in
            try db.alter(table: "recording") { t in
                t.add(column: "prosody", .text)  // JSON of ProsodySummary; NULL when not measured
            }
        }
        migrator.registerMigration("v3: settings") { db in
            // The person's choices kept with their journal (e.g. file_times_in_grid = 0).
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        return migrator
    }
}
