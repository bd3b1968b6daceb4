// Who may do what: every endpoint against anonymous, the teacher, their students, and another teacher and student.
import request from 'supertest';
import type { Lesson, OccurrenceList } from '../../shared/api';
import { acceptInvite, addStudent, jwtClaims, makeEnv, signupTeacher, type Agent, type Person, type TestEnv } from './helpers';

type Actor = 'anon' | 'A' | 'A1' | 'A2' | 'B' | 'B1';
const ACTORS: Actor[] = ['anon', 'A', 'A1', 'A2', 'B', 'B1'];
/** Who must never see teacher A's lesson or student A1's name. */
const OUTSIDERS = new Set<Actor>(['anon', 'A2', 'B', 'B1']);
const SECRET_TITLE = 'Lesson SECRET-A';
const SECRET_STUDENT = 'Pupil-A1-private';

let t: TestEnv;
const who = {} as Record<Actor, Person>;
let lessonA: Lesson;
let lessonB: Lesson;
let usedInvite: string;
let feedA: string;
const FIRST = '2026-03-02T10:00:00.000Z'; // 19:00 in Seoul
const SECOND = '2026-03-09T10:00:00.000Z';

beforeAll(async () => {
  // Every actor logs in from the same test IP: raise the per-IP+login limit (auth.test.ts checks the limit itself).
  t = makeEnv({ MUSE_LOGIN_MAX_ATTEMPTS: '50' }, new Date('2026-03-01T00:00:00Z'));
  who.anon = { agent: request.agent(t.app), me: null as never };
  who.A = await signupTeacher(t, 'Asia/Seoul', 'Teacher A');
  who.B = await signupTeacher(t, 'Europe/Berlin', 'Teacher B');
  const a1 = await addStudent(t, who.A, 'Asia/Dubai', SECRET_STUDENT);
  const a2 = await addStudent(t, who.A, 'Asia/Dubai', 'Other pupil of A');
  const b1 = await addStudent(t, who.B, 'Asia/Seoul', 'Pupil of B');
  who.A1 = await acceptInvite(t, a1.token);
  who.A2 = await acceptInvite(t, a2.token);
  who.B1 = await acceptInvite(t, b1.token);
  usedInvite = a1.token;
  feedA = who.A.me.calendarFeedUrl.split('/api/calendar/')[1];
  const la = await who.A.agent.post('/api/lessons').send({ title: SECRET_TITLE, notes: 'SECRET-A notes', start: '2026-03-02T19:00', durationMinutes: 60, studentIds: [a1.student.id], recurrence: { kind: 'weekly' } });
  lessonA = la.body as Lesson;
  const lb = await who.B.agent.post('/api/lessons').send({ title: 'Lesson of B', start: '2026-03-03T10:00', durationMinutes: 30, studentIds: [b1.student.id] });
  lessonB = lb.body as Lesson;
  expect([la.status, lb.status]).toEqual([201, 201]);
});
afterAll(() => t.close());

interface Row {
  name: string;
  call: (a: Agent) => request.Test;
  expect: Partial<Record<Actor, number>>;
}

const b64 = (v: string) => Buffer.from(v).toString('base64');
const everyone = (status: number): Record<Actor, number> => Object.fromEntries(ACTORS.map((a) => [a, status])) as Record<Actor, number>;

