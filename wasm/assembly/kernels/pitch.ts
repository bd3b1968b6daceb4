// Pitch detector for the violin (G3 196 Hz to E7 2637 Hz, and a little beyond).
//
// Method, chosen by measurement (see wasm/README.md and `npm run bench:dsp`):
// 1. McLeod's normalised square difference (NSDF) over a fixed integration window W
//    (≈21 ms) for every lag up to the longest period. Its cross products r(τ) are the only
//    O(W·lags) work; they come from one complex FFT of length N ≥ W + lags and one of N/2
//    (fft.ts), which measured ≈2.5× faster per whole analysis than direct correlation 8 lags
//    per SIMD pass (≈1.8× in the scalar build). The NSDF is the same to f32 rounding, so
//    nothing downstream changes; the TypeScript reference keeps the direct sum.
// 2. McLeod's peak picking: the first positive lobe whose maximum reaches PICK·(highest
//    maximum). Unlike YIN's absolute threshold this is independent of bow noise, and it never
//    picks half the period of a violin tone (the NSDF is negative there). That choice fixes
//    the octave; nothing later may change it.
// 3. Refinement: the period found (≈0.05 sample accurate after parabolic interpolation) is
//    re-measured at the largest multiple m of it that fits the lag range, with a direct
//    difference function around m·τ and a parabola, then divided by m. For E7 (18 samples)
//    m is 18, so the interpolation's bias shrinks eighteen-fold; that is what brings high notes
//    to a fraction of a cent.
// The reported time is the centre of the samples the final lag actually compared
// (W + m·τ of them), which is where a vibrato's instantaneous pitch matches the estimate.
// The input is kept in a mirrored ring, so any window is contiguous memory.
//
// Vibrato centre: a violinist's vibrato (4.5–7 Hz, ±10–30 c) sits around the pitch they mean,
// and a tuner should show that centre. The per-frame log-frequency goes through two moving
// averages of 200 ms and 154 ms (zeros at 5 and 6.5 Hz and their multiples): together they
// leave under 5 % of a 4.5–7 Hz vibrato. It restarts on silence and on any jump of more than
// 50 c from its running mean (a new note), and reports nothing until both averages are full
// (≈350 ms into a note). Its time is the centre of the frames averaged.

import { FFT_MAX, fft, fftSetup, twiddleIm, twiddleRe } from "./fft";

/** Longest analysis window in samples. */
export const PITCH_RING: i32 = 2048;
const RING_MASK: i32 = PITCH_RING - 1;
const RING = memory.data(PITCH_RING * 2 * 4, 16);
const NSDF = memory.data(PITCH_RING * 4, 16);
const MAX_LOBES: i32 = 64;
const LOBES = memory.data(MAX_LOBES * 4, 16);
// FFT work buffers (two complex arrays, split re/im; one float of padding for Z[N] = Z[0]).
const FA_RE = memory.data((FFT_MAX + 4) * 4, 16);
const FA_IM = memory.data((FFT_MAX + 4) * 4, 16);
const FB_RE = memory.data((FFT_MAX + 4) * 4, 16);
const FB_IM = memory.data((FFT_MAX + 4) * 4, 16);
// Refinement: the difference function at the lags around m·τ, each computed once.
const DIFFS = memory.data(16 * 8, 16);
/** A lobe qualifies if its maximum reaches this fraction of the highest one (McLeod's k). */
const PICK: f32 = 0.9;

let rate: f32 = 48000;
let intWindow: i32 = 1024; // W, multiple of 4
let minLag: i32 = 11;
let maxLag: i32 = 343;
let window: i32 = 1371;
let fftN: i32 = 2048; // smallest power of two ≥ W + maxLag + 1
let hop: i32 = 512;
let minClarity: f32 = 0.6;
let minPower: f32 = 1e-6; // mean square below which the input counts as silence
let a4: f32 = 440;

let writePos: i32 = 0;
let frames: i64 = 0; // samples pushed since setup
let sinceHop: i32 = 0;

let resHz: f32 = 0;
let resClarity: f32 = 0;
let resTime: f64 = 0;
let resMidi: f32 = 0;

const CENTRE_MAX: i32 = 256;
const CENTRE1 = memory.data(CENTRE_MAX * 8, 16);
const CENTRE2 = memory.data(CENTRE_MAX * 8, 16);
let n1: i32 = 19;
let n2: i32 = 14;
let count1: i32 = 0;
let count2: i32 = 0;
let idx1: i32 = 0;
let idx2: i32 = 0;
let sum1: f64 = 0;
let sum2: f64 = 0;
let resCentreHz: f32 = 0;
let resCentreTime: f64 = 0;

