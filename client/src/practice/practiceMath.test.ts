// Tap tempo and the per-string tuner statistics, in Node.
import { StringDeviation, tapTempo } from './practiceMath';

test('tap tempo: the median of recent intervals; one stray tap does not move it', () => {
  expect(tapTempo([0])).toBeNull();
  expect(tapTempo([0, 500])).toBe(120);
  expect(tapTempo([0, 750, 1500, 2240, 3000])).toBe(80);
  expect(tapTempo([0, 500, 1000, 1300, 1800, 2300])).toBe(120); // one early tap
  expect(tapTempo([0, 500, 1000, 5000])).toBeNull(); // a pause starts over
  expect(tapTempo([0, 100])).toBe(300); // clamped
  expect(tapTempo([0, 2000, 4000])).toBe(30);
});

test('per-string deviation: notes go to their first-position string, weighted by time, capped at 50 cents', () => {
  const d = new StringDeviation();
  d.add(55, -10, 1); // G3 on G
  d.add(57, 20, 1); // A3 on G
  d.add(69, 4, 2); // A4 on A
  d.add(76, -80, 1); // E5 on E, wildly off: counts as 50
  d.add(40, 5, 5); // below the violin: ignored
  expect(d.result()).toEqual({ G: { avgAbsCents: 15, seconds: 2 }, A: { avgAbsCents: 4, seconds: 2 }, E: { avgAbsCents: 50, seconds: 1 } });
  expect(d.result(1.5)).toEqual({ G: { avgAbsCents: 15, seconds: 2 }, A: { avgAbsCents: 4, seconds: 2 } });
});
