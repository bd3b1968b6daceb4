// Complex FFT for the pitch detector's autocorrelation: radix-2 Stockham (self-sorting, so no
// bit reversal), split real/imaginary arrays, twiddles in static memory computed once by
// `fftSetup`. Every stage reads and writes contiguous runs, so the SIMD build does four
// butterflies per instruction in all stages (the first two, whose runs are shorter than four,
// interleave their outputs with shuffles). No allocation: callers pass static buffers.

/** Largest transform length. */
export const FFT_MAX: i32 = 2048;
// Twiddles of every length n = 2..FFT_MAX: w_n^p = exp(−2πi·p/n) for p < n/2 at index n/2 + p
// (the tables tile [1, FFT_MAX) exactly); 4 floats of padding for the s = 2 stage's wide load.
const TW_RE = memory.data((FFT_MAX + 4) * 4, 16);
const TW_IM = memory.data((FFT_MAX + 4) * 4, 16);
let ready = false;

/** Fills the twiddle tables (once; they do not depend on the sample rate). */
export function fftSetup(): void {
  if (ready) return;
  for (let n = 2; n <= FFT_MAX; n <<= 1) {
    const h = n >> 1;
    for (let p = 0; p < h; p++) {
      const a = (-2 * Math.PI * <f64>p) / <f64>n;
      store<f32>(TW_RE + (<usize>(h + p) << 2), <f32>Math.cos(a));
      store<f32>(TW_IM + (<usize>(h + p) << 2), <f32>Math.sin(a));
    }
  }
  ready = true;
}

/** Address of the real parts of w_n^p, p = 0..n/2−1 (f32, 16-byte aligned for n ≥ 8). */
export function twiddleRe(n: i32): usize {
  return TW_RE + (<usize>(n >> 1) << 2);
}
/** Address of the imaginary parts of w_n^p, p = 0..n/2−1. */
export function twiddleIm(n: i32): usize {
  return TW_IM + (<usize>(n >> 1) << 2);
}

