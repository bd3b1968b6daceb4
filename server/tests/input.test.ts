// Bad input: every refusal is a 400 naming the field (or 413 for size); odd strings are stored verbatim.
import request from 'supertest';
import type { Lesson, OccurrenceList, Student } from '../../shared/api';
import { addStudent, makeEnv, signupTeacher, type Person, type TestEnv } from './helpers';

let t: TestEnv;
let teacher: Person;
let studentId: string;

beforeAll(async () => {
  t = makeEnv();
  teacher = await signupTeacher(t, 'Asia/Seoul');
  studentId = (await addStudent(t, teacher, 'Asia/Dubai')).student.id;
});
afterAll(() => t.close());

const lesson = () => ({ title: 'Scales', start: '2026-03-02T19:00', durationMinutes: 45, studentIds: [studentId], recurrence: { kind: 'weekly' } });

const cases: [string, string, () => object, string][] = [
  ['signup without email', '/api/auth/signup', () => ({ password: 'long enough pw', name: 'A', timeZone: 'UTC', language: 'en' }), 'email'],
  ['signup with a bad email', '/api/auth/signup', () => ({ email: 'not-an-email', password: 'long enough pw', name: 'A', timeZone: 'UTC', language: 'en' }), 'email'],
  ['signup with a short password', '/api/auth/signup', () => ({ email: 'a@b.co', password: 'short', name: 'A', timeZone: 'UTC', language: 'en' }), 'password'],
  ['signup with an unknown zone', '/api/auth/signup', () => ({ email: 'a@b.co', password: 'long enough pw', name: 'A', timeZone: 'Mars/Olympus_Mons', language: 'en' }), 'timeZone'],
  ['signup with an offset for a zone', '/api/auth/signup', () => ({ email: 'a@b.co', password: 'long enough pw', name: 'A', timeZone: '+09:00', language: 'en' }), 'timeZone'],
  ['signup with language fr', '/api/auth/signup', () => ({ email: 'a@b.co', password: 'long enough pw', name: 'A', timeZone: 'UTC', language: 'fr' }), 'language'],
  ['login with a number for login', '/api/auth/login', () => ({ login: 42, password: 'x' }), 'login'],
  ['student without a name', '/api/students', () => ({ timeZone: 'Asia/Dubai', language: 'en' }), 'name'],
  ['student with a blank name', '/api/students', () => ({ name: '   ', timeZone: 'Asia/Dubai', language: 'en' }), 'name'],
  ['student with zone as a number', '/api/students', () => ({ name: 'X', timeZone: 9, language: 'en' }), 'timeZone'],
  ['lesson without a title', '/api/lessons', () => ({ ...lesson(), title: undefined }), 'title'],
  ['lesson with duration as a string', '/api/lessons', () => ({ ...lesson(), durationMinutes: '45' }), 'durationMinutes'],
  ['lesson of 2000 minutes', '/api/lessons', () => ({ ...lesson(), durationMinutes: 2000 }), 'durationMinutes'],
  ['lesson with a UTC instant as start', '/api/lessons', () => ({ ...lesson(), start: '2026-03-02T10:00:00Z' }), 'start'],
  ['lesson on 30 February', '/api/lessons', () => ({ ...lesson(), start: '2026-02-30T19:00' }), 'start'],
  ['lesson without students', '/api/lessons', () => ({ ...lesson(), studentIds: [] }), 'studentIds'],
  ['lesson with an unknown student', '/api/lessons', () => ({ ...lesson(), studentIds: ['u-nobody'] }), 'studentIds'],
  ['lesson with monthly recurrence', '/api/lessons', () => ({ ...lesson(), recurrence: { kind: 'monthly' } }), 'recurrence.kind'],
  ['lesson every 9 weeks', '/api/lessons', () => ({ ...lesson(), recurrence: { kind: 'weekly', interval: 9 } }), 'recurrence.interval'],
];

