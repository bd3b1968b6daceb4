-- The practice log: one row per practice session of a student, written by the practice page.
CREATE TABLE practice_sessions (
  id               TEXT PRIMARY KEY,
  student_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- UTC ISO 8601, as the browser measured it.
  started_at       TEXT NOT NULL,
  duration_seconds INTEGER NOT NULL CHECK (duration_seconds > 0),
  -- JSON array of the tempos (BPM) the metronome ran at, in order of first use.
  tempos           TEXT NOT NULL DEFAULT '[]',
  -- JSON object: per violin string (G, D, A, E), {avgAbsCents, seconds} of tuner readings.
  tuner            TEXT NOT NULL DEFAULT '{}',
  created_at       TEXT NOT NULL
);
CREATE INDEX practice_sessions_student ON practice_sessions(student_id, started_at);
