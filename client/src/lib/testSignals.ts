// Violin-like test signals with known truth: the fidelity benchmark and the music-safety check.

/** Deterministic noise, so every run sends the same signal. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** A violin-like note: harmonics to 20 kHz falling ~5 dB/octave, 5.5 Hz vibrato ±15 cents, bow noise. */
export function violin(f0: number, seconds: number, peak: number, seed = 1, sampleRate = 48000): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  const noise = rng(seed);
  let phase = 0;
  let hp = 0;
  let prev = 0;
  const harmonics = Math.floor(20000 / (f0 * 1.01));
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const f = f0 * 2 ** ((15 / 1200) * Math.sin(2 * Math.PI * 5.5 * t));
    phase += (2 * Math.PI * f) / sampleRate;
    let s = 0;
    for (let k = 1; k <= harmonics; k++) s += Math.sin(k * phase) / k ** 0.85;
    const w = noise();
    hp = 0.95 * (hp + w - prev); // bow noise, high-passed
    prev = w;
    const env = Math.min(1, t / 0.08, (seconds - t) / 0.05);
    out[i] = (s * 0.25 + hp * 0.08) * env;
  }
  let max = 0;
  for (const v of out) max = Math.max(max, Math.abs(v));
  for (let i = 0; i < n; i++) out[i] *= peak / max;
  return out;
}

