-- Clips (issue 7): a passage of a lesson recording that the teacher cut on the review page and shares with the
-- lesson's students. The file is clips/<id>.<ext> in the data folder.
CREATE TABLE clips (
  id               TEXT PRIMARY KEY,
  lesson_id        TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  -- Original start of the occurrence, UTC basic form, as in recordings.
  occurrence_start TEXT NOT NULL,
  recording_id     TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
  start_s          REAL NOT NULL CHECK (start_s >= 0),
  end_s            REAL NOT NULL CHECK (end_s > start_s),
  title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  note             TEXT NOT NULL DEFAULT '',
  mime             TEXT NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT NOT NULL,
  created_by       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at       TEXT NOT NULL
);
CREATE INDEX clips_occurrence ON clips(lesson_id, occurrence_start);