const rows: Row[] = [
  { name: 'POST /api/auth/login with a wrong password', call: (a) => a.post('/api/auth/login').send({ login: who.A.me.login, password: 'wrong password!' }), expect: everyone(401) },
  { name: 'POST /api/auth/signup with a taken email', call: (a) => a.post('/api/auth/signup').send({ email: who.A.me.login, password: 'long enough pw', name: 'X', timeZone: 'UTC', language: 'en' }), expect: everyone(409) },
  { name: 'GET /api/me', call: (a) => a.get('/api/me'), expect: { anon: 401, A: 200, A1: 200, A2: 200, B: 200, B1: 200 } },
  { name: 'GET /api/students', call: (a) => a.get('/api/students'), expect: { anon: 401, A: 200, A1: 403, A2: 403, B: 200, B1: 403 } },
  { name: 'POST /api/students', call: (a) => a.post('/api/students').send({ name: 'New', timeZone: 'Asia/Seoul', language: 'ko' }), expect: { anon: 401, A: 201, A1: 403, A2: 403, B: 201, B1: 403 } },
  { name: 'POST /api/students/:id/invite (student A1)', call: (a) => a.post(`/api/students/${who.A1.me.id}/invite`).send({}), expect: { anon: 401, A: 409, A1: 403, A2: 403, B: 404, B1: 403 } },
  { name: 'GET /api/invites/:token (used)', call: (a) => a.get(`/api/invites/${usedInvite}`), expect: everyone(410) },
  { name: 'GET /api/invites/:token (unknown)', call: (a) => a.get('/api/invites/not-a-real-token'), expect: everyone(404) },
  { name: 'POST /api/invites/:token/accept (used)', call: (a) => a.post(`/api/invites/${usedInvite}/accept`).send({ password: 'take over the account' }), expect: everyone(410) },
  { name: 'GET /api/lessons', call: (a) => a.get('/api/lessons').query({ from: '2026-03-01T00:00:00Z', to: '2026-03-15T00:00:00Z' }), expect: { anon: 401, A: 200, A1: 200, A2: 200, B: 200, B1: 200 } },
  {
    name: 'POST /api/lessons with student A1',
    call: (a) => a.post('/api/lessons').send({ title: 'Intrusion', start: '2026-03-05T10:00', durationMinutes: 30, studentIds: [who.A1.me.id] }),
    expect: { anon: 401, A: 201, A1: 403, A2: 403, B: 400, B1: 403 },
  },
  { name: 'GET /api/lessons/:id', call: (a) => a.get(`/api/lessons/${lessonA.id}`), expect: { anon: 401, A: 200, A1: 200, A2: 404, B: 404, B1: 404 } },
  { name: 'PATCH /api/lessons/:id', call: (a) => a.patch(`/api/lessons/${lessonA.id}`).send({ scope: 'series', title: SECRET_TITLE }), expect: { anon: 401, A: 200, A1: 403, A2: 404, B: 404, B1: 404 } },
  { name: 'DELETE /api/lessons/:id', call: (a) => a.delete(`/api/lessons/${lessonA.id}`).send({}), expect: { anon: 401, A1: 403, A2: 404, B: 404, B1: 404 } },
  { name: 'POST /api/lessons/:id/occurrences/:start/cancel', call: (a) => a.post(`/api/lessons/${lessonA.id}/occurrences/${SECOND}/cancel`).send({}), expect: { anon: 401, A: 200, A1: 403, A2: 404, B: 404, B1: 404 } },
  { name: 'POST /api/lessons/:id/join before the room opens', call: (a) => a.post(`/api/lessons/${lessonA.id}/join`).send({ occurrenceStart: FIRST }), expect: { anon: 401, A: 409, A1: 409, A2: 404, B: 404, B1: 404 } },
  { name: 'GET /api/lessons/:id/ics', call: (a) => a.get(`/api/lessons/${lessonA.id}/ics`), expect: { anon: 401, A: 200, A1: 200, A2: 404, B: 404, B1: 404 } },
  { name: 'GET /api/calendar/:token.ics (A, the link is the credential)', call: (a) => a.get(`/api/calendar/${feedA}`), expect: everyone(200) },
  { name: 'GET /api/calendar/:token.ics (tampered)', call: (a) => a.get(`/api/calendar/${feedA.replace(/-.{4}/, '-AAAA')}`), expect: everyone(404) },
  { name: "GET /api/calendar/:token.ics (another user's id, A's mac)", call: (a) => a.get(`/api/calendar/${who.B1.me.id}${feedA.slice(feedA.indexOf('-'))}`), expect: everyone(404) },
  { name: 'GET /api/occurrences/:id/recordings', call: (a) => a.get(`/api/occurrences/${lessonA.id}.20260302T100000Z/recordings`), expect: { anon: 401, A: 200, A1: 200, A2: 404, B: 404, B1: 404 } },
  {
    name: 'POST /api/uploads (tus create) into the occurrence',
    call: (a) =>
      a.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', '1000')
        .set('Upload-Metadata', `occurrence ${b64(`${lessonA.id}.20260302T100000Z`)},kind ${b64('audio')},filetype ${b64('audio/webm')},recordingId ${b64(`authz-${Math.random().toString(36).slice(2)}`)}`),
    expect: { anon: 401, A: 201, A1: 201, A2: 404, B: 404, B1: 404 },
  },
  { name: 'GET /api/library', call: (a) => a.get('/api/library'), expect: { anon: 401, A: 200, A1: 200, A2: 200, B: 200, B1: 200 } },
  { name: 'GET /api/occurrences/:id/clips', call: (a) => a.get(`/api/occurrences/${lessonA.id}.20260302T100000Z/clips`), expect: { anon: 401, A: 200, A1: 200, A2: 404, B: 404, B1: 404 } },
  {
    // The teacher passes every check but the (unknown) source recording: 400; a student of the lesson 403.
    name: 'POST /api/occurrences/:id/clips',
    call: (a) => a.post(`/api/occurrences/${lessonA.id}.20260302T100000Z/clips`).query({ recording: 'r0123456789abcdef0123', start: '1', end: '2', title: 'Clip' }).set('Content-Type', 'audio/flac').send(Buffer.from('fLaC0000')),
    expect: { anon: 401, A: 400, A1: 403, A2: 404, B: 404, B1: 404 },
  },
  { name: 'GET /api/clips/:id/file (guessed id)', call: (a) => a.get('/api/clips/c0123456789abcdef0123/file'), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  { name: 'PATCH /api/clips/:id (guessed id)', call: (a) => a.patch('/api/clips/c0123456789abcdef0123').send({ title: 'Mine' }), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  { name: 'DELETE /api/clips/:id (guessed id)', call: (a) => a.delete('/api/clips/c0123456789abcdef0123').send({}), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  { name: 'GET /api/recordings/:id/file (guessed id)', call: (a) => a.get('/api/recordings/r0123456789abcdef0123/file'), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  {
    // Preview videos: only teachers upload (for their own studio here); students 403.
    name: 'POST /api/uploads (a preview video for the studio)',
    call: (a) => a.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', '1000')
      .set('Upload-Metadata', Object.entries({ purpose: 'video', title: 'Preview', audience: 'studio', format: 'file', filetype: 'video/mp4', clientId: `authz-${Math.random().toString(36).slice(2, 12)}` }).map(([k, v]) => `${k} ${b64(v)}`).join(',')),
    expect: { anon: 401, A: 201, A1: 403, A2: 403, B: 201, B1: 403 },
  },
  { name: 'GET /api/videos', call: (a) => a.get('/api/videos'), expect: { anon: 401, A: 200, A1: 200, A2: 200, B: 200, B1: 200 } },
  { name: 'GET /api/videos/:id (guessed id)', call: (a) => a.get('/api/videos/v0123456789abcdef0123'), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  { name: 'GET /api/videos/:id/hls/index.m3u8 (guessed id)', call: (a) => a.get('/api/videos/v0123456789abcdef0123/hls/index.m3u8'), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  { name: 'POST /api/videos/:id/watches (guessed id)', call: (a) => a.post('/api/videos/v0123456789abcdef0123/watches').send({ startedAt: '2026-03-01T09:00:00Z', seconds: 5 }), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  { name: 'GET /api/practice/videos?studentId=A1', call: (a) => a.get('/api/practice/videos').query({ studentId: who.A1.me.id }), expect: { anon: 401, A: 200, A1: 200, A2: 404, B: 404, B1: 404 } },
  { name: 'GET /api/practice/recordings/:id/file (guessed id)', call: (a) => a.get('/api/practice/recordings/r0123456789abcdef0123/file'), expect: { anon: 401, A: 404, A1: 404, A2: 404, B: 404, B1: 404 } },
  {
    // Practice recordings are kept for students only.
    name: 'POST /api/uploads (tus create) of a practice recording',
    call: (a) =>
      a.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', '1000')
        .set('Upload-Metadata', `practice ${b64('prac-0123456789abcdef')},kind ${b64('audio')},filetype ${b64('audio/webm')},recordingId ${b64(`authz-${Math.random().toString(36).slice(2)}`)}`),
    expect: { anon: 401, A: 403, A1: 201, A2: 201, B: 403, B1: 201 },
  },
  { name: 'POST /api/dev/rooms/token (dev rooms off)', call: (a) => a.post('/api/dev/rooms/token').send({ room: 'any-room', name: 'x', role: 'student' }), expect: everyone(404) },
];

const cases = rows.flatMap((r) => ACTORS.filter((a) => r.expect[a] !== undefined).map((a) => [r.name, a, r] as const));

test.each(cases)('%s as %s', async (_name, actor, row) => {
  const res = await row.call(who[actor].agent);
  expect({ actor, status: res.status }).toEqual({ actor, status: row.expect[actor] });
  if (res.status >= 400) {
    expect(res.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    expect(res.text).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  }
  const feedOfA = row.name.includes('(A, the link');
  if (OUTSIDERS.has(actor) && !feedOfA) {
    expect(res.text).not.toContain('SECRET-A');
    expect(res.text).not.toContain(SECRET_STUDENT);
  }
});

test('each person lists exactly their own lessons and, as a teacher, only their own students', async () => {
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-03-08T00:00:00Z' };
  const ids = async (p: Person) => ((await p.agent.get('/api/lessons').query(range)).body as OccurrenceList).occurrences.map((o) => o.lessonId);
  const ofA1 = await ids(who.A1);
  expect(ofA1).toContain(lessonA.id); // and the second lesson A gave A1 in the matrix
  expect(ofA1).not.toContain(lessonB.id);
  expect(await ids(who.A2)).toEqual([]);
  expect(await ids(who.B1)).toEqual([lessonB.id]);
  expect(await ids(who.B)).toEqual([lessonB.id]);
  const studentsOfB = (await who.B.agent.get('/api/students')).body as { id: string }[];
  expect(studentsOfB.map((s) => s.id)).not.toContain(who.A1.me.id);
  expect((await who.A1.agent.get('/api/me')).body.id).toBe(who.A1.me.id);
  const feedB = await request(t.app).get(`/api/calendar/${who.B.me.calendarFeedUrl.split('/api/calendar/')[1]}`);
  expect(feedB.text).toContain(lessonB.id);
  expect(feedB.text).not.toContain(lessonA.id);
});

describe('joining the room', () => {
  const join = (p: Person, start = FIRST) => p.agent.post(`/api/lessons/${lessonA.id}/join`).send({ occurrenceStart: start });

  test('opens 10 minutes before: 09:49Z is refused with the opening time, 09:50Z is accepted', async () => {
    t.clock.now = new Date('2026-03-02T09:49:00Z');
    const early = await join(who.A1);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('room_not_open');
    expect(early.body.error.message).toContain('2026-03-02T09:50:00.000Z');
    t.clock.now = new Date('2026-03-02T09:50:00Z');
    expect((await join(who.A1)).status).toBe(200);
  });

  test('the teacher gets roomAdmin, the student does not; identity is the user id; both get the same unguessable room', async () => {
    t.clock.now = new Date('2026-03-02T09:55:00Z');
    const teacher = await join(who.A);
    const student = await join(who.A1);
    expect([teacher.status, student.status]).toEqual([200, 200]);
    expect(teacher.body).toMatchObject({ identity: who.A.me.id, role: 'teacher', livekitUrl: t.config.publicLiveKitUrl });
    expect(student.body).toMatchObject({ identity: who.A1.me.id, role: 'student', room: teacher.body.room });
    expect(teacher.body.room).toMatch(/^lesson-[A-Za-z0-9_-]{32}$/);
    expect(teacher.body.room).not.toContain(lessonA.id);
    const tc = jwtClaims(teacher.body.token) as { sub: string; video: { room: string; roomAdmin?: boolean }; attributes: Record<string, string> };
    const sc = jwtClaims(student.body.token) as typeof tc;
    expect(tc).toMatchObject({ sub: who.A.me.id, video: { room: teacher.body.room, roomAdmin: true }, attributes: { role: 'teacher' } });
    expect(sc.video.roomAdmin ?? false).toBe(false);
    expect(sc.attributes).toEqual({ role: 'student' });
    // A browser that reads duet frames in RTP says so; the others see it on the participant.
    const rtp = await who.A1.agent.post(`/api/lessons/${lessonA.id}/join`).send({ occurrenceStart: FIRST, duetRtp: true });
    expect((jwtClaims(rtp.body.token) as typeof tc).attributes).toEqual({ role: 'student', duetRtp: '1' });
    const bad = await who.A1.agent.post(`/api/lessons/${lessonA.id}/join`).send({ occurrenceStart: FIRST, duetRtp: 1 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['duetRtp']);
    // The control token (music mode) is for this room and this person: a student's is refused by the teacher-only switch.
    expect(typeof teacher.body.controlToken).toBe('string');
    const byStudent = await request(t.app).post(`/api/rooms/${student.body.room}/music-mode`).set('Authorization', `Bearer ${student.body.controlToken}`).send({ on: true });
    expect(byStudent.status).toBe(403);
    for (const p of [who.A2, who.B, who.B1]) expect((await join(p)).status).toBe(404);
    expect((await join(who.anon)).status).toBe(401);
  });

  test('each occurrence has its own room; a cancelled one cannot be joined', async () => {
    t.clock.now = new Date('2026-03-09T09:55:00Z');
    const res = await join(who.A, SECOND);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('lesson_cancelled');
    t.clock.now = new Date('2026-03-16T09:55:00Z');
    const third = await join(who.A, '2026-03-16T10:00:00Z');
    t.clock.now = new Date('2026-03-02T09:55:00Z');
    const first = await join(who.A, FIRST);
    expect(third.body.room).not.toBe(first.body.room);
  });

  test('closes 15 minutes after the end: 11:15Z is accepted, 11:16Z is refused', async () => {
    t.clock.now = new Date('2026-03-02T11:15:00Z');
    expect((await join(who.A1)).status).toBe(200);
    t.clock.now = new Date('2026-03-02T11:16:00Z');
    const late = await join(who.A1);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('room_closed');
  });

  test('an occurrence that does not exist is 404; a malformed one is 400 naming the field', async () => {
    expect((await join(who.A, '2026-03-02T11:00:00Z')).status).toBe(404);
    const bad = await join(who.A, 'next tuesday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('occurrenceStart');
  });
});

describe('invites', () => {
  test('an invite expires after 14 days', async () => {
    t.clock.now = new Date('2026-03-01T00:00:00Z');
    const s = await addStudent(t, who.A, 'Asia/Dubai', 'Late pupil');
    expect((await request(t.app).get(`/api/invites/${s.token}`)).status).toBe(200);
    t.clock.now = new Date('2026-03-15T00:00:01Z');
    const info = await request(t.app).get(`/api/invites/${s.token}`);
    expect(info.status).toBe(410);
    expect(info.body.error.code).toBe('invite_expired');
    expect((await request(t.app).post(`/api/invites/${s.token}/accept`).send({ password: 'a fine password' })).status).toBe(410);
    // A new link replaces the old one and works.
    const fresh = await who.A.agent.post(`/api/students/${s.student.id}/invite`).send({});
    expect(fresh.status).toBe(201);
    const token = (fresh.body.url as string).split('/invite/')[1];
    expect((await request(t.app).post(`/api/invites/${token}/accept`).send({ password: 'a fine password' })).status).toBe(200);
    t.clock.now = new Date('2026-03-01T00:00:00Z');
  });

  test('the teacher deletes the lesson; afterwards even they get 404', async () => {
    expect((await who.A.agent.delete(`/api/lessons/${lessonA.id}`).send({})).status).toBe(204);
    expect((await who.A.agent.get(`/api/lessons/${lessonA.id}`)).status).toBe(404);
    expect((await who.A1.agent.get(`/api/lessons/${lessonA.id}`)).status).toBe(404);
  });
});
