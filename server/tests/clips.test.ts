// Clips: the teacher saves a passage of a lesson recording and shares it; the lesson's students list and play it;
// students cannot create one, everyone else gets 404; bad input is refused naming the field; sha256 and Range.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { occurrenceId, type ClipInfo, type ClipList, type Lesson, type Library } from '../../shared/api';
import { acceptInvite, addStudent, makeEnv, signupTeacher, type Agent, type Person, type TestEnv } from './helpers';

let t: TestEnv;
let A: Person, A1: Person, A2: Person, B: Person, B1: Person;
let occA: string;
let recordingId: string;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** A file that starts like FLAC ("fLaC"), then random bytes. */
function fakeFlac(size: number): Buffer {
  const b = randomBytes(size);
  b.write('fLaC', 0, 'latin1');
  return b;
}

const clipQuery = (over: Record<string, string> = {}) => ({ recording: recordingId, start: '61.5', end: '64.5', title: 'Bar 12 shifting', note: 'Listen to the slide into 3rd position.', ...over });

function postClip(agent: Agent, occurrence: string, body: Buffer, query: Record<string, string>, type = 'audio/flac') {
  return agent.post(`/api/occurrences/${occurrence}/clips`).query(query).set('Content-Type', type).send(body);
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
  const lessonA = (await A.agent.post('/api/lessons').send({ title: 'Lesson A', start: '2026-03-02T19:00', durationMinutes: 60, studentIds: [a1.student.id], recurrence: { kind: 'weekly' } })).body as Lesson;
  occA = occurrenceId(lessonA.id, '20260302T100000Z');
  // A recording of the lesson, uploaded by the student (tus, in one PATCH).
  const rec = randomBytes(4000);
  rec.writeUInt32BE(0x1a45dfa3, 0);
  const meta = { occurrence: occA, kind: 'audio', filetype: 'audio/webm', recordingId: 'rec-for-clips' };
  const created = await A1.agent.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', String(rec.length))
    .set('Upload-Metadata', Object.entries(meta).map(([k, v]) => `${k} ${b64(v)}`).join(','));
  expect(created.status).toBe(201);
  const done = await A1.agent.patch(created.headers.location as string).set('Tus-Resumable', '1.0.0').set('Upload-Offset', '0').set('Content-Type', 'application/offset+octet-stream').send(rec);
  expect(done.status).toBe(204);
  recordingId = done.headers['muse-recording-id'] as string;
  expect(recordingId).toMatch(/^r/);
});
afterAll(() => t.close());

describe('saving and sharing a clip', () => {
  const body = fakeFlac(6000);
  const sha = createHash('sha256').update(body).digest('hex');
  let clip: ClipInfo;

  test('the teacher creates it: 201, stored atomically under clips/ with the sha256 of the bytes', async () => {
    const res = await postClip(A.agent, occA, body, clipQuery());
    expect(res.status).toBe(201);
    clip = res.body as ClipInfo;
    expect(clip).toMatchObject({ occurrenceId: occA, recordingId, startS: 61.5, endS: 64.5, title: 'Bar 12 shifting', note: 'Listen to the slide into 3rd position.', mime: 'audio/flac', size: body.length, sha256: sha, createdBy: { id: A.me.id } });
    const files = readdirSync(path.join(t.dir, 'clips'));
    expect(files).toEqual([`${clip.id}.flac`]);
    expect(createHash('sha256').update(readFileSync(path.join(t.dir, 'clips', files[0]))).digest('hex')).toBe(sha);
  });

  test('the lesson’s student lists it and plays it; Range requests get 206 with exactly those bytes', async () => {
    const list = (await A1.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList;
    expect(list.clips.map((c) => [c.id, c.title, c.sha256])).toEqual([[clip.id, 'Bar 12 shifting', sha]]);
    const part = await A1.agent.get(clip.url).set('Range', 'bytes=100-1099').buffer(true);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${body.length}`);
    expect(part.headers['content-type']).toBe('audio/flac');
    expect(Buffer.compare(part.body as Buffer, body.subarray(100, 1100))).toBe(0);
    const whole = await A.agent.get(clip.url).buffer(true);
    expect(whole.status).toBe(200);
    expect(createHash('sha256').update(whole.body as Buffer).digest('hex')).toBe(sha);
  });

  test('a student cannot create one (403); others get 404, for the list and the file (guessed ids too)', async () => {
    expect((await postClip(A1.agent, occA, body, clipQuery())).status).toBe(403);
    for (const p of [A2, B, B1]) expect((await postClip(p.agent, occA, body, clipQuery())).status).toBe(404);
    expect((await postClip(request.agent(t.app), occA, body, clipQuery())).status).toBe(401);
    const statuses = async (url: string) => Promise.all([request(t.app), A.agent, A1.agent, A2.agent, B.agent, B1.agent].map(async (a) => (await a.get(url)).status));
    expect(await statuses(clip.url)).toEqual([401, 200, 200, 404, 404, 404]);
    expect(await statuses(`/api/occurrences/${occA}/clips`)).toEqual([401, 200, 200, 404, 404, 404]);
    expect(await statuses('/api/clips/c0123456789abcdef0123/file')).toEqual([401, 404, 404, 404, 404, 404]);
    expect(readdirSync(path.join(t.dir, 'clips'))).toHaveLength(1);
  });

  test('the library: the lesson’s student and teacher see its recording and clip; nobody else sees anything', async () => {
    for (const p of [A, A1]) {
      const lib = (await p.agent.get('/api/library')).body as Library;
      expect(lib.occurrences.map((o) => [o.occurrenceId, o.start, o.lessonTitle, o.students.map((x) => x.name), o.recordings.map((r) => r.id), o.clips.map((c) => c.title)]))
        .toEqual([[occA, '2026-03-02T10:00:00.000Z', 'Lesson A', ['A1'], [recordingId], ['Bar 12 shifting']]]);
    }
    for (const p of [A2, B, B1]) expect(((await p.agent.get('/api/library')).body as Library).occurrences).toEqual([]);
    expect((await request(t.app).get('/api/library')).status).toBe(401);
  });

  test.each([
    ['title', { title: '  ' }],
    ['end', { start: '10', end: '9' }],
    ['start', { start: 'soon' }],
    ['recording', { recording: 'r-not-a-recording' }],
  ])('bad input → 400 naming the field %s', async (field, over) => {
    const res = await postClip(A.agent, occA, body, clipQuery(over));
    expect(res.status).toBe(400);
    const err = (res.body as { error: { message: string; fields?: Record<string, string> } }).error;
    expect(err.message).toContain(field);
    expect(Object.keys(err.fields ?? {})).toContain(field);
  });

  test('a wrong type is 415, a file that is not what it claims 415, an empty body 400, too large 413', async () => {
    expect((await postClip(A.agent, occA, body, clipQuery(), 'application/octet-stream')).status).toBe(415);
    expect((await postClip(A.agent, occA, randomBytes(3000), clipQuery())).status).toBe(415);
    expect((await postClip(A.agent, occA, Buffer.alloc(0), clipQuery())).status).toBe(400);
    expect((await postClip(A.agent, occA, fakeFlac(1024 * 1024 + 10), clipQuery())).status).toBe(413);
    expect(readdirSync(path.join(t.dir, 'clips'))).toHaveLength(1);
  });
});
