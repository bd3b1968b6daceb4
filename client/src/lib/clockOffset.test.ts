// The clock-offset estimator against simulated links with known offsets and asymmetric queueing.
import { estimateOffset, sampleOffset, type ClockSample } from './clockOffset';

/** A deterministic pseudo-random stream (mulberry32), so the figures are repeatable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exchanges over a link of `baseMs` each way plus exponential queueing jitter of mean `jitterMs` each way. */
function simulate(n: number, offsetMs: number, baseMs: number, jitterMs: number, seed = 1, upExtraMs = 0): ClockSample[] {
  const r = rng(seed);
  const exp = (mean: number) => -Math.log(1 - r()) * mean;
  const out: ClockSample[] = [];
  let now = 1_000_000;
  for (let i = 0; i < n; i++) {
    const t0 = now;
    const up = baseMs + upExtraMs + exp(jitterMs);
    const t1 = t0 + up + offsetMs;
    const t2 = t1 + 0.2 + r() * 0.5; // the peer's answer takes a moment
    const down = baseMs + exp(jitterMs);
    const t3 = t2 - offsetMs + down;
    out.push({ t0, t1, t2, t3 });
    now = t3 + 100;
  }
  return out;
}

test('one exchange: offset and round trip from the four stamps', () => {
  // Their clock is 1000 ms ahead; 10 ms each way; they answer after 2 ms.
  expect(sampleOffset({ t0: 0, t1: 1010, t2: 1012, t3: 22 })).toEqual({ offsetMs: 1000, rttMs: 20 });
});

test.each([
  // offset, one-way base, mean jitter each way, allowed error
  [0, 1, 0.5, 0.5],
  [-37_512.25, 20, 15, 4],
  [1.7e12, 80, 40, 10], // Seoul–Abu Dhabi, clocks on different epochs
])('offset %p ms over %p ms links with %p ms jitter: within %p ms from 30 pings', (offset, base, jitter, allowed) => {
  const est = estimateOffset(simulate(30, offset, base, jitter, 7))!;
  expect(est.total).toBe(30);
  expect(est.kept).toBe(8);
  expect(Math.abs(est.offsetMs - offset)).toBeLessThan(allowed);
});

test('queueing in one direction only (an upload burst): the fastest trips hold, the mean of all drifts', () => {
  const errors = { kept: [] as number[], mean: [] as number[] };
  for (let seed = 1; seed <= 20; seed++) {
    // 30 ms mean queueing on the way up, almost none down.
    const r = rng(seed);
    const samples = simulate(30, 250, 10, 0.05, seed).map((s) => {
      const q = -Math.log(1 - r()) * 30;
      return { ...s, t1: s.t1 + q, t2: s.t2 + q, t3: s.t3 + q };
    });
    errors.kept.push(Math.abs(estimateOffset(samples)!.offsetMs - 250));
    errors.mean.push(Math.abs(samples.map(sampleOffset).reduce((a, s) => a + s.offsetMs, 0) / samples.length - 250));
  }
  const worst = (xs: number[]) => Math.max(...xs);
  expect(worst(errors.kept)).toBeLessThan(5);
  expect(worst(errors.mean)).toBeGreaterThan(10);
});

test('a constant asymmetry is invisible to NTP: the error is half of it', () => {
  const est = estimateOffset(simulate(30, 500, 5, 0.01, 3, 6))!;
  expect(est.offsetMs - 500).toBeCloseTo(3, 1);
});

test('no samples, or only broken ones: no estimate', () => {
  expect(estimateOffset([])).toBeNull();
  expect(estimateOffset([{ t0: 10, t1: 0, t2: 100, t3: 11 }])).toBeNull(); // negative round trip
});

test('fewer samples than minKeep: all are used', () => {
  const est = estimateOffset(simulate(2, 42, 3, 1, 9))!;
  expect(est.kept).toBe(2);
  expect(Math.abs(est.offsetMs - 42)).toBeLessThan(3);
});
