// Recordings: tus uploads into a lesson occurrence (who may), atomic storage with sha256, reading with Range.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { occurrenceId, type Lesson, type RecordingList } from '../../shared/api';
import { acceptInvite, addStudent, makeEnv, signupTeacher, type Agent, type Person, type TestEnv } from './helpers';

let t: TestEnv;
let A: Person, A1: Person, A2: Person, B: Person, B1: Person;
let lessonA: Lesson;
let lessonB: Lesson;
const FIRST = '20260302T100000Z';
let occA: string;
let occB: string;

/** A file that starts like WebM (EBML magic), then random bytes. */
function fakeWebm(size: number): Buffer {
  const b = randomBytes(size);
  b.writeUInt32BE(0x1a45dfa3, 0);
  return b;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
function metadata(m: Record<string, string>): string {
  return Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',');
}

function create(agent: Agent, length: number, meta: Record<string, string>) {
  return agent.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', String(length)).set('Upload-Metadata', metadata(meta));
}

function patch(agent: Agent, location: string, offset: number, body: Buffer) {
  return agent.patch(location).set('Tus-Resumable', '1.0.0').set('Upload-Offset', String(offset)).set('Content-Type', 'application/offset+octet-stream').send(body);
}

const meta = (occurrence: string, recordingId: string, filetype = 'audio/webm') => ({ occurrence, kind: 'audio', filetype, recordingId, durationMs: '10000' });

/** Uploads a whole file in two PATCHes (the second resumes at the offset HEAD reports); returns the final response. */
async function upload(agent: Agent, occurrence: string, body: Buffer, recordingId: string) {
  const created = await create(agent, body.length, meta(occurrence, recordingId));
  expect(created.status).toBe(201);
  const location = created.headers.location as string;
  const half = Math.floor(body.length / 2);
  expect((await patch(agent, location, 0, body.subarray(0, half))).status).toBe(204);
  const head = await agent.head(location).set('Tus-Resumable', '1.0.0');
  expect(head.headers['upload-offset']).toBe(String(half));
  return patch(agent, location, half, body.subarray(half));
}

beforeAll(async () => {
  t = makeEnv({ MUSE_LOGIN_MAX_ATTEMPTS: '50', MUSE_RECORDING_MAX_MB: '1' });
  A = await signupTeacher(t, 'Asia/Seoul', 'Teacher A');
  B = await signupTeacher(t, 'Europe/Berlin', 'Teacher B');
  const a1 = await addStudent(t, A, 'Asia/Dubai', 'A1');
  const a2 = await addStudent(t, A, 'Asia/Dubai', 'A2');
  const b1 = await addStudent(t, B, 'Asia/Seoul', 'B1');
  A1 = await acceptInvite(t, a1.token);
  A2 = await acceptInvite(t, a2.token);
  B1 = await acceptInvite(t, b1.token);
  lessonA = (await A.agent.post('/api/lessons').send({ title: 'Lesson A', start: '2026-03-02T19:00', durationMinutes: 60, studentIds: [a1.student.id], recurrence: { kind: 'weekly' } })).body as Lesson;
  lessonB = (await B.agent.post('/api/lessons').send({ title: 'Lesson B', start: '2026-03-03T10:00', durationMinutes: 30, studentIds: [b1.student.id] })).body as Lesson;
  occA = occurrenceId(lessonA.id, FIRST);
  occB = occurrenceId(lessonB.id, '20260303T090000Z');
});
afterAll(() => t.close());