/** Configures the detector for `sampleRate` and the range [minHz, maxHz], analysing every `hopSize` samples; clears state. */
export function pitchSetup(sampleRate: f32, minHz: f32, maxHz: f32, hopSize: i32): void {
  rate = sampleRate;
  intWindow = (<i32>Mathf.round((sampleRate * 1024) / 48000 / 4)) << 2;
  maxLag = <i32>Mathf.ceil(sampleRate / minHz) + 1;
  if (intWindow + maxLag + 4 > PITCH_RING) maxLag = PITCH_RING - intWindow - 4;
  minLag = <i32>Mathf.floor(sampleRate / maxHz) - 1;
  if (minLag < 2) minLag = 2;
  window = intWindow + maxLag + 4;
  fftN = 8;
  while (fftN < intWindow + maxLag + 1) fftN <<= 1;
  fftSetup();
  hop = hopSize < 1 ? 1 : hopSize;
  const hopSec = <f32>hop / sampleRate;
  n1 = <i32>Mathf.max(1, Mathf.min(<f32>CENTRE_MAX, Mathf.round(0.2 / hopSec)));
  n2 = <i32>Mathf.max(1, Mathf.min(<f32>CENTRE_MAX, Mathf.round(0.154 / hopSec)));
  pitchReset();
}

/** Sets the voicing gate: minimum clarity (0..1) and minimum level (dBFS RMS). */
export function pitchSetGate(clarity: f32, levelDb: f32): void {
  minClarity = clarity;
  minPower = Mathf.pow(10, levelDb / 10);
}

/** Sets the frequency of A4 used for note names and cents. */
export function pitchSetA4(hz: f32): void {
  a4 = hz;
  if (resHz > 0) resMidi = 69 + 12 * Mathf.log2(resHz / a4);
}

/** Forgets all input and the last result. */
export function pitchReset(): void {
  memory.fill(RING, 0, PITCH_RING * 2 * 4);
  writePos = 0;
  frames = 0;
  sinceHop = 0;
  resHz = 0;
  resClarity = 0;
  resTime = 0;
  resMidi = 0;
  centreReset();
}

/** Samples in one analysis window. */
export function pitchWindow(): i32 {
  return window;
}

/** Feeds `n` samples at `ptr`; returns how many analyses ran (results are the last one's). */
export function pitchPush(ptr: usize, n: i32): i32 {
  let done = 0;
  // Copy runs that stop at the next analysis and at the ring's end (both halves of the mirror).
  for (let i = 0; i < n; ) {
    let c = n - i;
    if (c > hop - sinceHop) c = hop - sinceHop;
    if (c > PITCH_RING - writePos) c = PITCH_RING - writePos;
    const src = ptr + (<usize>i << 2);
    memory.copy(RING + (<usize>writePos << 2), src, <usize>c << 2);
    memory.copy(RING + (<usize>(writePos + PITCH_RING) << 2), src, <usize>c << 2);
    writePos = (writePos + c) & RING_MASK;
    frames += <i64>c;
    sinceHop += c;
    i += c;
    if (sinceHop >= hop) {
      sinceHop = 0;
      if (frames >= <i64>window) {
        analyse();
        done++;
      }
    }
  }
  return done;
}

/** Last estimate in Hz, or 0 when unvoiced. */
export function pitchHz(): f32 {
  return resHz;
}
/** Clarity of the last analysis, 0..1 (the NSDF peak height). */
export function pitchConfidence(): f32 {
  return resClarity;
}
/** Sample index (since setup, fractional) at the centre of the samples the last estimate used. */
export function pitchTime(): f64 {
  return resTime;
}
/** Nearest MIDI note of the last estimate (0 when unvoiced). */
export function pitchNote(): i32 {
  return resHz > 0 ? <i32>Mathf.round(resMidi) : 0;
}
/** Vibrato-centre pitch in Hz (see the header), or 0 until ≈350 ms of a steady note. */
export function pitchCentreHz(): f32 {
  return resCentreHz;
}
/** Sample index at the centre of the frames the vibrato centre averaged. */
export function pitchCentreTime(): f64 {
  return resCentreTime;
}

function centreReset(): void {
  count1 = 0;
  count2 = 0;
  idx1 = 0;
  idx2 = 0;
  sum1 = 0;
  sum2 = 0;
  resCentreHz = 0;
}

