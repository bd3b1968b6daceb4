// Who may switch music mode: only the teacher of that room, proven by our control token.
// (The switch reaching LiveKit and every client is covered by client/tests/music-mode.spec.ts.)
import { mintControlToken, verifyControlToken } from '../src/livekit/control';
import { postJson, startApi } from './helpers';

let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  // No livekit-server here: every refusal must happen before the SFU is asked.
  api = await startApi({ devRooms: true, liveKitApiUrl: 'http://127.0.0.1:9' });
});
afterAll(() => api.stop());

async function join(role: 'teacher' | 'student', room = 'violin-1') {
  return (await postJson(`${api.url}/api/dev/rooms/token`, { room, name: role, role })).body;
}
const musicMode = (room: string, token: string | null, body: unknown = { on: true }) =>
  postJson(`${api.url}/api/rooms/${room}/music-mode`, body, token ? { authorization: `Bearer ${token}` } : {});

test('without a control token: 401', async () => {
  const res = await musicMode('violin-1', null);
  expect(res.status).toBe(401);
  expect(res.body.error.message).toMatch(/Join the lesson again/);
});

test('a student: 403, teacher only', async () => {
  const s = await join('student');
  const res = await musicMode('violin-1', s.controlToken);
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('teacher_only');
});

test("a teacher of another room: 403", async () => {
  const t = await join('teacher', 'other-room');
  const res = await musicMode('violin-1', t.controlToken);
  expect(res.status).toBe(403);
});

test('a forged or tampered token: 401', async () => {
  const s = await join('student');
  const [payload, mac] = s.controlToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'teacher' })).toString('base64url');
  expect((await musicMode('violin-1', `${forged}.${mac}`)).status).toBe(401);
  const otherSecret = mintControlToken({ ...api.config, liveKitApiSecret: 'x'.repeat(40) }, { room: 'violin-1', identity: 'i', role: 'teacher' });
  expect((await musicMode('violin-1', otherSecret)).status).toBe(401);
});

test('an expired token: 401 expired', () => {
  const old = mintControlToken(api.config, { room: 'r', identity: 'i', role: 'teacher' }, Date.now() - 7 * 3600 * 1000);
  expect(() => verifyControlToken(api.config, `Bearer ${old}`)).toThrow(/expired/);
});

test('the teacher with a bad body: 400 naming the field; with the SFU down: 503 that says the lesson goes on', async () => {
  const t = await join('teacher');
  const bad = await musicMode('violin-1', t.controlToken, { on: 'yes' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields).toHaveProperty('on');
  const down = await musicMode('violin-1', t.controlToken);
  expect(down.status).toBe(503);
  expect(down.body.error.message).toMatch(/lesson goes on/);
});

describe('the music-safety check listener', () => {
  const checkToken = (room: string, token: string | null) =>
    postJson(`${api.url}/api/rooms/${room}/check-token`, {}, token ? { authorization: `Bearer ${token}` } : {});

  test('needs a control token for that room', async () => {
    expect((await checkToken('violin-1', null)).status).toBe(401);
    const other = await join('student', 'other-room');
    expect((await checkToken('violin-1', other.controlToken)).status).toBe(403);
  });

  test('a participant gets a hidden, listen-only identity beside their own', async () => {
    const s = await join('student');
    const res = await checkToken('violin-1', s.controlToken);
    expect(res.status).toBe(200);
    const { TokenVerifier } = await import('livekit-server-sdk');
    const claims = await new TokenVerifier(api.config.liveKitApiKey, api.config.liveKitApiSecret).verify(res.body.token);
    expect(claims.sub).toBe(`${s.identity}~check`);
    expect(claims.video).toMatchObject({ room: 'violin-1', roomJoin: true, hidden: true, canPublish: false, canSubscribe: true, canPublishData: false });
  });
});

describe('the duet switch (teacher only, like music mode)', () => {
  const duet = (room: string, token: string | null, body: unknown = { on: true }) =>
    postJson(`${api.url}/api/rooms/${room}/duet`, body, token ? { authorization: `Bearer ${token}` } : {});

  test('refuses no token (401), a student (403 teacher_only), another room\'s teacher (403), a bad body (400 naming the field)', async () => {
    expect((await duet('violin-1', null)).status).toBe(401);
    const s = await join('student');
    const byStudent = await duet('violin-1', s.controlToken);
    expect(byStudent.status).toBe(403);
    expect(byStudent.body.error.code).toBe('teacher_only');
    expect(byStudent.body.error.message).toMatch(/duet/);
    const other = await join('teacher', 'other-room');
    expect((await duet('violin-1', other.controlToken)).status).toBe(403);
    const t = await join('teacher');
    const bad = await duet('violin-1', t.controlToken, { on: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('on');
    // A reason names why duet mode ends: only 'fallback', and only when switching it off.
    const unknownReason = await duet('violin-1', t.controlToken, { on: false, reason: 'bored' });
    expect(unknownReason.status).toBe(400);
    expect(unknownReason.body.error.fields).toHaveProperty('reason');
    const reasonOn = await duet('violin-1', t.controlToken, { on: true, reason: 'fallback' });
    expect(reasonOn.status).toBe(400);
    expect(reasonOn.body.error.fields.reason).toMatch(/only when duet mode is switched off/);
    expect((await duet('violin-1', s.controlToken, { on: false, reason: 'fallback' })).status).toBe(403);
    expect((await duet('violin-1', t.controlToken, { on: false, reason: 'fallback' })).status).toBe(503);
    // The teacher's well-formed request reaches the SFU (down here): 503, nothing changed.
    expect((await duet('violin-1', t.controlToken)).status).toBe(503);
  });
});
