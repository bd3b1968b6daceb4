-- Recording and review (issue 7): the teacher's browser also records the lesson as heard (both sides mixed, kind
-- 'mix'), and each recording keeps its start on the teacher's clock so the review page can line the tracks up.
-- SQLite cannot change a CHECK constraint in place: recordings is rebuilt. Migrations run inside a transaction with
-- foreign keys on, so clips (which references recordings with ON DELETE CASCADE) is rebuilt alongside it, pointing
-- at the new table, before the old one is dropped: nothing cascades and every clip stays.

CREATE TABLE recordings_new (
  id               TEXT PRIMARY KEY,
  lesson_id        TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  occurrence_start TEXT NOT NULL,
  participant_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id        TEXT NOT NULL,
  -- audio: the person's own microphone; video: their camera (with sound); mix: the lesson as the teacher heard it.
  kind             TEXT NOT NULL CHECK (kind IN ('audio', 'video', 'mix')),
  mime             TEXT NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT NOT NULL,
  duration_ms      INTEGER,
  started_at       TEXT,
  ended_at         TEXT,
  created_at       TEXT NOT NULL,
  -- The teacher's clock minus the recording browser's (ms), as that browser measured it; NULL: not measured (a
  -- student who had no estimate yet; the teacher's own are 0). aligned_start_at = started_at + clock_offset_ms.
  clock_offset_ms  REAL,
  aligned_start_at TEXT,
  UNIQUE (participant_id, client_id)
);
INSERT INTO recordings_new (id, lesson_id, occurrence_start, participant_id, client_id, kind, mime, size, sha256, duration_ms, started_at, ended_at, created_at, clock_offset_ms, aligned_start_at)
  SELECT id, lesson_id, occurrence_start, participant_id, client_id, kind, mime, size, sha256, duration_ms, started_at, ended_at, created_at, NULL, started_at FROM recordings;

CREATE TABLE clips_new (
  id               TEXT PRIMARY KEY,
  lesson_id        TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  occurrence_start TEXT NOT NULL,
  recording_id     TEXT NOT NULL REFERENCES recordings_new(id) ON DELETE CASCADE,
  start_s          REAL NOT NULL CHECK (start_s >= 0),
  end_s            REAL NOT NULL CHECK (end_s > start_s),
  title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  note             TEXT NOT NULL DEFAULT '',
  mime             TEXT NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT NOT NULL,
  created_by       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at       TEXT NOT NULL,
  shared           INTEGER NOT NULL DEFAULT 1 CHECK (shared IN (0, 1))
);
INSERT INTO clips_new (id, lesson_id, occurrence_start, recording_id, start_s, end_s, title, note, mime, size, sha256, created_by, created_at, shared)
  SELECT id, lesson_id, occurrence_start, recording_id, start_s, end_s, title, note, mime, size, sha256, created_by, created_at, shared FROM clips;

DROP TABLE clips;
DROP TABLE recordings;
-- Renaming updates clips_new's reference to the new name.
ALTER TABLE recordings_new RENAME TO recordings;
ALTER TABLE clips_new RENAME TO clips;
CREATE INDEX recordings_occurrence ON recordings(lesson_id, occurrence_start);
CREATE INDEX clips_occurrence ON clips(lesson_id, occurrence_start);