describe('who may upload into an occurrence', () => {
  const cases: [string, number, () => Person | null][] = [
    ['anonymous', 401, () => null],
    ['its teacher', 201, () => A],
    ['its student', 201, () => A1],
    ["the teacher's other student", 404, () => A2],
    ['another teacher', 404, () => B],
    ["another teacher's student", 404, () => B1],
  ];
  test.each(cases)('%s → %d', async (_who, status, person) => {
    const agent = person()?.agent ?? request.agent(t.app);
    const res = await create(agent, 1000, meta(occA, `rec-${randomBytes(6).toString('hex')}`));
    expect(res.status).toBe(status);
    if (status === 201) expect(res.headers.location).toMatch(/^\/api\/uploads\/u[0-9a-f]{20}$/);
  });

  test('an occurrence that does not exist, bad metadata, a wrong type and an oversized upload are refused', async () => {
    expect((await create(A.agent, 1000, meta(occurrenceId(lessonA.id, '20260302T110000Z'), 'rec-nonexistent'))).status).toBe(404);
    const bad = await create(A.agent, 1000, { occurrence: occA, kind: 'audio', filetype: 'audio/webm' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('recordingId');
    expect((await create(A.agent, 1000, meta(occA, 'rec-wrongtype', 'application/x-msdownload'))).status).toBe(400);
    const big = await create(A.agent, 2 * 1024 * 1024, meta(occA, 'rec-too-big'));
    expect(big.status).toBe(413);
  });

  test("nobody but its creator can continue, inspect or delete an upload", async () => {
    const created = await create(A1.agent, 1000, meta(occA, 'rec-owned-by-a1'));
    const location = created.headers.location as string;
    for (const p of [A, A2, B]) {
      expect((await patch(p.agent, location, 0, fakeWebm(1000))).status).toBe(404);
      expect((await p.agent.head(location).set('Tus-Resumable', '1.0.0')).status).toBe(404);
      expect((await p.agent.delete(location).set('Tus-Resumable', '1.0.0')).status).toBe(404);
    }
    expect((await request(t.app).head(location).set('Tus-Resumable', '1.0.0')).status).toBe(401);
    expect((await A1.agent.head(location).set('Tus-Resumable', '1.0.0')).headers['upload-offset']).toBe('0');
  });

  test('an upload from another site is refused', async () => {
    const res = await create(A.agent, 1000, meta(occA, 'rec-cross-site')).set('Origin', 'https://evil.example');
    expect(res.status).toBe(403);
  });
});

describe('a finished upload', () => {
  const body = fakeWebm(300_000);
  let recordingId: string;

  test('resumes at the offset, is stored atomically under recordings/ with its sha256, and listed', async () => {
    const res = await upload(A1.agent, occA, body, 'rec-student-one');
    expect(res.status).toBe(204);
    const sha = createHash('sha256').update(body).digest('hex');
    expect(res.headers['muse-recording-sha256']).toBe(sha);
    recordingId = res.headers['muse-recording-id'] as string;
    const dir = path.join(t.dir, 'recordings');
    const files = readdirSync(dir);
    expect(files).toEqual([`${recordingId}.webm`]);
    expect(createHash('sha256').update(readFileSync(path.join(dir, files[0]))).digest('hex')).toBe(sha);
    // Nothing of it is left in the upload area (no data file, no .json).
    expect(readdirSync(path.join(t.dir, 'uploads')).filter((f) => f.includes(res.headers['location'] ?? '§'))).toEqual([]);
    const list = (await A.agent.get(`/api/occurrences/${occA}/recordings`)).body as RecordingList;
    expect(list.recordings).toHaveLength(1);
    expect(list.recordings[0]).toMatchObject({ id: recordingId, size: body.length, sha256: sha, mime: 'audio/webm', kind: 'audio', durationMs: 10000, participant: { id: A1.me.id, role: 'student' } });
  });

  test('the same browser recording sent again is recognised, not stored twice', async () => {
    const res = await upload(A1.agent, occA, body, 'rec-student-one');
    expect(res.status).toBe(204);
    expect(res.headers['muse-recording-id']).toBe(recordingId);
    expect(readdirSync(path.join(t.dir, 'recordings'))).toHaveLength(1);
  });

  test('a file that is not what it claims to be is refused and removed', async () => {
    const res = await upload(A.agent, occA, randomBytes(5000), 'rec-not-webm');
    expect(res.status).toBe(415);
    expect(readdirSync(path.join(t.dir, 'recordings'))).toHaveLength(1);
  });

  test('Range requests get 206 and exactly those bytes', async () => {
    const res = await A.agent.get(`/api/recordings/${recordingId}/file`).set('Range', 'bytes=1000-1999');
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-1999/${body.length}`);
    expect(res.headers['content-type']).toBe('audio/webm');
    expect(Buffer.compare(res.body as Buffer, body.subarray(1000, 2000))).toBe(0);
    const whole = await A1.agent.get(`/api/recordings/${recordingId}/file`);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(Number(whole.headers['content-length'])).toBe(body.length);
  });

  test('only the lesson’s teacher and students may read it; everyone else gets 401/404, guessed ids too', async () => {
    const statuses = async (url: string) => Promise.all([request(t.app), A.agent, A1.agent, A2.agent, B.agent, B1.agent].map(async (a) => (await a.get(url)).status));
    expect(await statuses(`/api/recordings/${recordingId}/file`)).toEqual([401, 200, 200, 404, 404, 404]);
    expect(await statuses(`/api/occurrences/${occA}/recordings`)).toEqual([401, 200, 200, 404, 404, 404]);
    expect((await B1.agent.get('/api/recordings/r00000000000000000000/file')).status).toBe(404);
    // B1's own lesson works for B1 and shows nothing of A's.
    const own = await B1.agent.get(`/api/occurrences/${occB}/recordings`);
    expect(own.status).toBe(200);
    expect((own.body as RecordingList).recordings).toEqual([]);
    // The upload area is not a download area.
    expect((await A1.agent.get('/api/uploads/u00000000000000000000')).status).toBe(404);
  });

  test('the teacher can switch auto-record off per lesson; the student sees it and cannot change it', async () => {
    expect(lessonA.autoRecord).toBe(true);
    const off = await A.agent.patch(`/api/lessons/${lessonA.id}`).send({ scope: 'series', autoRecord: false });
    expect(off.status).toBe(200);
    expect(off.body.autoRecord).toBe(false);
    expect((await A1.agent.get(`/api/lessons/${lessonA.id}`)).body.autoRecord).toBe(false);
    expect((await A1.agent.patch(`/api/lessons/${lessonA.id}`).send({ scope: 'series', autoRecord: true })).status).toBe(403);
    expect(existsSync(path.join(t.dir, 'recordings', `${recordingId}.webm`))).toBe(true);
  });

  test('deleting the lesson deletes its recordings, files included', async () => {
    expect((await A1.agent.delete(`/api/lessons/${lessonA.id}`).send({})).status).toBe(403);
    expect(existsSync(path.join(t.dir, 'recordings', `${recordingId}.webm`))).toBe(true);
    expect((await A.agent.delete(`/api/lessons/${lessonA.id}`).send({})).status).toBe(204);
    expect(existsSync(path.join(t.dir, 'recordings', `${recordingId}.webm`))).toBe(false);
    expect((await A.agent.get(`/api/recordings/${recordingId}/file`)).status).toBe(404);
  });

  test('unfinished uploads carry an expiry (they are swept after 14 days)', async () => {
    const own = await create(B1.agent, 1000, meta(occB, 'rec-expiry'));
    expect(own.status).toBe(201);
    const expires = Date.parse(own.headers['upload-expires'] as string);
    expect(Math.abs(expires - Date.now() - 14 * 86_400_000)).toBeLessThan(60_000);
  });
});

describe('the lesson as heard (mix) and alignment on the teacher’s clock', () => {
  // Lesson A is deleted above: a lesson of their own.
  let occ: string;
  beforeAll(async () => {
    const lesson = (await A.agent.post('/api/lessons').send({ title: 'Lesson C', start: '2026-03-04T19:00', durationMinutes: 60, studentIds: [A1.me.id] })).body as Lesson;
    occ = occurrenceId(lesson.id, '20260304T100000Z');
  });
  const mixMeta = (recordingId: string, over: Record<string, string> = {}) => ({ occurrence: occ, kind: 'mix', filetype: 'audio/webm', recordingId, startedAt: '2026-03-02T10:00:05.000Z', ...over });

  test('only the lesson’s teacher uploads a mix (students 403, others 404); it is listed with kind mix', async () => {
    expect((await create(A1.agent, 100, mixMeta('rec-mix-student'))).status).toBe(403);
    expect((await create(B.agent, 100, mixMeta('rec-mix-b'))).status).toBe(404);
    const body = fakeWebm(3000);
    const created = await create(A.agent, body.length, mixMeta('rec-mix-teacher', { clockOffsetMs: '0' }));
    expect(created.status).toBe(201);
    expect((await patch(A.agent, created.headers.location as string, 0, body)).status).toBe(204);
    const list = (await A1.agent.get(`/api/occurrences/${occ}/recordings`)).body as RecordingList;
    const mix = list.recordings.find((r) => r.clientId === 'rec-mix-teacher');
    expect([mix?.kind, mix?.participant.role, mix?.startedAt, mix?.alignedStartAt, mix?.clockOffsetMs]).toEqual(['mix', 'teacher', '2026-03-02T10:00:05.000Z', '2026-03-02T10:00:05.000Z', 0]);
  });

  test('a student’s start is stored on the teacher’s clock too: startedAt + the measured offset; without one, as it is', async () => {
    const body = fakeWebm(2000);
    const withOffset = await create(A1.agent, body.length, { ...meta(occ, 'rec-aligned-1'), startedAt: '2026-03-02T10:00:04.000Z', clockOffsetMs: '2500.5' });
    expect(withOffset.status).toBe(201);
    await patch(A1.agent, withOffset.headers.location as string, 0, body);
    const without = await create(A1.agent, body.length, { ...meta(occ, 'rec-aligned-2'), startedAt: '2026-03-02T10:00:04.000+00:00' });
    await patch(A1.agent, without.headers.location as string, 0, body);
    const list = (await A.agent.get(`/api/occurrences/${occ}/recordings`)).body as RecordingList;
    const one = list.recordings.find((r) => r.clientId === 'rec-aligned-1');
    const two = list.recordings.find((r) => r.clientId === 'rec-aligned-2');
    expect([one?.alignedStartAt, one?.clockOffsetMs]).toEqual(['2026-03-02T10:00:06.500Z', 2500.5]);
    expect([two?.alignedStartAt, two?.clockOffsetMs]).toEqual(['2026-03-02T10:00:04.000Z', null]);
    // A nonsense offset is refused naming the field.
    const bad = await create(A1.agent, body.length, { ...meta(occ, 'rec-aligned-3'), clockOffsetMs: 'soon' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.fields).toHaveProperty('clockOffsetMs');
  });
});
