// Reference of wasm/assembly/kernels/pitch.ts: NSDF, McLeod peak picking, refinement at a
// multiple of the period, and the vibrato centre (two moving averages of log-frequency).
// Same algorithm and parameters, in f64 arithmetic. r(τ) is summed directly here, the plain
// definition; the wasm computes the same sums by FFT, and the tests hold the two together.

export interface PitchEstimate {
  /** Hz, or 0 when unvoiced. */
  hz: number;
  clarity: number;
  /** Sample index at the centre of the samples used. */
  time: number;
  /** Vibrato centre in Hz, or 0 while not available. */
  centreHz: number;
  centreTime: number;
}

export interface PitchConfig {
  sampleRate: number;
  minHz: number;
  maxHz: number;
  hop: number;
  minClarity: number;
  minLevelDb: number;
}

const RING = 2048;
const PICK = 0.9;

export interface PitchDetector {
  readonly window: number;
  /** Feeds samples; calls `onFrame` after each analysis. */
  push(buf: Float32Array, n: number, onFrame: (e: PitchEstimate) => void): void;
}

export function createPitchDetector(cfg: PitchConfig): PitchDetector {
  const W = Math.round((cfg.sampleRate * 1024) / 48000 / 4) * 4;
  let maxLag = Math.ceil(Math.fround(cfg.sampleRate / cfg.minHz)) + 1;
  if (W + maxLag + 4 > RING) maxLag = RING - W - 4;
  const minLag = Math.max(2, Math.floor(Math.fround(cfg.sampleRate / cfg.maxHz)) - 1);
  const window = W + maxLag + 4;
  const minPower = 10 ** (cfg.minLevelDb / 10);
  const buf = new Float64Array(window);
  const nsdf = new Float64Array(maxLag + 2);
  let frames = 0;
  let since = 0;
  // Mirrored ring: the last `window` samples are always contiguous.
  const ring = new Float64Array(RING * 2);
  let pos = 0;

  function analyse(): Omit<PitchEstimate, 'centreHz' | 'centreTime'> {
    const s0 = (pos - window + RING) % RING;
    buf.set(ring.subarray(s0, s0 + window));
    const first = frames - window;
    let e0 = 0;
    for (let j = 0; j < W; j++) e0 += buf[j] * buf[j];
    if (e0 < minPower * W) return { hz: 0, clarity: 0, time: first + (W + maxLag) / 2 };
    let et = e0;
    for (let t = 1; t <= maxLag + 1; t++) {
      et += buf[t - 1 + W] ** 2 - buf[t - 1] ** 2;
      let r = 0;
      for (let j = 0; j < W; j++) r += buf[j] * buf[j + t];
      nsdf[t] = e0 + et > 0 ? (2 * r) / (e0 + et) : 0;
    }
    let t = 1;
    while (t <= maxLag && nsdf[t] > 0) t++;
    const lobes: number[] = [];
    let best = 0;
    let arg = -1;
    let max = 0;
    for (; t <= maxLag; t++) {
      const v = nsdf[t];
      if (v > 0) {
        if (v > max) {
          max = v;
          arg = t;
        }
      } else if (arg >= 0) {
        if (arg >= minLag) {
          lobes.push(arg);
          best = Math.max(best, max);
        }
        arg = -1;
        max = 0;
      }
    }
    if (arg >= minLag && arg < maxLag) {
      lobes.push(arg);
      best = Math.max(best, max);
    }
    if (lobes.length === 0) return { hz: 0, clarity: 0, time: first + (W + maxLag) / 2 };
    const tp = lobes.find((a) => nsdf[a] >= PICK * best) ?? lobes[0];
    const np = nsdf[tp];
    const den = nsdf[tp - 1] - 2 * np + nsdf[tp + 1];
    const tau0 = tp + (den < 0 ? (0.5 * (nsdf[tp - 1] - nsdf[tp + 1])) / den : 0);
    if (np < cfg.minClarity) return { hz: 0, clarity: np, time: first + (W + tp) / 2 };
    const m = Math.max(1, Math.floor(maxLag / tau0));
    const centre = Math.round(m * tau0);
    const diff = (lag: number): number => {
      let s = 0;
      for (let j = 0; j < W; j++) s += (buf[j] - buf[j + lag]) ** 2;
      return s;
    };
    let bestLag = Math.max(1, centre - 3);
    let dBest = diff(bestLag);
    for (let l = bestLag + 1; l <= centre + 3; l++) {
      const d = diff(l);
      if (d < dBest) {
        dBest = d;
        bestLag = l;
      }
    }
    const dm = diff(bestLag - 1);
    const dp = diff(bestLag + 1);
    const curv = dm - 2 * dBest + dp;
    let lag = bestLag;
    if (curv > 0) lag += Math.max(-0.5, Math.min(0.5, (0.5 * (dm - dp)) / curv));
    return { hz: cfg.sampleRate / (lag / m), clarity: np, time: first + (W + lag - 1) / 2 };
  }

  const n1 = Math.max(1, Math.min(256, Math.round(0.2 / Math.fround(cfg.hop / cfg.sampleRate))));
  const n2 = Math.max(1, Math.min(256, Math.round(0.154 / Math.fround(cfg.hop / cfg.sampleRate))));
  let stage1: number[] = [];
  let stage2: number[] = [];
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  function withCentre(e: Omit<PitchEstimate, 'centreHz' | 'centreTime'>): PitchEstimate {
    if (e.hz <= 0) {
      stage1 = [];
      stage2 = [];
      return { ...e, centreHz: 0, centreTime: 0 };
    }
    const lf = Math.log2(e.hz);
    if (stage1.length && Math.abs(lf - mean(stage1)) > 50 / 1200) {
      stage1 = [];
      stage2 = [];
    }
    stage1 = [...stage1, lf].slice(-n1);
    if (stage1.length < n1) return { ...e, centreHz: 0, centreTime: 0 };
    stage2 = [...stage2, mean(stage1)].slice(-n2);
    if (stage2.length < n2) return { ...e, centreHz: 0, centreTime: 0 };
    return { ...e, centreHz: 2 ** mean(stage2), centreTime: e.time - (cfg.hop * (n1 + n2 - 2)) / 2 };
  }

  return {
    window,
    push(input, n, onFrame) {
      for (let i = 0; i < n; i++) {
        ring[pos] = input[i];
        ring[pos + RING] = input[i];
        pos = (pos + 1) % RING;
        frames++;
        if (++since >= cfg.hop) {
          since = 0;
          if (frames >= window) onFrame(withCentre(analyse()));
        }
      }
    },
  };
}
