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
    const next = shipped.length + 1;
    expect(() => migrate(db, [...shipped, { version: next, name: `${String(next).padStart(3, '0')}_bad.sql`, sql: 'CREATE TABLE half (x); INSERT INTO nope VALUES (1);' }])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: shipped.length });
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
