// Reference of wasm/assembly/kernels/limiter.ts: sliding minimum of needed gains (lookahead
// plus hold), release,
// moving average over the lookahead, input delayed by the lookahead. Written plainly (the
// minimum is recomputed over the window) so it checks the wasm deque rather than repeating it.

export interface Limiter {
  readonly latency: number;
  process(buf: Float32Array, n: number): void;
}

export function createLimiter(sampleRate: number, ceilingDb: number, lookaheadMs: number, holdMs: number, releaseMs: number): Limiter {
  const thr = Math.fround(10 ** (ceilingDb / 20));
  const L = Math.min(480, Math.max(1, Math.round((lookaheadMs * sampleRate) / 1000)));
  const hold = Math.min(1024 - 480 - 2, Math.round((Math.max(holdMs, 0) * sampleRate) / 1000));
  const span = L + 1 + hold;
  const rel = Math.fround(1 - Math.exp(-1000 / (Math.max(releaseMs, 1) * sampleRate)));
  const need = new Float32Array(span).fill(1); // last L+1+hold needed gains
  const env = new Float32Array(L).fill(1); // last L envelope values
  const delay = new Float32Array(L);
  let e = 1;
  let c = 0;
  return {
    latency: L,
    process(buf, n) {
      for (let i = 0; i < n; i++) {
        const x = buf[i];
        const a = Math.abs(x);
        need[c % span] = a > thr ? Math.fround(thr / a) : 1;
        let h = 1;
        for (let k = 0; k < span; k++) h = Math.min(h, need[k]);
        if (h < e) e = h;
        else if (e < 1) {
          e = Math.fround(e + Math.fround((h - e) * rel));
          if (h === 1 && e > 0.999) e = 1;
        }
        env[c % L] = e;
        let sum = 0;
        let below = false;
        for (let k = 0; k < L; k++) {
          sum += env[k];
          if (env[k] < 1) below = true;
        }
        const g = below ? Math.fround(sum / L) : 1;
        const delayed = delay[c % L];
        delay[c % L] = x;
        let y = Math.fround(delayed * g);
        if (Math.abs(y) > thr) y = y < 0 ? -thr : thr;
        buf[i] = y;
        c++;
      }
    },
  };
}
