// Reference of wasm/assembly/kernels/onset.ts: level trigger over a frozen-while-ringing
// noise floor, with linear interpolation of the crossing.

export function detectOnsets(
  x: Float32Array,
  sampleRate: number,
  thresholdDb: number,
  marginDb: number,
  refractoryMs: number,
): number[] {
  const abs = 10 ** (thresholdDb / 20);
  const ratio = 10 ** (marginDb / 20);
  const refractory = Math.round((refractoryMs * sampleRate) / 1000);
  const coef = 1 - Math.exp(-1 / (0.05 * sampleRate));
  const out: number[] = [];
  let noise = 0;
  let prev = 0;
  let hold = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (hold > 0) hold--;
    else {
      const thr = Math.max(abs, ratio * noise);
      if (a > thr) {
        const frac = a > prev && prev < thr ? (thr - prev) / (a - prev) : 0;
        out.push(i - 1 + frac);
        hold = refractory;
      } else noise += (a - noise) * coef;
    }
    prev = a;
  }
  return out;
}
