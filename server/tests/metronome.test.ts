// Who may run the shared metronome: only the teacher of that room, proven by our control token.
// (The metronome reaching both sides, aligned, is client/tests/shared-metronome.spec.ts.)
import { parseRoomState } from '../../shared/api';
import { postJson, startApi } from './helpers';

let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  // No livekit-server here: every refusal must happen before the SFU is asked.
  api = await startApi({ devRooms: true, liveKitApiUrl: 'http://127.0.0.1:9' });
});
afterAll(() => api.stop());

const join = async (role: 'teacher' | 'student', room = 'violin-1') => (await postJson(`${api.url}/api/dev/rooms/token`, { room, name: role, role })).body;
const metronome = (room: string, token: string | null, body: unknown) =>
  postJson(`${api.url}/api/rooms/${room}/metronome`, body, token ? { authorization: `Bearer ${token}` } : {});
const start = { running: true, bpm: 92, beatsPerBar: 3, subdivisions: 2, startAtMs: 1.7e12 };

test('anonymous 401; a student 403 teacher_only; a teacher of another room 403', async () => {
  expect((await metronome('violin-1', null, start)).status).toBe(401);
  const s = await metronome('violin-1', (await join('student')).controlToken, start);
  expect(s.status).toBe(403);
  expect(s.body.error.code).toBe('teacher_only');
  expect(s.body.error.message).toMatch(/metronome/);
  expect((await metronome('violin-1', (await join('teacher', 'other-room')).controlToken, start)).status).toBe(403);
});

test.each([
  [{ ...start, bpm: 301 }, 'bpm'],
  [{ ...start, bpm: 19 }, 'bpm'],
  [{ ...start, beatsPerBar: 2.5 }, 'beatsPerBar'],
  [{ ...start, subdivisions: 5 }, 'subdivisions'],
  [{ running: true, bpm: 90, beatsPerBar: 4, subdivisions: 1 }, 'startAtMs'],
])('the teacher with a bad body %j: 400 naming %p', async (body, field) => {
  const res = await metronome('violin-1', (await join('teacher')).controlToken, body);
  expect(res.status).toBe(400);
  expect(res.body.error.fields).toHaveProperty(field);
});

test('the teacher with a good body and the SFU down: 503 (nothing half-written)', async () => {
  const res = await metronome('violin-1', (await join('teacher')).controlToken, { running: false });
  expect(res.status).toBe(503);
});

test('room metadata: a running grid needs its clock and start; junk reads as stopped', () => {
  const ok = parseRoomState(JSON.stringify({ metronome: { running: true, bpm: 90, beatsPerBar: 4, subdivisions: 1, startAtMs: 5, clock: 't' } }));
  expect(ok.metronome).toEqual({ running: true, bpm: 90, beatsPerBar: 4, subdivisions: 1, startAtMs: 5, clock: 't' });
  expect(parseRoomState(JSON.stringify({ metronome: { running: true, bpm: 90, beatsPerBar: 4, subdivisions: 1 } })).metronome.running).toBe(false);
  expect(parseRoomState(JSON.stringify({ metronome: { running: true, bpm: 900 } })).metronome.running).toBe(false);
  expect(parseRoomState(JSON.stringify({ musicMode: true })).metronome.running).toBe(false);
});

test('room metadata: how duet mode ended is kept only while it is off, and only as teacher or fallback', () => {
  expect(parseRoomState(JSON.stringify({ duet: false, duetEnded: 'fallback' })).duetEnded).toBe('fallback');
  expect(parseRoomState(JSON.stringify({ duet: false, duetEnded: 'teacher' })).duetEnded).toBe('teacher');
  expect(parseRoomState(JSON.stringify({ duet: true, duetEnded: 'fallback' })).duetEnded).toBeNull();
  expect(parseRoomState(JSON.stringify({ duet: false, duetEnded: 'because' })).duetEnded).toBeNull();
  expect(parseRoomState(JSON.stringify({ musicMode: true })).duetEnded).toBeNull();
});