test.each(cases.map(([name, path, body, field]) => ({ name, path, body, field })))('$name → 400 naming $field', async ({ path, body, field }) => {
  const agent = path.startsWith('/api/auth') ? request(t.app) : teacher.agent;
  const res = await agent.post(path).send(body());
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('invalid_input');
  expect(Object.keys(res.body.error.fields)).toContain(field);
  expect(res.body.error.message.length).toBeGreaterThan(20);
});

test('PATCH without scope, or with an unknown scope, names scope; a bad range names from/to', async () => {
  const created = (await teacher.agent.post('/api/lessons').send(lesson())).body as Lesson;
  for (const body of [{ title: 'x' }, { scope: 'everything', title: 'x' }]) {
    const res = await teacher.agent.patch(`/api/lessons/${created.id}`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty('scope');
  }
  const occ = await teacher.agent.patch(`/api/lessons/${created.id}`).send({ scope: 'occurrence', title: 'x' });
  expect(occ.body.error.fields).toHaveProperty('occurrenceStart');
  expect((await teacher.agent.get('/api/lessons').query({ from: 'yesterday' })).body.error.fields).toHaveProperty('from');
  expect((await teacher.agent.get('/api/lessons').query({ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).body.error.fields).toHaveProperty('to');
  expect((await teacher.agent.get('/api/lessons').query({ from: '2026-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z' })).body.error.fields).toHaveProperty('to');
});

test('a body over 100 kB is refused with 413; broken JSON with 400', async () => {
  const big = await teacher.agent.post('/api/lessons').send({ ...lesson(), notes: 'x'.repeat(200_000) });
  expect(big.status).toBe(413);
  expect(big.body.error.code).toBe('too_large');
  const broken = await teacher.agent.post('/api/lessons').set('Content-Type', 'application/json').send('{"title": ');
  expect(broken.status).toBe(400);
  expect(broken.body.error.code).toBe('invalid_json');
});

test('SQL-shaped and script-shaped strings are stored and returned verbatim', async () => {
  const sql = "Robert'); DROP TABLE lessons;--";
  const script = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
  const korean = '바이올린 — 비브라토 연습\n"Kreutzer" no. 2; \\ back-slash';
  const s = await teacher.agent.post('/api/students').send({ name: sql, timeZone: 'Asia/Dubai', language: 'ko' });
  expect(s.status).toBe(201);
  const created = await teacher.agent.post('/api/lessons').send({ ...lesson(), title: script, notes: korean, studentIds: [s.body.student.id] });
  expect(created.status).toBe(201);
  const l = (await teacher.agent.get(`/api/lessons/${created.body.id}`)).body as Lesson;
  expect(l.title).toBe(script);
  expect(l.notes).toBe(korean);
  expect(l.students[0].name).toBe(sql);
  const students = (await teacher.agent.get('/api/students')).body as Student[];
  expect(students.map((x) => x.name)).toContain(sql);
  const occ = (await teacher.agent.get('/api/lessons').query({ from: '2026-03-01T00:00:00Z', to: '2026-03-03T00:00:00Z' })).body as OccurrenceList;
  expect(occ.occurrences.map((o) => o.title)).toContain(script);
  // JSON is served as JSON, never as HTML.
  const res = await teacher.agent.get(`/api/lessons/${created.body.id}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  // The tables are all still there.
  expect((await teacher.agent.get('/api/lessons')).status).toBe(200);
  // In the .ics the text is escaped per RFC 5545, not lost.
  const ics = (await teacher.agent.get(`/api/lessons/${created.body.id}/ics`)).text.replace(/\r\n /g, '');
  expect(ics).toContain('DESCRIPTION:바이올린 — 비브라토 연습\\n"Kreutzer" no. 2\\; \\\\ back-slash');
});

test('unknown API paths are a JSON 404', async () => {
  const res = await teacher.agent.get('/api/nope');
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe('not_found');
});