// One radix-2 decimation-in-frequency Stockham stage: `total / n` interleaved sub-transforms
// of length n (stride s), from (xr, xi) to (yr, yi).
//   y[q + s·2p] = a + b,  y[q + s·(2p+1)] = (a − b)·w_n^p,  a = x[q + s·p], b = x[q + s·(p + n/2)]
function stage(n: i32, s: i32, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const m = n >> 1;
  const twr = TW_RE + (<usize>m << 2);
  const twi = TW_IM + (<usize>m << 2);
  if (ASC_FEATURE_SIMD) {
    if (s >= 4) {
      const sb = <usize>s << 2;
      const half = <usize>m * sb;
      for (let p = 0; p < m; p++) {
        const wr = f32x4.splat(load<f32>(twr + (<usize>p << 2)));
        const wi = f32x4.splat(load<f32>(twi + (<usize>p << 2)));
        const ia = <usize>p * sb;
        const oa = ia << 1;
        for (let q: usize = 0; q < sb; q += 16) {
          const ar = v128.load(xr + ia + q);
          const ai = v128.load(xi + ia + q);
          const br = v128.load(xr + ia + half + q);
          const bi = v128.load(xi + ia + half + q);
          const dr = f32x4.sub(ar, br);
          const di = f32x4.sub(ai, bi);
          v128.store(yr + oa + q, f32x4.add(ar, br));
          v128.store(yi + oa + q, f32x4.add(ai, bi));
          v128.store(yr + oa + sb + q, f32x4.sub(f32x4.mul(dr, wr), f32x4.mul(di, wi)));
          v128.store(yi + oa + sb + q, f32x4.add(f32x4.mul(dr, wi), f32x4.mul(di, wr)));
        }
      }
      return;
    }
    if (s == 1 && m >= 4) {
      const half = <usize>m << 2;
      for (let p = 0; p < m; p += 4) {
        const o = <usize>p << 2;
        const ar = v128.load(xr + o);
        const ai = v128.load(xi + o);
        const br = v128.load(xr + o + half);
        const bi = v128.load(xi + o + half);
        const wr = v128.load(twr + o);
        const wi = v128.load(twi + o);
        const sr = f32x4.add(ar, br);
        const si = f32x4.add(ai, bi);
        const dr = f32x4.sub(ar, br);
        const di = f32x4.sub(ai, bi);
        const tr = f32x4.sub(f32x4.mul(dr, wr), f32x4.mul(di, wi));
        const ti = f32x4.add(f32x4.mul(dr, wi), f32x4.mul(di, wr));
        // y[2p..2p+8) = s0 t0 s1 t1 s2 t2 s3 t3
        v128.store(yr + (o << 1), v128.shuffle<f32>(sr, tr, 0, 4, 1, 5));
        v128.store(yr + (o << 1), v128.shuffle<f32>(sr, tr, 2, 6, 3, 7), 16);
        v128.store(yi + (o << 1), v128.shuffle<f32>(si, ti, 0, 4, 1, 5));
        v128.store(yi + (o << 1), v128.shuffle<f32>(si, ti, 2, 6, 3, 7), 16);
      }
      return;
    }
    if (s == 2 && m >= 2) {
      // One vector holds (p, q=0), (p, q=1), (p+1, q=0), (p+1, q=1).
      const half = <usize>m << 3;
      for (let p = 0; p < m; p += 2) {
        const o = <usize>p << 3;
        const ar = v128.load(xr + o);
        const ai = v128.load(xi + o);
        const br = v128.load(xr + o + half);
        const bi = v128.load(xi + o + half);
        const w4r = v128.load(twr + (<usize>p << 2));
        const w4i = v128.load(twi + (<usize>p << 2));
        const wr = v128.shuffle<f32>(w4r, w4r, 0, 0, 1, 1);
        const wi = v128.shuffle<f32>(w4i, w4i, 0, 0, 1, 1);
        const sr = f32x4.add(ar, br);
        const si = f32x4.add(ai, bi);
        const dr = f32x4.sub(ar, br);
        const di = f32x4.sub(ai, bi);
        const tr = f32x4.sub(f32x4.mul(dr, wr), f32x4.mul(di, wi));
        const ti = f32x4.add(f32x4.mul(dr, wi), f32x4.mul(di, wr));
        // y[4p..4p+8) = s(p,0) s(p,1) t(p,0) t(p,1) s(p+1,0) s(p+1,1) t(p+1,0) t(p+1,1)
        v128.store(yr + (o << 1), v128.shuffle<f32>(sr, tr, 0, 1, 4, 5));
        v128.store(yr + (o << 1), v128.shuffle<f32>(sr, tr, 2, 3, 6, 7), 16);
        v128.store(yi + (o << 1), v128.shuffle<f32>(si, ti, 0, 1, 4, 5));
        v128.store(yi + (o << 1), v128.shuffle<f32>(si, ti, 2, 3, 6, 7), 16);
      }
      return;
    }
  }
  for (let p = 0; p < m; p++) {
    const wr = load<f32>(twr + (<usize>p << 2));
    const wi = load<f32>(twi + (<usize>p << 2));
    for (let q = 0; q < s; q++) {
      const ia = <usize>(q + s * p) << 2;
      const ib = <usize>(q + s * (p + m)) << 2;
      const oa = <usize>(q + s * 2 * p) << 2;
      const ob = <usize>(q + s * (2 * p + 1)) << 2;
      const ar = load<f32>(xr + ia);
      const ai = load<f32>(xi + ia);
      const br = load<f32>(xr + ib);
      const bi = load<f32>(xi + ib);
      const dr = ar - br;
      const di = ai - bi;
      store<f32>(yr + oa, ar + br);
      store<f32>(yi + oa, ai + bi);
      store<f32>(yr + ob, dr * wr - di * wi);
      store<f32>(yi + ob, dr * wi + di * wr);
    }
  }
}

/**
 * Forward DFT of length n (a power of two, 8..FFT_MAX) of (re, im), using (tr, ti) as
 * scratch; returns true when the result is in (tr, ti), false when in (re, im). Unnormalised.
 */
export function fft(n: i32, re: usize, im: usize, tr: usize, ti: usize): bool {
  let inScratch = false;
  for (let len = n, s = 1; len >= 2; len >>= 1, s <<= 1) {
    if (inScratch) stage(len, s, tr, ti, re, im);
    else stage(len, s, re, im, tr, ti);
    inScratch = !inScratch;
  }
  return inScratch;
}