function centrePush(hz: f64, time: f64): void {
  const lf = Math.log2(hz);
  if (count1 > 0 && Math.abs(lf - sum1 / <f64>count1) > 50.0 / 1200.0) centreReset();
  const p1 = CENTRE1 + (<usize>idx1 << 3);
  if (count1 == n1) sum1 -= load<f64>(p1);
  else count1++;
  store<f64>(p1, lf);
  sum1 += lf;
  idx1 = idx1 + 1 == n1 ? 0 : idx1 + 1;
  resCentreHz = 0;
  if (count1 < n1) return;
  const m1 = sum1 / <f64>n1;
  const p2 = CENTRE2 + (<usize>idx2 << 3);
  if (count2 == n2) sum2 -= load<f64>(p2);
  else count2++;
  store<f64>(p2, m1);
  sum2 += m1;
  idx2 = idx2 + 1 == n2 ? 0 : idx2 + 1;
  if (count2 < n2) return;
  resCentreHz = <f32>Math.pow(2, sum2 / <f64>n2);
  resCentreTime = time - <f64>hop * <f64>(n1 + n2 - 2) * 0.5;
}

/** Cents of the last estimate from its nearest note. */
export function pitchCents(): f32 {
  return resHz > 0 ? 100 * (resMidi - Mathf.round(resMidi)) : 0;
}

function dot(a: usize, b: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

// r(τ) = Σ x[j]·x[j+τ] over the integration window for τ = 1..lastLag, into NSDF[τ], by FFT:
// r is the circular cross-correlation of a = x[0, W) and b = x[0, W + lastLag), both
// zero-padded to N ≥ W + lastLag (so nothing wraps), i.e. IDFT(conj(A)·B). One complex FFT of
// z = a + i·b gives both spectra; conj(A)·B is Hermitian, so its inverse is a half-length
// complex FFT of even + i·odd samples. This replaced direct correlation (8 lags per SIMD pass,
// 344 × 1024 products): see wasm/README.md for the measurements.
function correlate(x: usize, lastLag: i32): void {
  const N = fftN;
  const h = N >> 1;
  const W = intWindow;
  const L = W + lastLag;
  memory.copy(FA_RE, x, <usize>W << 2);
  memory.fill(FA_RE + (<usize>W << 2), 0, <usize>(N - W) << 2);
  memory.copy(FA_IM, x, <usize>L << 2);
  memory.fill(FA_IM + (<usize>L << 2), 0, <usize>(N - L) << 2);
  const zInB = fft(N, FA_RE, FA_IM, FB_RE, FB_IM);
  const zr = zInB ? FB_RE : FA_RE;
  const zi = zInB ? FB_IM : FA_IM;
  const yr = zInB ? FA_RE : FB_RE;
  const yi = zInB ? FA_IM : FB_IM;
  // Z[N] = Z[0], so Z[N − k] needs no wrap at k = 0.
  store<f32>(zr + (<usize>N << 2), load<f32>(zr));
  store<f32>(zi + (<usize>N << 2), load<f32>(zi));
  // With P = Z[k], R = Z[N−k]: 4·conj(A[k])·B[k] = 2·Im(R·P) + i(|R|² − |P|²) =: C[k].
  // Even/odd split of the inverse: E = C[k] + C[k+h], O = (C[k] − C[k+h])·e^{+2πik/N};
  // Y[k] = E + i·O is stored conjugated, so a forward FFT of it is N/2·8·conj(r_even + i·r_odd).
  const wRe = twiddleRe(N);
  const wIm = twiddleIm(N);
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const two = f32x4.splat(2);
    for (; k + 4 <= h; k += 4) {
      const o = <usize>k << 2;
      const pr = v128.load(zr + o);
      const pi = v128.load(zi + o);
      const ro = <usize>(N - k - 3) << 2;
      let rr = v128.load(zr + ro);
      let ri = v128.load(zi + ro);
      rr = v128.shuffle<f32>(rr, rr, 3, 2, 1, 0);
      ri = v128.shuffle<f32>(ri, ri, 3, 2, 1, 0);
      const qo = <usize>(k + h) << 2;
      const qr = v128.load(zr + qo);
      const qi = v128.load(zi + qo);
      const so = <usize>(h - k - 3) << 2;
      let sr = v128.load(zr + so);
      let si = v128.load(zi + so);
      sr = v128.shuffle<f32>(sr, sr, 3, 2, 1, 0);
      si = v128.shuffle<f32>(si, si, 3, 2, 1, 0);
      const c1r = f32x4.mul(two, f32x4.add(f32x4.mul(rr, pi), f32x4.mul(ri, pr)));
      const c1i = f32x4.sub(f32x4.add(f32x4.mul(rr, rr), f32x4.mul(ri, ri)), f32x4.add(f32x4.mul(pr, pr), f32x4.mul(pi, pi)));
      const c2r = f32x4.mul(two, f32x4.add(f32x4.mul(sr, qi), f32x4.mul(si, qr)));
      const c2i = f32x4.sub(f32x4.add(f32x4.mul(sr, sr), f32x4.mul(si, si)), f32x4.add(f32x4.mul(qr, qr), f32x4.mul(qi, qi)));
      const dr = f32x4.sub(c1r, c2r);
      const di = f32x4.sub(c1i, c2i);
      const wr = v128.load(wRe + o);
      const wi = v128.load(wIm + o);
      const or = f32x4.add(f32x4.mul(dr, wr), f32x4.mul(di, wi));
      const oi = f32x4.sub(f32x4.mul(di, wr), f32x4.mul(dr, wi));
      v128.store(yr + o, f32x4.sub(f32x4.add(c1r, c2r), oi));
      v128.store(yi + o, f32x4.neg(f32x4.add(f32x4.add(c1i, c2i), or)));
    }
  }
  for (; k < h; k++) {
    const pr = load<f32>(zr + (<usize>k << 2));
    const pi = load<f32>(zi + (<usize>k << 2));
    const rr = load<f32>(zr + (<usize>(N - k) << 2));
    const ri = load<f32>(zi + (<usize>(N - k) << 2));
    const qr = load<f32>(zr + (<usize>(k + h) << 2));
    const qi = load<f32>(zi + (<usize>(k + h) << 2));
    const sr = load<f32>(zr + (<usize>(h - k) << 2));
    const si = load<f32>(zi + (<usize>(h - k) << 2));
    const c1r: f32 = 2 * (rr * pi + ri * pr);
    const c1i: f32 = rr * rr + ri * ri - (pr * pr + pi * pi);
    const c2r: f32 = 2 * (sr * qi + si * qr);
    const c2i: f32 = sr * sr + si * si - (qr * qr + qi * qi);
    const dr = c1r - c2r;
    const di = c1i - c2i;
    const wr = load<f32>(wRe + (<usize>k << 2));
    const wi = load<f32>(wIm + (<usize>k << 2));
    const or = dr * wr + di * wi;
    const oi = di * wr - dr * wi;
    store<f32>(yr + (<usize>k << 2), c1r + c2r - oi);
    store<f32>(yi + (<usize>k << 2), -(c1i + c2i + or));
  }
  const rInZ = fft(h, yr, yi, zr, zi);
  const outR = rInZ ? zr : yr;
  const outI = rInZ ? zi : yi;
  const scale: f32 = 1 / (4 * <f32>N);
  for (let t = 1; t <= lastLag; t++) {
    const o = <usize>(t >> 1) << 2;
    const v = t & 1 ? -load<f32>(outI + o) : load<f32>(outR + o);
    store<f32>(NSDF + (<usize>t << 2), v * scale);
  }
}

