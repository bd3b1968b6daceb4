// The database: migrations on a fresh folder, idempotent restarts, data that survives them, backups.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { JoinResponse, Lesson, Me } from '../../shared/api';
import { backupDatabase } from '../src/storage/backup';
import { DB_FILE, migrate, openDatabase, readMigrations } from '../src/storage/db';
import { acceptInvite, addStudent, makeEnv, signupTeacher } from './helpers';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'muse-db-'));
}

test('a fresh folder gets every migration, WAL and foreign keys; opening again applies nothing', () => {
  const dir = tempDir();
  try {
    const files = readMigrations();
    expect(files[0]).toMatchObject({ version: 1, name: '001_init.sql' });
    const db = openDatabase(path.join(dir, 'nested', 'data'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(applied).toEqual(files.map((f) => ({ version: f.version, name: f.name })));
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'invites', 'lessons', 'lesson_students', 'lesson_exceptions', 'meta']));
    expect(migrate(db, files)).toEqual([]);
    db.close();
    const again = openDatabase(path.join(dir, 'nested', 'data'));
    expect(again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: files.length });
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new migration file is applied once on the next start, after the ones already recorded', () => {
  const dir = tempDir();
  const migrations = path.join(dir, 'migrations');
  mkdirSync(migrations);
  try {
    const init = readMigrations()[0];
    writeFileSync(path.join(migrations, init.name), init.sql);
    openDatabase(path.join(dir, 'data'), readMigrations(migrations)).close();
    writeFileSync(path.join(migrations, '002_add_colour.sql'), 'ALTER TABLE lessons ADD COLUMN colour TEXT;');
    const db = openDatabase(path.join(dir, 'data'), readMigrations(migrations));
    expect((db.prepare('PRAGMA table_info(lessons)').all() as { name: string }[]).map((c) => c.name)).toContain('colour');
    expect(migrate(db, readMigrations(migrations))).toEqual([]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing migration leaves nothing half-applied', () => {
  const dir = tempDir();
  try {
    const db = openDatabase(path.join(dir, 'data'));
    const shipped = readMigrations();
    const last = shipped[shipped.length - 1].version;
    const next = last + 1;
    expect(() => migrate(db, [...shipped, { version: next, name: `${String(next).padStart(3, '0')}_bad.sql`, sql: 'CREATE TABLE half (x); INSERT INTO nope VALUES (1);' }])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: last });
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('people, sessions, lessons, feed links and room names survive a restart on the same folder', async () => {
  const t = makeEnv({}, new Date('2026-03-01T00:00:00Z'));
  try {
    const teacher = await signupTeacher(t, 'Asia/Seoul', 'Kim');
    const s = await addStudent(t, teacher, 'Asia/Dubai', 'Layla');
    const student = await acceptInvite(t, s.token);
    const created = (await teacher.agent.post('/api/lessons').send({ title: 'Weekly', start: '2026-03-02T19:00', durationMinutes: 60, studentIds: [s.student.id], recurrence: { kind: 'weekly' } })).body as Lesson;
    t.clock.now = new Date('2026-03-02T09:55:00Z');
    const roomBefore = ((await student.agent.post(`/api/lessons/${created.id}/join`).send({ occurrenceStart: '2026-03-02T10:00:00Z' })).body as JoinResponse).room;
    const cookie = `muse_session=${decodeURIComponent(/muse_session=([^;]+)/.exec(String((await request(t.app).post('/api/auth/login').send({ login: teacher.me.login, password: 'correct horse battery' })).headers['set-cookie']))![1])}`;

    t.restart();

    const me = (await request(t.app).get('/api/me').set('Cookie', cookie)).body as Me;
    expect(me.id).toBe(teacher.me.id);
    expect(me.calendarFeedUrl.split('/api/calendar/')[1]).toBe(teacher.me.calendarFeedUrl.split('/api/calendar/')[1]);
    const lesson = (await request(t.app).get(`/api/lessons/${created.id}`).set('Cookie', cookie)).body as Lesson;
    expect(lesson).toMatchObject({ title: 'Weekly', start: '2026-03-02T19:00', timeZone: 'Asia/Seoul' });
    const login = request.agent(t.app);
    expect((await login.post('/api/auth/login').send({ login: student.me.login, password: 'student password 1' })).status).toBe(200);
    const roomAfter = ((await login.post(`/api/lessons/${created.id}/join`).send({ occurrenceStart: '2026-03-02T10:00:00Z' })).body as JoinResponse).room;
    expect(roomAfter).toBe(roomBefore);
    const feed = await request(t.app).get(`/api/calendar/${me.calendarFeedUrl.split('/api/calendar/')[1]}`);
    expect(feed.status).toBe(200);
    expect(feed.text).toContain(created.id);
  } finally {
    t.close();
  }
});

test('npm run backup: an online backup of the live database opens and holds the data', async () => {
  const t = makeEnv();
  const out = tempDir();
  try {
    const teacher = await signupTeacher(t, 'Asia/Seoul', 'Backed up');
    const file = await backupDatabase(t.dir, path.join(out, 'copy.sqlite'));
    const copy = new Database(file, { readonly: true });
    expect(copy.prepare('SELECT name FROM users WHERE id = ?').get(teacher.me.id)).toEqual({ name: 'Backed up' });
    copy.close();
    // And the copy is a working data folder for a new server.
    const restored = tempDir();
    copyFileSync(file, path.join(restored, DB_FILE));
    const db = openDatabase(restored);
    expect(db.prepare('SELECT COUNT(*) AS n FROM users').get()).toEqual({ n: 1 });
    db.close();
    rmSync(restored, { recursive: true, force: true });
    await expect(backupDatabase(path.join(out, 'missing'))).rejects.toThrow(/no database/);
  } finally {
    t.close();
    rmSync(out, { recursive: true, force: true });
  }
});

test('migration 007 rebuilds recordings (kind mix, clock offset) without losing or cascading away any clip', () => {
  const dir = tempDir();
  try {
    const all = readMigrations();
    const before = openDatabase(dir, all.filter((m) => m.version < 7));
    before.exec(`INSERT INTO users (id, role, login, name, time_zone, language, created_at) VALUES ('t1', 'teacher', 't@x', 'T', 'UTC', 'en', '2026-01-01');
      INSERT INTO lessons (id, teacher_id, title, start_local, tzid, duration_minutes, created_at, updated_at) VALUES ('l1', 't1', 'L', '2026-03-02T10:00', 'UTC', 30, '2026-01-01', '2026-01-01');
      INSERT INTO recordings (id, lesson_id, occurrence_start, participant_id, client_id, kind, mime, size, sha256, started_at, created_at)
        VALUES ('r1', 'l1', '20260302T100000Z', 't1', 'rec-1', 'audio', 'audio/webm', 10, 'aa', '2026-03-02T10:00:01.000Z', '2026-03-02');
      INSERT INTO clips (id, lesson_id, occurrence_start, recording_id, start_s, end_s, title, mime, size, sha256, created_by, created_at, shared)
        VALUES ('c1', 'l1', '20260302T100000Z', 'r1', 1, 2, 'Clip', 'audio/flac', 5, 'bb', 't1', '2026-03-02', 0);`);
    before.close();
    const db = openDatabase(dir, all);
    try {
      expect(db.prepare('SELECT id, recording_id, title, shared FROM clips').all()).toEqual([{ id: 'c1', recording_id: 'r1', title: 'Clip', shared: 0 }]);
      expect(db.prepare('SELECT id, kind, started_at, aligned_start_at, clock_offset_ms FROM recordings').all())
        .toEqual([{ id: 'r1', kind: 'audio', started_at: '2026-03-02T10:00:01.000Z', aligned_start_at: '2026-03-02T10:00:01.000Z', clock_offset_ms: null }]);
      // clips points at the new table, and a mix recording is allowed now (a made-up kind still is not).
      expect((db.prepare('PRAGMA foreign_key_list(clips)').all() as { table: string; from: string }[]).find((f) => f.from === 'recording_id')?.table).toBe('recordings');
      db.prepare(`INSERT INTO recordings (id, lesson_id, occurrence_start, participant_id, client_id, kind, mime, size, sha256, created_at) VALUES ('r2', 'l1', '20260302T100000Z', 't1', 'rec-2', 'mix', 'audio/webm', 10, 'cc', '2026-03-02')`).run();
      expect(() => db.prepare(`INSERT INTO recordings (id, lesson_id, occurrence_start, participant_id, client_id, kind, mime, size, sha256, created_at) VALUES ('r3', 'l1', '20260302T100000Z', 't1', 'rec-3', 'karaoke', 'audio/webm', 10, 'cc', '2026-03-02')`).run()).toThrow(/CHECK/);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // The cascade still works: a recording's clips go with it.
      db.prepare("DELETE FROM recordings WHERE id = 'r1'").run();
      expect(db.prepare('SELECT COUNT(*) AS n FROM clips').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
