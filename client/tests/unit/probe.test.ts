import { median, oneWayLatenciesMs, percentile } from '../../src/audio/ProbeNode';
import { ECHO_DELAY_FRAMES } from '../../src/audio/protocol';

test('one-way latency is half the round trip less the echo delay, on one clock', () => {
  const rate = 48000;
  const oneWay = 0.065 * rate; // 65 ms each way
  const events = [1000, 49000, 97000].map((sent) => ({ type: 'probe' as const, sentFrame: sent, heardFrame: sent + 2 * oneWay + ECHO_DELAY_FRAMES, sampleRate: rate }));
  const ms = oneWayLatenciesMs(events);
  expect(ms).toHaveLength(3);
  for (const m of ms) expect(m).toBeCloseTo(65, 6);
});

test('answers that cannot belong to a click are dropped', () => {
  const rate = 48000;
  const events = [
    { type: 'probe' as const, sentFrame: -1, heardFrame: 5000, sampleRate: rate }, // heard before any click was sent
    { type: 'probe' as const, sentFrame: 10000, heardFrame: 10500, sampleRate: rate }, // faster than the echo delay
    { type: 'probe' as const, sentFrame: 10000, heardFrame: 10000 + ECHO_DELAY_FRAMES + 3 * rate, sampleRate: rate }, // > 1 s one way
  ];
  expect(oneWayLatenciesMs(events)).toEqual([]);
});

test('median and percentile', () => {
  expect(median([5, 1, 3])).toBe(3);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
});
