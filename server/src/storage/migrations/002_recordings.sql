-- Recording and review (issue 7): the teacher's per-lesson auto-record switch, and finished lesson recordings.

-- 1: each participant's browser records the lesson; 0: nobody records (the teacher switched it off for this lesson).
ALTER TABLE lessons ADD COLUMN auto_record INTEGER NOT NULL DEFAULT 1 CHECK (auto_record IN (0, 1));

-- One row per uploaded recording; the file is recordings/<id>.<ext> in the data folder.
CREATE TABLE recordings (
  id               TEXT PRIMARY KEY,
  lesson_id        TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  -- Original start of the occurrence, UTC basic form (20260326T170000Z), as in lesson_exceptions.
  occurrence_start TEXT NOT NULL,
  participant_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The browser's own id for the recording: a re-sent upload of the same recording is recognised.
  client_id        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('audio', 'video')),
  mime             TEXT NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT NOT NULL,
  duration_ms      INTEGER,
  started_at       TEXT,
  ended_at         TEXT,
  created_at       TEXT NOT NULL,
  UNIQUE (participant_id, client_id)
);
CREATE INDEX recordings_occurrence ON recordings(lesson_id, occurrence_start);
