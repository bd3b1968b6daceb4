-- Practice recordings (issue 8): the practice page records the student's mic (and camera, if they choose) into
-- their library, linked to the practice log by the session's key. The file is recordings/<id>.<ext>, like lessons'.

-- The practice page's own key for a session (its recordings carry the same key); older rows have none.
ALTER TABLE practice_sessions ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX practice_sessions_key ON practice_sessions(student_id, client_key) WHERE client_key IS NOT NULL;

CREATE TABLE practice_recordings (
  id               TEXT PRIMARY KEY,
  student_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The practice session's key (practice_sessions.client_key once the log has the session).
  practice_key     TEXT NOT NULL,
  -- The browser's own id for the recording: a re-sent upload is recognised.
  client_id        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('audio', 'video')),
  mime             TEXT NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT NOT NULL,
  duration_ms      INTEGER,
  started_at       TEXT,
  ended_at         TEXT,
  created_at       TEXT NOT NULL,
  UNIQUE (student_id, client_id)
);
CREATE INDEX practice_recordings_student ON practice_recordings(student_id, started_at);
