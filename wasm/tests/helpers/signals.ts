// Deterministic test signals: a seeded PRNG, sines, and a violin-like tone with vibrato.

/** Mulberry32: small, fast, seeded. Returns uniform numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sine(sampleRate: number, hz: number, seconds: number, amp = 0.5, phase = 0): Float32Array {
  const n = Math.round(sampleRate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * hz * i) / sampleRate + phase);
  return out;
}

export interface ViolinTone {
  samples: Float32Array;
  /** Instantaneous fundamental at time t seconds. */
  hzAt(t: number): number;
  centreHz: number;
}

export interface ViolinToneOptions {
  sampleRate: number;
  hz: number;
  seconds: number;
  vibratoHz?: number;
  vibratoCents?: number;
  /** Bow noise level relative to the tone's RMS, dB. */
  noiseDb?: number;
  seed?: number;
  amp?: number;
}

/**
 * Sawtooth-like harmonic tone (amplitudes ≈ 1/h with a seeded ripple standing in for the
 * body resonances), sinusoidal vibrato, white bow noise, 40 ms attack. Phase is integrated
 * at half-sample midpoints so hzAt(k / sampleRate) is the frequency at sample k.
 */
export function violinTone(o: ViolinToneOptions): ViolinTone {
  const { sampleRate, hz, seconds } = o;
  const vibHz = o.vibratoHz ?? 5.5;
  const vibCents = o.vibratoCents ?? 15;
  const rand = rng(o.seed ?? 1);
  const vibPhase = rand() * 2 * Math.PI;
  const harmonics: { h: number; a: number; p: number }[] = [];
  for (let h = 1; h * hz * 2 ** (vibCents / 1200) < sampleRate * 0.45 && h <= 24; h++) {
    harmonics.push({ h, a: (1 / h) * (0.6 + 0.8 * rand()), p: rand() * 2 * Math.PI });
  }
  const hzAt = (t: number): number => hz * 2 ** ((vibCents * Math.sin(2 * Math.PI * vibHz * t + vibPhase)) / 1200);
  const n = Math.round(sampleRate * seconds);
  const out = new Float32Array(n);
  let phase = 0; // cycles of the fundamental
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const { h, a, p } of harmonics) v += a * Math.sin(2 * Math.PI * h * phase + p);
    const env = Math.min(1, i / (0.04 * sampleRate));
    out[i] = v * env;
    sumSq += v * v;
    phase += hzAt((i + 0.5) / sampleRate) / sampleRate;
  }
  const rms = Math.sqrt(sumSq / n);
  const noise = rms * 10 ** ((o.noiseDb ?? -40) / 20) * Math.sqrt(3);
  const gain = (o.amp ?? 0.3) / rms;
  for (let i = 0; i < n; i++) out[i] = (out[i] + noise * (2 * rand() - 1)) * gain;
  return { samples: out, hzAt, centreHz: hz };
}

/** Median of a list (copy sorted). */
export function median(xs: number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))));
  return s[idx];
}
