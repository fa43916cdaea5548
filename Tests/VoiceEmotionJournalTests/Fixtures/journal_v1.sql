-- A journal as schema v1 ("v1: recordings, segments, tags") left it, with one recording: the
-- tables GRDB's migrator created, as `sqlite3 journal.sqlite .schema` printed them for a journal made
-- by the first version (commit 06667c5 and before), and the migrations table saying v1 ran.
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES ('v1: recordings, segments, tags');
CREATE TABLE IF NOT EXISTS "recording" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "content_sha256" TEXT NOT NULL, "path" TEXT, "recorded_at" DOUBLE, "recorded_local" INTEGER NOT NULL, "recorded_at_source" TEXT NOT NULL, "duration_s" DOUBLE NOT NULL, "speech_s" DOUBLE NOT NULL, "model_name" TEXT NOT NULL, "model_sha256" TEXT NOT NULL, "options" TEXT NOT NULL, "scores" TEXT NOT NULL, "dimensions" TEXT, "stress" DOUBLE, "dominant" TEXT, "added_at" DOUBLE NOT NULL, UNIQUE("content_sha256", "model_sha256"));
CREATE INDEX "recording_by_time" ON "recording"("recorded_local");
CREATE TABLE IF NOT EXISTS "segment" ("recording_id" INTEGER NOT NULL REFERENCES "recording"("id") ON DELETE CASCADE, "position" INTEGER NOT NULL, "start_s" DOUBLE NOT NULL, "end_s" DOUBLE NOT NULL, "scores" TEXT NOT NULL, "stress" DOUBLE, PRIMARY KEY ("recording_id", "position"));
CREATE TABLE IF NOT EXISTS "tag" ("recording_id" INTEGER NOT NULL REFERENCES "recording"("id") ON DELETE CASCADE, "name" TEXT NOT NULL, PRIMARY KEY ("recording_id", "name"));
CREATE TABLE IF NOT EXISTS "model_checksum" ("path" TEXT PRIMARY KEY NOT NULL, "size" INTEGER NOT NULL, "modified" DOUBLE NOT NULL, "sha256" TEXT NOT NULL);
INSERT INTO recording VALUES (1, 'old-content', 'memo.m4a', 1788000000.0, 1788000000, 'metadata', 30.0, 20.0, 'model-a', 'aaaa', '{}', '[["angry",0.5],["calm",0.5]]', NULL, 0.5, 'angry', 1788000100.0);
INSERT INTO segment VALUES (1, 0, 1.0, 21.0, '[["angry",0.5],["calm",0.5]]', 0.5);
INSERT INTO tag VALUES (1, 'old');
