import type { Pitch } from '../../src/audio/AnalyserNode';
import { TunerFilter } from '../../src/practice/tunerSmoothing';

const reading = (midi: number | null, cents = 0, centreCents: number | null = null): Pitch =>
  midi === null ? { hz: null, midi: 0, cents: 0, confidence: 0, centreCents: null } : { hz: 440 * 2 ** ((midi - 69) / 12), midi, cents, confidence: 0.95, centreCents };

test('the needle glides to a steady reading instead of jumping', () => {
  const f = new TunerFilter({ glideMs: 100 });
  f.update(reading(69, 0), 0, 16);
  let v = f.update(reading(69, 20), 16, 16);
  expect(v.cents).toBeGreaterThan(0);
  expect(v.cents).toBeLessThan(5);
  for (let t = 32; t < 1000; t += 16) v = f.update(reading(69, 20), t, 16);
  expect(v.cents).toBeCloseTo(20, 1);
});

test('a vibrato shows its centre, not each wobble', () => {
  const f = new TunerFilter({ glideMs: 50 });
  let v = f.update(reading(69, 0, 3), 0, 16);
  for (let t = 16; t < 2000; t += 16) v = f.update(reading(69, 15 * Math.sin((2 * Math.PI * 5.5 * t) / 1000) + 3, 3), t, 16);
  expect(v.cents).toBeCloseTo(3, 1);
});

test('one stray octave reading does not replace the note; a persistent new note does', () => {
  const f = new TunerFilter({ confirmReadings: 3 });
  f.update(reading(69), 0, 16);
  expect(f.update(reading(81), 16, 16).midi).toBe(69);
  expect(f.update(reading(69), 32, 16).midi).toBe(69);
  f.update(reading(71), 48, 16);
  f.update(reading(71), 64, 16);
  expect(f.update(reading(71), 80, 16).midi).toBe(71);
});

test('the note is held through a short bow change, then cleared', () => {
  const f = new TunerFilter({ holdMs: 500 });
  f.update(reading(69), 0, 16);
  expect(f.update(reading(null), 300, 16).midi).toBe(69);
  expect(f.update(reading(null), 600, 16).midi).toBeNull();
});
