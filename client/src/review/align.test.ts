import { alignTracks, audible, localTime, MAX_NUDGE, peaks, SEEK_DRIFT_S, steer } from './align';

test('tracks line up by their aligned start (teacher clock), relative to the earliest; the raw start is the fallback', () => {
  const { origin, tracks } = alignTracks([
    { id: 'teacher', alignedStartAt: '2026-03-02T10:00:01.000Z', startedAt: '2026-03-02T10:00:01.000Z' },
    // The student's clock runs 2.5 s behind the teacher's: their own stamp says 10:00:04.000, the teacher's clock 10:00:06.500.
    { id: 'student', alignedStartAt: '2026-03-02T10:00:06.500Z', startedAt: '2026-03-02T10:00:04.000Z' },
    { id: 'old', alignedStartAt: null, startedAt: '2026-03-02T10:00:02.250Z' },
    { id: 'none', alignedStartAt: null, startedAt: null },
  ]);
  expect(origin).toBe(Date.parse('2026-03-02T10:00:01.000Z'));
  expect(tracks).toEqual([
    { id: 'teacher', offsetS: 0 },
    { id: 'student', offsetS: 5.5 },
    { id: 'old', offsetS: 1.25 },
    { id: 'none', offsetS: 0 },
  ]);
});

test('local time inside a track, null before it starts and after it ends', () => {
  expect(localTime(7, 5.5, 10)).toBeCloseTo(1.5);
  expect(localTime(5, 5.5, 10)).toBeNull();
  expect(localTime(15.5, 5.5, 10)).toBeNull();
});

test('solo wins over mute; without solo the muted are silent', () => {
  expect(audible('a', new Set(['a']), new Set())).toBe(false);
  expect(audible('b', new Set(['a']), new Set())).toBe(true);
  expect(audible('a', new Set(['a']), new Set(['a']))).toBe(true);
  expect(audible('b', new Set(), new Set(['a']))).toBe(false);
});

test('peaks: the largest magnitude in each bucket', () => {
  const x = new Float32Array([0, 0.5, -0.9, 0.1, 0.2, -0.3, 0, 0]);
  expect(Array.from(peaks(x, 4)).map((v) => +v.toFixed(2))).toEqual([0.5, 0.9, 0.3, 0]);
});

test('a drifting track is steered by its rate when near, sought when far, and left alone when in step', () => {
  expect(steer(0.005)).toEqual({ seek: false, rate: 1 });
  // Behind by 50 ms: play 5 % faster (it catches up in about a second); ahead: slower.
  expect(steer(-0.05).seek).toBe(false);
  expect(steer(-0.05).rate).toBeCloseTo(1.05, 6);
  expect(steer(0.05).rate).toBeCloseTo(0.95, 6);
  // Never more than MAX_NUDGE.
  expect(steer(-0.2).rate).toBeCloseTo(1 + MAX_NUDGE, 6);
  // Far off: a seek, at normal speed.
  expect(steer(-(SEEK_DRIFT_S + 0.01))).toEqual({ seek: true, rate: 1 });
  expect(steer(SEEK_DRIFT_S + 0.3)).toEqual({ seek: true, rate: 1 });
});
