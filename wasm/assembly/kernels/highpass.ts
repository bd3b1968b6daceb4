// High-pass / DC blocker: one 2nd-order Butterworth section (RBJ cookbook), one state per
// channel. 12 dB/octave is enough to take rumble and DC out (a 70 Hz corner leaves a violin's
// lowest note, G3 = 196 Hz, within 0.1 dB) without the phase smear of a steeper filter.
// Transposed direct form II: two state words per channel, stable in f32 at these corners.

/** Channels with their own filter state. */
export const HP_MAX_CHANNELS: i32 = 2;

// Per channel: z1, z2.
const STATE = memory.data(HP_MAX_CHANNELS * 2 * 4, 16);

let b0: f32 = 1;
let b1: f32 = -2;
let b2: f32 = 1;
let a1: f32 = 0;
let a2: f32 = 0;

/** Computes coefficients for `cutoffHz` at `sampleRate` (Q = 1/sqrt 2) and clears state. */
export function hpSetup(sampleRate: f32, cutoffHz: f32): void {
  const w0: f32 = (2 * Mathf.PI * cutoffHz) / sampleRate;
  const cosw: f32 = Mathf.cos(w0);
  const alpha: f32 = Mathf.sin(w0) / (2 * Mathf.SQRT1_2);
  const a0: f32 = 1 + alpha;
  b0 = (1 + cosw) / 2 / a0;
  b1 = -(1 + cosw) / a0;
  b2 = b0;
  a1 = (-2 * cosw) / a0;
  a2 = (1 - alpha) / a0;
  hpReset();
}

/** Clears the filter memory of every channel. */
export function hpReset(): void {
  memory.fill(STATE, 0, HP_MAX_CHANNELS * 2 * 4);
}

/** Filters `n` f32 samples at `ptr` in place with channel `ch`'s state. */
export function hpProcess(ch: i32, ptr: usize, n: i32): void {
  const s = STATE + (<usize>ch << 3);
  let z1 = load<f32>(s);
  let z2 = load<f32>(s, 4);
  const c0 = b0, c1 = b1, c2 = b2, d1 = a1, d2 = a2;
  for (let i = 0; i < n; i++) {
    const p = ptr + (<usize>i << 2);
    const x = load<f32>(p);
    const y = c0 * x + z1;
    z1 = c1 * x - d1 * y + z2;
    z2 = c2 * x - d2 * y;
    store<f32>(p, y);
  }
  // Flush denormals: a silent input would otherwise decay into them forever.
  if (Mathf.abs(z1) < 1e-30) z1 = 0;
  if (Mathf.abs(z2) < 1e-30) z2 = 0;
  store<f32>(s, z1);
  store<f32>(s, z2, 4);
}
