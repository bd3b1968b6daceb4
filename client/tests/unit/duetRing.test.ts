// The shared-memory rings between duet mode's audio threads and the page thread
// (client/src/audio/duetRing.ts): order, metadata, and what happens when the reader falls behind.
import { createDuetRing, DUET_CAPTURE_FRAMES, DUET_MAX_FRAME, DUET_RING_FRAMES, duetRing, ringAvailable, ringDropped, ringPeek, ringRelease, ringWrite } from '../../src/audio/duetRing';

function frame(seq: number, n: number): Float32Array {
  const x = new Float32Array(DUET_MAX_FRAME);
  for (let i = 0; i < n; i++) x[i] = seq + i / 1000;
  return x;
}

describe('duet rings', () => {
  test('hands frames over in order with their sequence number, length, stamp and samples', () => {
    const r = duetRing(createDuetRing(8));
    for (let s = 0; s < 20; s++) {
      expect(ringWrite(r, s, frame(s, 120), 120, s * 120 + 7)).toBe(true);
      if (s % 3 === 2) {
        while (ringAvailable(r) > 0) ringRelease(r);
      }
    }
    // Frames 18 and 19 are waiting.
    expect(ringAvailable(r)).toBe(2);
    for (const s of [18, 19]) {
      const slot = ringPeek(r);
      expect(r.meta[slot * 2]).toBe(s);
      expect(r.meta[slot * 2 + 1]).toBe(120);
      expect(r.stamp[slot]).toBe(s * 120 + 7);
      expect(r.data[slot * DUET_MAX_FRAME + 5]).toBeCloseTo(s + 0.005, 5);
      ringRelease(r);
    }
    expect(ringDropped(r)).toBe(0);
  });

  test('a reader a whole ring behind makes the writer drop and count, never overwrite', () => {
    const r = duetRing(createDuetRing(4));
    for (let s = 0; s < 6; s++) ringWrite(r, s, frame(s, 240), 240, 0);
    expect(ringDropped(r)).toBe(2);
    expect(ringAvailable(r)).toBe(4);
    expect(r.meta[ringPeek(r) * 2]).toBe(0);
  });

  test('the playback ring takes a stalled page thread\'s backlog of 1 s of 5 ms frames at once', () => {
    expect(DUET_RING_FRAMES).toBeGreaterThanOrEqual(200);
    const r = duetRing(createDuetRing());
    for (let s = 0; s < 200; s++) ringWrite(r, s, frame(s, 240), 240, 0);
    expect(ringDropped(r)).toBe(0);
    expect(DUET_CAPTURE_FRAMES).toBeGreaterThanOrEqual(DUET_RING_FRAMES);
  });

  test('refuses a ring size that is not a power of two', () => {
    expect(() => createDuetRing(24)).toThrow(/power of two/);
  });
});