// Σ (x[j] − x[j+lag])² over the integration window: each square in f32, the sum in f64 (no
// cancellation: it is the quantity whose minimum the refinement interpolates). Several
// accumulators (SIMD: two f64x2) only change the order of the f64 additions.
function diff(x: usize, lag: i32): f64 {
  const W = intWindow;
  const y = x + (<usize>lag << 2);
  let j = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    for (; j + 4 <= W; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.sub(v128.load(x + o), v128.load(y + o));
      const q = f32x4.mul(d, d);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(q));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(q, q, 2, 3, 0, 1)));
    }
    a0 = f64x2.add(a0, a1);
    s = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  } else {
    let s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    for (; j + 4 <= W; j += 4) {
      const o = <usize>j << 2;
      const d0 = load<f32>(x + o) - load<f32>(y + o);
      const d1 = load<f32>(x + o, 4) - load<f32>(y + o, 4);
      const d2 = load<f32>(x + o, 8) - load<f32>(y + o, 8);
      const d3 = load<f32>(x + o, 12) - load<f32>(y + o, 12);
      s += <f64>(d0 * d0);
      s1 += <f64>(d1 * d1);
      s2 += <f64>(d2 * d2);
      s3 += <f64>(d3 * d3);
    }
    s = s + s1 + (s2 + s3);
  }
  for (; j < W; j++) {
    const d = load<f32>(x + (<usize>j << 2)) - load<f32>(y + (<usize>j << 2));
    s += <f64>(d * d);
  }
  return s;
}

function unvoiced(clarity: f32, centre: f64): void {
  resHz = 0;
  resClarity = clarity;
  resTime = centre;
  resMidi = 0;
  centreReset();
}

