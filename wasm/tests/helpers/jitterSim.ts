// A simulated duet link for the jitter-buffer tests: a sender whose sample clock runs `ppm`
// fast or slow captures a sine in frames, the network delays each packet (base + random
// jitter), drops, duplicates or holds some back, and the receiver puts whatever has arrived at
// the start of each 128-frame render quantum, then pulls that quantum, as the playback worklet does.
import { rng } from './signals.ts';

export interface JitterImpl {
  setup(sampleRate: number, frame: number, initialMs: number, extraMs: number, skipMs: number, quantile?: number): void;
  put(seq: number, pcm: Float32Array, n: number, arrival: number): number;
  pull(out: Float32Array, n: number, now: number): void;
  bufferDelay(now: number): number;
  target(): number;
  setQuantile(q: number): void;
  stats(): { received: number; duplicates: number; late: number; lost: number; underruns: number; skips: number; resyncs: number; episodes: number; concealed: number; output: number };
}

export interface LinkOptions {
  seconds: number;
  frame: number;
  sampleRate?: number;
  hz?: number;
  amp?: number;
  /** Sender clock error, parts per million (positive: sender fast). */
  ppm?: number;
  baseMs?: number;
  /** Uniform random extra delay 0..jitterMs per packet (or a function of time in s). */
  jitterMs?: number | ((t: number) => number);
  loss?: number;
  dup?: number;
  /** Packets (by sequence) held back by this many ms more. */
  hold?: Map<number, number>;
  /** Sequence numbers never delivered. */
  drop?: Set<number>;
  seed?: number;
  firstSeq?: number;
  /** Called after every quantum with the receiver frame at its start and the buffer. */
  probe?: (now: number, out: Float32Array, impl: JitterImpl) => void;
}

export interface LinkResult {
  sent: number;
  dropped: number;
  duplicated: number;
  /** Largest |y[n] − y[n−1]| of the output after warm-up. */
  maxJump: number;
  /** Output after warm-up (only when seconds ≤ 20). */
  out: Float32Array | null;
  warmup: number;
}

const Q = 128;

export function runLink(impl: JitterImpl, o: LinkOptions): LinkResult {
  const sr = o.sampleRate ?? 48000;
  const F = o.frame;
  const hz = o.hz ?? 440;
  const amp = o.amp ?? 0.5;
  const k = 1 + (o.ppm ?? 0) * 1e-6;
  const rand = rng(o.seed ?? 1);
  const base = ((o.baseMs ?? 20) * sr) / 1000;
  const jit = typeof o.jitterMs === 'function' ? o.jitterMs : () => (o.jitterMs as number | undefined) ?? 0;
  const total = Math.round(o.seconds * sr);
  const frames = Math.floor((total * k) / F) + 4;
  // Packets in arrival order: a binary heap would be neater; a sorted array per second is enough.
  const arrivals: { t: number; seq: number }[] = [];
  let dropped = 0;
  let duplicated = 0;
  const seq0 = o.firstSeq ?? 0;
  for (let f = 0; f < frames; f++) {
    const sentAt = ((f + 1) * F) / k; // receiver frame when the sender has captured the frame
    const t = sentAt + base + (jit(sentAt / sr) * sr * rand()) / 1000 + ((o.hold?.get(f) ?? 0) * sr) / 1000;
    if (o.drop?.has(f) || (o.loss && rand() < o.loss)) {
      dropped++;
      continue;
    }
    arrivals.push({ t, seq: f });
    if (o.dup && rand() < o.dup) {
      duplicated++;
      arrivals.push({ t: t + rand() * sr * 0.005, seq: f });
    }
  }
  arrivals.sort((a, b) => a.t - b.t);
  const pcm = new Float32Array(F);
  const out = new Float32Array(Q);
  const warmup = Math.round(sr * 1);
  const keep = o.seconds <= 20 ? new Float32Array(Math.max(0, total - warmup)) : null;
  let next = 0;
  let prev = 0;
  let maxJump = 0;
  for (let now = 0; now + Q <= total; now += Q) {
    while (next < arrivals.length && arrivals[next].t <= now) {
      const f = arrivals[next++].seq;
      for (let i = 0; i < F; i++) pcm[i] = amp * Math.sin((2 * Math.PI * hz * (f * F + i)) / sr);
      impl.put((seq0 + f) >>> 0, pcm, F, now);
    }
    impl.pull(out, Q, now);
    for (let i = 0; i < Q; i++) {
      const n = now + i;
      if (n >= warmup) {
        maxJump = Math.max(maxJump, Math.abs(out[i] - prev));
        if (keep) keep[n - warmup] = out[i];
      }
      prev = out[i];
    }
    o.probe?.(now, out, impl);
  }
  return { sent: frames, dropped, duplicated, maxJump, out: keep, warmup };
}

/** Frequency of the strongest DFT bin of `x` between lo and hi Hz (1 Hz steps, Goertzel). */
export function dominantHz(x: Float32Array, sr: number, lo: number, hi: number): number {
  let best = lo;
  let bestP = -1;
  for (let f = lo; f <= hi; f++) {
    const w = (2 * Math.PI * f) / sr;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      const s0 = x[i] + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const p = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (p > bestP) {
      bestP = p;
      best = f;
    }
  }
  return best;
}
