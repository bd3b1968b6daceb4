import { TokenVerifier } from 'livekit-server-sdk';
import { postJson, startApi } from './helpers';

let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi({ devRooms: true, tokenTtlSeconds: 600 });
});
afterAll(() => api.stop());

const endpoint = () => `${api.url}/api/dev/rooms/token`;

test('mints a short-lived token for exactly one room with only the needed grants', async () => {
  const before = Math.floor(Date.now() / 1000);
  const res = await postJson(endpoint(), { room: 'violin-1', name: 'Mina Park', role: 'teacher' });
  expect(res.status).toBe(200);
  expect(res.body.livekitUrl).toBe(api.config.publicLiveKitUrl);
  const claims = await new TokenVerifier(api.config.liveKitApiKey, api.config.liveKitApiSecret).verify(res.body.token);
  expect(claims.sub).toBe(res.body.identity);
  expect(claims.name).toBe('Mina Park');
  expect(claims.attributes).toEqual({ role: 'teacher' });
  expect(claims.video).toMatchObject({ room: 'violin-1', roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
  expect(claims.video?.roomAdmin).toBeFalsy();
  expect(claims.video?.roomCreate).toBeFalsy();
  expect(claims.exp! - before).toBeGreaterThanOrEqual(599);
  expect(claims.exp! - before).toBeLessThanOrEqual(602);
});

test("a browser that reads duet frames in RTP says so when joining: the others see it in the token's attributes", async () => {
  const verify = (t: string) => new TokenVerifier(api.config.liveKitApiKey, api.config.liveKitApiSecret).verify(t);
  const yes = await postJson(endpoint(), { room: 'violin-1', name: 'Layla', role: 'student', duetRtp: true });
  expect(yes.status).toBe(200);
  expect((await verify(yes.body.token)).attributes).toEqual({ role: 'student', duetRtp: '1' });
  // Saying no, or nothing (an older page), leaves it out: the others send duet frames on the data channel.
  for (const body of [{ duetRtp: false }, {}]) {
    const no = await postJson(endpoint(), { room: 'violin-1', name: 'Layla', role: 'student', ...body });
    expect(no.status).toBe(200);
    expect((await verify(no.body.token)).attributes).toEqual({ role: 'student' });
  }
});

test('two joins with the same name get different identities', async () => {
  const a = await postJson(endpoint(), { room: 'violin-1', name: 'Layla', role: 'student' });
  const b = await postJson(endpoint(), { room: 'violin-1', name: 'Layla', role: 'student' });
  expect(a.body.identity).not.toBe(b.body.identity);
});

test.each([
  [{}, ['room', 'name', 'role']],
  [{ room: 'a b', name: 'x', role: 'teacher' }, ['room']],
  [{ room: 'ok-room', name: '   ', role: 'teacher' }, ['name']],
  [{ room: 'ok-room', name: 'x', role: 'admin' }, ['role']],
  [{ room: 42, name: ['x'], role: 'student' }, ['room', 'name']],
  [{ room: 'ok-room', name: 'x', role: 'student', duetRtp: 'yes' }, ['duetRtp']],
])('rejects %j naming the bad fields', async (body, fields) => {
  const res = await postJson(endpoint(), body);
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('invalid_input');
  expect(Object.keys(res.body.error.fields).sort()).toEqual([...fields].sort());
  for (const f of fields) expect(res.body.error.message).toContain(f);
});

test('malformed JSON is a 400, an oversize body a 413, never a stack trace', async () => {
  const bad = await postJson(endpoint(), '{"room": ');
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('invalid_json');
  const big = await postJson(endpoint(), { room: 'violin-1', name: 'x'.repeat(200_000), role: 'teacher' });
  expect(big.status).toBe(413);
  expect(JSON.stringify(big.body)).not.toMatch(/at .*\.ts:\d+/);
});

test('open rooms can be switched off', async () => {
  const closed = await startApi({ devRooms: false });
  try {
    const res = await postJson(`${closed.url}/api/dev/rooms/token`, { room: 'violin-1', name: 'x', role: 'teacher' });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/switched off/);
  } finally {
    await closed.stop();
  }
});

test('pages are served cross-origin isolated, unknown API paths are JSON 404s', async () => {
  const res = await fetch(`${api.url}/api/nothing-here`);
  expect(res.status).toBe(404);
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  expect((await res.json()).error.code).toBe('not_found');
});

test('a busy port is reported with what to do', async () => {
  await expect(startApi({ port: api.port })).rejects.toThrow(/already in use.*MUSE_PORT/);
});
