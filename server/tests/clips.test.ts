// Clips: the teacher saves a passage of a lesson recording and shares it; the lesson's students list and play it;
// students cannot create one, everyone else gets 404; bad input is refused naming the field; sha256 and Range.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

describe('editing and deleting a clip (the lesson’s teacher only)', () => {
  const body = fakeFlac(5000);
  let clip: ClipInfo;
  const clipsOnDisk = () => readdirSync(path.join(t.dir, 'clips')).sort();
  const studentSees = async () => ({
    list: ((await A1.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList).clips.map((c) => c.id).includes(clip.id),
    library: ((await A1.agent.get('/api/library')).body as Library).occurrences.some((o) => o.clips.some((c) => c.id === clip.id)),
    file: (await A1.agent.get(clip.url)).status,
  });

  beforeAll(async () => {
    const res = await postClip(A.agent, occA, body, clipQuery({ title: 'Long bow', note: 'Slow, even.' }));
    expect(res.status).toBe(201);
    clip = res.body as ClipInfo;
    expect(clip.shared).toBe(true);
  });

  test('the teacher renames it and edits its note; the student sees the change', async () => {
    const res = await A.agent.patch(`/api/clips/${clip.id}`).send({ title: '  Long bow, bar 3 ', note: 'Slow and even; keep the contact point.' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: clip.id, title: 'Long bow, bar 3', note: 'Slow and even; keep the contact point.', shared: true, sha256: clip.sha256 });
    const seen = ((await A1.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList).clips.find((c) => c.id === clip.id);
    expect([seen?.title, seen?.note]).toEqual(['Long bow, bar 3', 'Slow and even; keep the contact point.']);
  });

  test('unshared, the student no longer lists, finds in the library or plays it (404); shared again, they do', async () => {
    expect(await studentSees()).toEqual({ list: true, library: true, file: 200 });
    expect((await A.agent.patch(`/api/clips/${clip.id}`).send({ shared: false })).body.shared).toBe(false);
    expect(await studentSees()).toEqual({ list: false, library: false, file: 404 });
    // The teacher still has it, marked as not shared.
    const mine = ((await A.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList).clips.find((c) => c.id === clip.id);
    expect(mine?.shared).toBe(false);
    expect((await A.agent.get(clip.url)).status).toBe(200);
    // An unshared clip is not the student's to know about: 404, not 403.
    expect((await A1.agent.patch(`/api/clips/${clip.id}`).send({ title: 'x' })).status).toBe(404);
    expect((await A.agent.patch(`/api/clips/${clip.id}`).send({ shared: true })).body.shared).toBe(true);
    expect(await studentSees()).toEqual({ list: true, library: true, file: 200 });
  });

  test('the student gets 403, other people 404, anonymous 401, for changes and deletes; nothing changes', async () => {
    expect((await A1.agent.patch(`/api/clips/${clip.id}`).send({ title: 'Mine now' })).status).toBe(403);
    expect((await A1.agent.delete(`/api/clips/${clip.id}`).send({})).status).toBe(403);
    for (const p of [A2, B, B1]) {
      expect((await p.agent.patch(`/api/clips/${clip.id}`).send({ title: 'Mine now' })).status).toBe(404);
      expect((await p.agent.delete(`/api/clips/${clip.id}`).send({})).status).toBe(404);
    }
    expect((await request(t.app).patch(`/api/clips/${clip.id}`).send({ title: 'x' })).status).toBe(401);
    expect((await request(t.app).delete(`/api/clips/${clip.id}`).send({})).status).toBe(401);
    const still = ((await A.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList).clips.find((c) => c.id === clip.id);
    expect(still?.title).toBe('Long bow, bar 3');
    expect(clipsOnDisk()).toContain(`${clip.id}.flac`);
  });

  test.each([
    ['title', { title: '   ' }],
    ['title', {}],
    ['shared', { shared: 'yes' }],
    ['note', { note: 'x'.repeat(2001) }],
  ])('bad changes → 400 naming %s, and nothing changes', async (field, change) => {
    const res = await A.agent.patch(`/api/clips/${clip.id}`).send(change);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields ?? {})).toContain(field);
    expect(((await A.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList).clips.find((c) => c.id === clip.id)?.title).toBe('Long bow, bar 3');
  });

  test('the teacher deletes it: 204, the file is gone from disk, everyone gets 404 after, and the student no longer sees it', async () => {
    const before = clipsOnDisk();
    const res = await A.agent.delete(`/api/clips/${clip.id}`).send({});
    expect(res.status).toBe(204);
    expect(clipsOnDisk()).toEqual(before.filter((f) => f !== `${clip.id}.flac`));
    expect(clipsOnDisk().some((f) => f.includes(clip.id))).toBe(false);
    expect((await A.agent.get(clip.url)).status).toBe(404);
    expect(await studentSees()).toEqual({ list: false, library: false, file: 404 });
    expect((await A.agent.patch(`/api/clips/${clip.id}`).send({ title: 'again' })).status).toBe(404);
    expect((await A.agent.delete(`/api/clips/${clip.id}`).send({})).status).toBe(404);
    // The other clip of the occurrence is untouched.
    expect(((await A1.agent.get(`/api/occurrences/${occA}/clips`)).body as ClipList).clips.map((c) => c.title)).toEqual(['Bar 12 shifting']);
  });

  test('a delete cut short by a crash is settled on the next start: a file set aside goes back if its clip is still there, else away', async () => {
    const kept = (await postClip(A.agent, occA, fakeFlac(3000), clipQuery({ title: 'Kept' }))).body as ClipInfo;
    const dir = path.join(t.dir, 'clips');
    // As deleteClip leaves things if the process dies between the rename and the row's delete (the row is still there)...
    renameSync(path.join(dir, `${kept.id}.flac`), path.join(dir, `.${kept.id}.flac.deleting`));
    // ...and after the row's delete but before the unlink.
    writeFileSync(path.join(dir, '.c00000000000000000000.flac.deleting'), fakeFlac(100));
    t.restart();
    expect(clipsOnDisk()).toContain(`${kept.id}.flac`);
    expect(clipsOnDisk().filter((f) => f.endsWith('.deleting'))).toEqual([]);
    expect(createHash('sha256').update(readFileSync(path.join(dir, `${kept.id}.flac`))).digest('hex')).toBe(kept.sha256);
  });
});
