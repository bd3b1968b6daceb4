// Practice recordings: a student uploads what the practice page recorded (tus, naming the practice session's key);
// it is in their library and their teacher's, linked to the practice log row with that key; nobody else sees it;
// teachers cannot make one; metadata naming both a lesson and a practice session (or neither) is refused.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Library } from '../../shared/api';
import { enrolledStudent, makeEnv, signupTeacher, type Agent, type Person, type TestEnv } from './helpers';

let t: TestEnv;
let T: Person, S: Person, Classmate: Person, Other: Person, OtherStudent: Person;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const metadata = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',');

function webm(size: number): Buffer {
  const b = randomBytes(size);
  b.writeUInt32BE(0x1a45dfa3, 0);
  return b;
}

/** Creates an upload and sends the whole body in one PATCH; returns both responses. */
async function upload(agent: Agent, body: Buffer, meta: Record<string, string>) {
  const created = await agent.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', String(body.length)).set('Upload-Metadata', metadata(meta));
  if (created.status !== 201) return { created, done: null };
  const done = await agent.patch(created.headers.location as string).set('Tus-Resumable', '1.0.0').set('Upload-Offset', '0').set('Content-Type', 'application/offset+octet-stream').send(body);
  return { created, done };
}

const practiceMeta = (over: Record<string, string> = {}) => ({
  practice: 'prac-0123456789abcdef',
  kind: 'audio',
  filetype: 'audio/webm',
  recordingId: 'rec-practice-1',
  startedAt: '2026-03-01T16:00:00.000Z',
  endedAt: '2026-03-01T16:00:07.000Z',
  durationMs: '7000',
  ...over,
});

beforeAll(async () => {
  t = makeEnv({ MUSE_LOGIN_MAX_ATTEMPTS: '50' });
  T = await signupTeacher(t, 'Asia/Seoul', 'Teacher');
  Other = await signupTeacher(t, 'Europe/Berlin', 'Other teacher');
  S = await enrolledStudent(t, T, 'Asia/Dubai', 'Layla');
  Classmate = await enrolledStudent(t, T, 'Asia/Dubai', 'Classmate');
  OtherStudent = await enrolledStudent(t, Other, 'Asia/Dubai', 'Someone else');
});
afterAll(() => t.close());

test('a student’s practice recording is stored with its hash, in their library and their teacher’s, linked to the logged session', async () => {
  const body = webm(5000);
  const { created, done } = await upload(S.agent, body, practiceMeta());
  expect(created.status).toBe(201);
  expect(done!.status).toBe(204);
  const id = done!.headers['muse-recording-id'] as string;
  expect(id).toMatch(/^r/);
  expect(readdirSync(path.join(t.dir, 'recordings'))).toEqual([`${id}.webm`]);

  // The practice log gets the session afterwards (the page saves it when the student finishes): the link appears.
  const session = await S.agent.post('/api/practice/sessions').send({ startedAt: '2026-03-01T15:59:58Z', durationSeconds: 12, tempos: [80], tuner: {}, key: 'prac-0123456789abcdef' });
  expect(session.status).toBe(201);
  expect(session.body.key).toBe('prac-0123456789abcdef');
  // Sent again (a retry): still one row.
  expect((await S.agent.post('/api/practice/sessions').send({ startedAt: '2026-03-01T15:59:58Z', durationSeconds: 12, tempos: [80], tuner: {}, key: 'prac-0123456789abcdef' })).body.id).toBe(session.body.id);
  expect((await S.agent.get('/api/practice/sessions')).body).toHaveLength(1);

  for (const p of [S, T]) {
    const lib = (await p.agent.get('/api/library')).body as Library;
    expect(lib.practice.map((r) => [r.id, r.student.name, r.practiceKey, r.practiceSessionId, r.kind, r.mime, r.size, r.durationMs, r.clientId]))
      .toEqual([[id, 'Layla', 'prac-0123456789abcdef', session.body.id, 'audio', 'audio/webm', body.length, 7000, 'rec-practice-1']]);
  }
  for (const p of [Classmate, Other, OtherStudent]) expect(((await p.agent.get('/api/library')).body as Library).practice).toEqual([]);

  const url = `/api/practice/recordings/${id}/file`;
  const statuses = await Promise.all([request(t.app), S.agent, T.agent, Classmate.agent, Other.agent, OtherStudent.agent].map(async (a) => (await a.get(url)).status));
  expect(statuses).toEqual([401, 200, 200, 404, 404, 404]);
  const whole = await T.agent.get(url).buffer(true);
  expect(createHash('sha256').update(whole.body as Buffer).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  const part = await S.agent.get(url).set('Range', 'bytes=10-19').buffer(true);
  expect(part.status).toBe(206);
  expect(Buffer.compare(part.body as Buffer, body.subarray(10, 20))).toBe(0);

  // The same browser recording sent again is recognised: one row, one file.
  const again = await upload(S.agent, body, practiceMeta());
  expect(again.done!.headers['muse-recording-id']).toBe(id);
  expect(readdirSync(path.join(t.dir, 'recordings'))).toHaveLength(1);
});

test('teachers cannot make practice recordings (403); metadata must name a lesson or a practice session, not both or neither (400)', async () => {
  const teacher = await upload(T.agent, webm(1000), practiceMeta({ recordingId: 'rec-teacher-1' }));
  expect(teacher.created.status).toBe(403);
  expect(JSON.parse(teacher.created.text).error.code).toBe('students_only');
  const both = await upload(S.agent, webm(1000), practiceMeta({ recordingId: 'rec-both-1', occurrence: 'l0123.20260302T100000Z' }));
  expect(both.created.status).toBe(400);
  const { practice: _p, ...rest } = practiceMeta({ recordingId: 'rec-neither-1' });
  const neither = await upload(S.agent, webm(1000), rest);
  expect(neither.created.status).toBe(400);
  expect(JSON.parse(neither.created.text).error.fields).toHaveProperty('occurrence');
  const badKey = await upload(S.agent, webm(1000), practiceMeta({ recordingId: 'rec-badkey-1', practice: 'no spaces allowed' }));
  expect(badKey.created.status).toBe(400);
  expect(JSON.parse(badKey.created.text).error.fields).toHaveProperty('practice');
  // A mislabelled file is refused when it arrives, and nothing is kept.
  const wrong = await upload(S.agent, randomBytes(1000), practiceMeta({ recordingId: 'rec-wrong-1' }));
  expect(wrong.done!.status).toBe(415);
  expect(readdirSync(path.join(t.dir, 'recordings'))).toHaveLength(1);
});
