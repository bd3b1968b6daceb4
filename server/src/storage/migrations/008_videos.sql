-- Preview videos (issue 9): a teacher's video for one student, one lesson or the whole studio. The files live in
-- videos/<id>/: index.m3u8 and its segments (hls-ts, hls-fmp4) or original.<ext> (file).
CREATE TABLE videos (
  id           TEXT PRIMARY KEY,
  teacher_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id    TEXT NOT NULL,
  title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  piece        TEXT NOT NULL DEFAULT '',
  notes        TEXT NOT NULL DEFAULT '',
  audience     TEXT NOT NULL CHECK (audience IN ('student', 'lesson', 'studio')),
  student_id   TEXT REFERENCES users(id) ON DELETE CASCADE,
  lesson_id    TEXT REFERENCES lessons(id) ON DELETE CASCADE,
  format       TEXT NOT NULL CHECK (format IN ('hls-ts', 'hls-fmp4', 'file')),
  mime         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  duration_ms  INTEGER,
  segments     INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  CHECK ((audience = 'student') = (student_id IS NOT NULL)),
  CHECK ((audience = 'lesson') = (lesson_id IS NOT NULL)),
  UNIQUE (teacher_id, client_id)
);
CREATE INDEX videos_teacher ON videos(teacher_id);

-- Watching a preview video is practice: one row per stretch a student watched, shown with the practice log.
CREATE TABLE video_watches (
  id          TEXT PRIMARY KEY,
  student_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  video_id    TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  started_at  TEXT NOT NULL,
  seconds     REAL NOT NULL CHECK (seconds > 0),
  created_at  TEXT NOT NULL
);
CREATE INDEX video_watches_student ON video_watches(student_id, started_at);
