// Transparent safety limiter (default ceiling −1 dBFS) with a few ms of lookahead.
// Per sample: the gain each sample needs (ceiling/|x|, or 1) goes through a sliding minimum
// over L+1+hold samples (a monotonic deque, O(1) amortised), an exponential release, then a
// length-L moving average, and the input is delayed by L. Every gain value averaged for the
// sample leaving the delay line is at most what that sample needs, so the output never passes
// the ceiling, and the average turns the gain's steps into ramps of L samples (no clicks).
// Below the ceiling no gain below 1 is in the window and the gain is exactly 1, so the output
// is the input, delayed, bit for bit; a final clamp only guards against f32 rounding.
// The hold (default 15 ms) keeps the gain from recovering between the half-cycles of a loud
// low tone (down to ~33 Hz), which would otherwise ripple the gain at twice the tone's
// frequency: the pumping and distortion a release alone causes.

/** Channels with their own limiter state. */
export const LIM_MAX_CHANNELS: i32 = 2;
/** Longest lookahead in samples (10 ms at 48 kHz). */
export const LIM_MAX_LOOKAHEAD: i32 = 480;

/** Longest hold in samples. */
export const LIM_MAX_HOLD: i32 = 1024 - LIM_MAX_LOOKAHEAD - 2;
const RING: i32 = 1024; // > lookahead + 1 + hold, power of two
const MASK: i32 = RING - 1;
const RING_BYTES: usize = <usize>RING << 2;
// Per channel: delayed input, averaged gains, deque indices, deque values.
const CH_BYTES: usize = RING_BYTES * 4;
const RINGS = memory.data(<i32>CH_BYTES * LIM_MAX_CHANNELS, 16);
// Per channel scalars: counter, deque head, deque tail, gains < 1 in the box (i32),
// then release envelope (f32) and box sum (f64).
const SCALARS = memory.data(LIM_MAX_CHANNELS * 32, 16);

let ceiling: f32 = 0.8912509;
let lookahead: i32 = 96;
let hold: i32 = 720;
let releaseCoef: f32 = 0.0003;

/** Sets ceiling (dBFS), lookahead (ms, clamped to LIM_MAX_LOOKAHEAD), hold and release (ms); clears state. */
export function limSetup(sampleRate: f32, ceilingDb: f32, lookaheadMs: f32, holdMs: f32, releaseMs: f32): void {
  ceiling = Mathf.pow(10, ceilingDb / 20);
  lookahead = <i32>Mathf.round((lookaheadMs * sampleRate) / 1000);
  if (lookahead < 1) lookahead = 1;
  if (lookahead > LIM_MAX_LOOKAHEAD) lookahead = LIM_MAX_LOOKAHEAD;
  hold = <i32>Mathf.round((Mathf.max(holdMs, 0) * sampleRate) / 1000);
  if (hold > LIM_MAX_HOLD) hold = LIM_MAX_HOLD;
  releaseCoef = 1 - Mathf.exp(-1000 / (Mathf.max(releaseMs, 1) * sampleRate));
  limReset();
}

/** Clears delay lines and gain state of every channel. */
export function limReset(): void {
  memory.fill(RINGS, 0, CH_BYTES * LIM_MAX_CHANNELS);
  memory.fill(SCALARS, 0, LIM_MAX_CHANNELS * 32);
  for (let ch = 0; ch < LIM_MAX_CHANNELS; ch++) {
    const sc = SCALARS + (<usize>ch << 5);
    store<f32>(sc, 1, 16);
    store<f64>(sc, <f64>lookahead, 24);
    const gains = RINGS + <usize>ch * CH_BYTES + RING_BYTES;
    for (let i = 0; i < RING; i++) store<f32>(gains + (<usize>i << 2), 1);
  }
}

/** Delay the limiter adds, in samples. */
export function limLatency(): i32 {
  return lookahead;
}

/** Limits `n` samples at `ptr` in place for channel `ch` (output delayed by limLatency()). */
export function limProcess(ch: i32, ptr: usize, n: i32): void {
  const base = RINGS + <usize>ch * CH_BYTES;
  const xs = base;
  const gs = base + RING_BYTES;
  const qi = base + RING_BYTES * 2;
  const qv = base + RING_BYTES * 3;
  const sc = SCALARS + (<usize>ch << 5);
  let c = load<i32>(sc);
  let head = load<i32>(sc, 4);
  let tail = load<i32>(sc, 8);
  let below = load<i32>(sc, 12);
  let env = load<f32>(sc, 16);
  let sum = load<f64>(sc, 24);
  const L = lookahead;
  const span = L + 1 + hold; // samples the minimum covers
  const thr = ceiling;
  const rel = releaseCoef;
  for (let i = 0; i < n; i++) {
    const p = ptr + (<usize>i << 2);
    const x = load<f32>(p);
    const a = Mathf.abs(x);
    // Sliding minimum of needed gains; gains of 1 are never queued (1 is the ceiling of a gain).
    if (a > thr) {
      const r = thr / a;
      while (tail != head && load<f32>(qv + (<usize>((tail - 1) & MASK) << 2)) >= r) tail--;
      store<i32>(qi + (<usize>(tail & MASK) << 2), c);
      store<f32>(qv + (<usize>(tail & MASK) << 2), r);
      tail++;
    }
    if (tail != head && load<i32>(qi + (<usize>(head & MASK) << 2)) <= c - span) head++;
    const h: f32 = tail != head ? load<f32>(qv + (<usize>(head & MASK) << 2)) : 1;
    if (h < env) env = h;
    else if (env < 1) {
      env += (h - env) * rel;
      // Near 1 the release step falls under f32 resolution and env would stall short of 1
      // (never transparent again): snap the last 0.009 dB, which the moving average smooths.
      if (h == 1 && env > 0.999) env = 1;
    }
    // Moving average of the envelope over L samples.
    const slot = gs + (<usize>(c & MASK) << 2);
    const old = load<f32>(gs + (<usize>((c - L) & MASK) << 2));
    sum += <f64>env - <f64>old;
    below += i32(env < 1) - i32(old < 1);
    store<f32>(slot, env);
    let g: f32 = 1;
    if (below == 0) sum = <f64>L;
    else g = <f32>(sum / <f64>L);
    // Delay line: read x[c - L] before writing x[c].
    const xslot = xs + (<usize>(c & MASK) << 2);
    const delayed = load<f32>(xs + (<usize>((c - L) & MASK) << 2));
    store<f32>(xslot, x);
    let y = delayed * g;
    if (Mathf.abs(y) > thr) y = y < 0 ? -thr : thr;
    store<f32>(p, y);
    c++;
  }
  // Keep the counter small; only its value modulo RING and differences matter.
  if (c >= 0x40000000) {
    const shift = c & ~MASK;
    for (let k = head; k != tail; k++) {
      const q = qi + (<usize>(k & MASK) << 2);
      store<i32>(q, load<i32>(q) - shift);
    }
    c -= shift;
  }
  const off = head & ~MASK;
  head -= off;
  tail -= off;
  store<i32>(sc, c);
  store<i32>(sc, head, 4);
  store<i32>(sc, tail, 8);
  store<i32>(sc, below, 12);
  store<f32>(sc, env, 16);
  store<f64>(sc, sum, 24);
}
