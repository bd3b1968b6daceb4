-- People, sessions, invites, lessons and their exceptions.
-- Times: *_at columns are UTC ISO 8601 strings; lesson starts are wall-clock local times plus a TZID.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  role          TEXT NOT NULL CHECK (role IN ('teacher', 'student')),
  -- What the person types to log in: the email for teachers (and students who have one), else a generated login name.
  login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email         TEXT COLLATE NOCASE,
  name          TEXT NOT NULL,
  time_zone     TEXT NOT NULL,
  language      TEXT NOT NULL CHECK (language IN ('ko', 'en')),
  -- scrypt$N$r$p$salt$hash; NULL for a student who has not accepted the invite yet.
  password_hash TEXT,
  teacher_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
  feed_version  INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  CHECK ((role = 'student') = (teacher_id IS NOT NULL))
);
CREATE INDEX users_teacher ON users(teacher_id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE invites (
  token_hash TEXT PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
);
CREATE INDEX invites_student ON invites(student_id);

CREATE TABLE lessons (
  id               TEXT PRIMARY KEY,
  teacher_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title            TEXT NOT NULL,
  notes            TEXT NOT NULL DEFAULT '',
  -- Wall-clock start in tzid (YYYY-MM-DDTHH:mm); occurrences are expanded in this zone.
  start_local      TEXT NOT NULL,
  tzid             TEXT NOT NULL,
  duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
  -- RFC 5545 RRULE without DTSTART (UNTIL as local wall-clock time); NULL for a one-off lesson.
  rrule            TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX lessons_teacher ON lessons(teacher_id);

CREATE TABLE lesson_students (
  lesson_id  TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  student_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (lesson_id, student_id)
);
CREATE INDEX lesson_students_student ON lesson_students(student_id);

-- One row per edited or cancelled occurrence, keyed by its original start (UTC, basic format 20260326T170000Z).
CREATE TABLE lesson_exceptions (
  lesson_id        TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  original_start   TEXT NOT NULL,
  cancelled        INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
  start_local      TEXT,
  duration_minutes INTEGER,
  title            TEXT,
  notes            TEXT,
  PRIMARY KEY (lesson_id, original_start)
);
