// The practice log: a student records sessions; they and their teacher read them; nobody else.
import request from 'supertest';
import { enrolledStudent, makeEnv, signupTeacher, type TestEnv } from './helpers';

let t: TestEnv;
beforeEach(() => (t = makeEnv()));
afterEach(() => t.close());

const session = {
  startedAt: '2026-03-01T16:00:00.000Z',
  durationSeconds: 1530,
  tempos: [72, 80, 80.4, 72, 96],
  tuner: { G: { avgAbsCents: 12.5, seconds: 40 }, A: { avgAbsCents: 6.25, seconds: 90 } },
};

test('a student records a session; it comes back with minutes, distinct tempos and per-string figures', async () => {
  const teacher = await signupTeacher(t);
  const student = await enrolledStudent(t, teacher);
  const res = await student.agent.post('/api/practice/sessions').send(session);
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ studentId: student.me.id, durationSeconds: 1530, minutes: 26, tempos: [72, 80, 96], tuner: session.tuner, startedAt: session.startedAt });

  await student.agent.post('/api/practice/sessions').send({ ...session, startedAt: '2026-03-02T16:00:00Z', durationSeconds: 60, tempos: [], tuner: {} }).expect(201);
  const mine = await student.agent.get('/api/practice/sessions').expect(200);
  expect(mine.body.map((s: { durationSeconds: number }) => s.durationSeconds)).toEqual([60, 1530]); // newest first

  const theirs = await teacher.agent.get(`/api/practice/sessions?studentId=${student.me.id}`).expect(200);
  expect(theirs.body).toEqual(mine.body);
});

test('who may read and write: the student and their teacher read; another teacher, another student and anonymous cannot', async () => {
  const teacher = await signupTeacher(t);
  const student = await enrolledStudent(t, teacher);
  const classmate = await enrolledStudent(t, teacher, 'Asia/Dubai', 'Classmate');
  const stranger = await signupTeacher(t, 'Europe/Berlin', 'Stranger');
  const strangersStudent = await enrolledStudent(t, stranger);
  await student.agent.post('/api/practice/sessions').send(session).expect(201);
  const path = `/api/practice/sessions?studentId=${student.me.id}`;

  expect((await request(t.app).get(path)).status).toBe(401);
  expect((await request(t.app).post('/api/practice/sessions').send(session)).status).toBe(401);
  expect((await stranger.agent.get(path)).status).toBe(404);
  expect((await classmate.agent.get(path)).status).toBe(404);
  expect((await strangersStudent.agent.get(path)).status).toBe(404);
  expect((await teacher.agent.get('/api/practice/sessions')).status).toBe(400); // whose?
  // A teacher's own practice is not logged (the log is the student's).
  const own = await teacher.agent.post('/api/practice/sessions').send(session);
  expect(own.status).toBe(403);
  expect(own.body.error.code).toBe('students_only');
  // The classmate's own log is empty: sessions do not leak between students.
  expect((await classmate.agent.get('/api/practice/sessions').expect(200)).body).toEqual([]);
});

test.each([
  [{ ...session, durationSeconds: 0 }, 'durationSeconds'],
  [{ ...session, durationSeconds: 12.5 }, 'durationSeconds'],
  [{ ...session, startedAt: 'yesterday' }, 'startedAt'],
  [{ ...session, tempos: [400] }, 'tempos.0'],
  [{ ...session, tuner: { C: { avgAbsCents: 1, seconds: 1 } } }, 'tuner'],
  [{ ...session, tuner: { E: { avgAbsCents: 80, seconds: 1 } } }, 'tuner.E.avgAbsCents'],
])('a bad session %j: 400 naming %p', async (body, field) => {
  const teacher = await signupTeacher(t);
  const student = await enrolledStudent(t, teacher);
  const res = await student.agent.post('/api/practice/sessions').send(body);
  expect(res.status).toBe(400);
  expect(Object.keys(res.body.error.fields ?? {})).toContain(field);
});