function analyse(): void {
  const W = intWindow;
  const start = (writePos - window) & RING_MASK;
  const x = RING + (<usize>start << 2);
  const first: f64 = <f64>(frames - <i64>window);
  const e0 = dot(x, x, W);
  if (e0 < minPower * <f32>W) {
    unvoiced(0, first + <f64>(W + maxLag) * 0.5);
    return;
  }
  // NSDF n(τ) = 2 r(τ) / (E0 + Eτ), with Eτ slid along; r(τ) first, in place.
  correlate(x, maxLag + 1);
  let et = e0;
  for (let t = 1; t <= maxLag + 1; t++) {
    const a = load<f32>(x + (<usize>(t - 1) << 2));
    const b = load<f32>(x + (<usize>(t - 1 + W) << 2));
    et += b * b - a * a;
    const m = e0 + et;
    const p = NSDF + (<usize>t << 2);
    store<f32>(p, m > 0 ? (2 * load<f32>(p)) / m : 0);
  }
  // Positive lobes after the first zero crossing; keep each lobe's interior maximum.
  let t = 1;
  while (t <= maxLag && load<f32>(NSDF + (<usize>t << 2)) > 0) t++;
  let lobes = 0;
  let best: f32 = 0;
  let lobeArg = -1;
  let lobeMax: f32 = 0;
  for (; t <= maxLag; t++) {
    const v = load<f32>(NSDF + (<usize>t << 2));
    if (v > 0) {
      if (v > lobeMax) {
        lobeMax = v;
        lobeArg = t;
      }
    } else if (lobeArg >= 0) {
      if (lobeArg >= minLag && lobes < MAX_LOBES) {
        store<i32>(LOBES + (<usize>lobes << 2), lobeArg);
        lobes++;
        if (lobeMax > best) best = lobeMax;
      }
      lobeArg = -1;
      lobeMax = 0;
    }
  }
  // A lobe still open at maxLag counts only if its maximum is interior.
  if (lobeArg >= minLag && lobeArg < maxLag && lobes < MAX_LOBES) {
    store<i32>(LOBES + (<usize>lobes << 2), lobeArg);
    lobes++;
    if (lobeMax > best) best = lobeMax;
  }
  if (lobes == 0) {
    unvoiced(0, first + <f64>(W + maxLag) * 0.5);
    return;
  }
  let tp = 0;
  let np: f32 = 0;
  for (let k = 0; k < lobes; k++) {
    const a = load<i32>(LOBES + (<usize>k << 2));
    const v = load<f32>(NSDF + (<usize>a << 2));
    if (v >= PICK * best) {
      tp = a;
      np = v;
      break;
    }
  }
  const na = load<f32>(NSDF + (<usize>(tp - 1) << 2));
  const nc = load<f32>(NSDF + (<usize>(tp + 1) << 2));
  const den = na - 2 * np + nc;
  const tau0: f32 = <f32>tp + (den < 0 ? (0.5 * (na - nc)) / den : 0);
  if (np < minClarity) {
    unvoiced(np, first + <f64>(W + tp) * 0.5);
    return;
  }
  // Refine at the largest multiple of the period that fits.
  let m = <i32>Mathf.floor(<f32>maxLag / tau0);
  if (m < 1) m = 1;
  const centre = <i32>Mathf.round(<f32>m * tau0);
  let lo = centre - 3;
  if (lo < 1) lo = 1;
  const hi = centre + 3;
  let bestLag = lo;
  let dBest = diff(x, lo);
  store<f64>(DIFFS, dBest);
  for (let l = lo + 1; l <= hi; l++) {
    const d = diff(x, l);
    store<f64>(DIFFS + (<usize>(l - lo) << 3), d);
    if (d < dBest) {
      dBest = d;
      bestLag = l;
    }
  }
  const dm = bestLag > lo ? load<f64>(DIFFS + (<usize>(bestLag - 1 - lo) << 3)) : diff(x, bestLag - 1);
  const dp = bestLag < hi ? load<f64>(DIFFS + (<usize>(bestLag + 1 - lo) << 3)) : diff(x, bestLag + 1);
  const curv = dm - 2 * dBest + dp;
  let lag: f64 = <f64>bestLag;
  if (curv > 0) {
    let delta = (0.5 * (dm - dp)) / curv;
    if (delta > 0.5) delta = 0.5;
    if (delta < -0.5) delta = -0.5;
    lag += delta;
  }
  const period = lag / <f64>m;
  resHz = <f32>(<f64>rate / period);
  resClarity = np;
  resTime = first + (<f64>W + lag - 1) * 0.5;
  resMidi = 69 + 12 * Mathf.log2(resHz / a4);
  centrePush(<f64>rate / period, resTime);
}
