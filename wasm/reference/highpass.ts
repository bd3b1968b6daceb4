// Reference of wasm/assembly/kernels/highpass.ts: the same RBJ Butterworth section in TypeScript.

export interface Highpass {
  process(buf: Float32Array, n: number): void;
}

export function createHighpass(sampleRate: number, cutoffHz: number): Highpass {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const cosw = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const a0 = 1 + alpha;
  // Coefficients rounded to f32 as the kernel stores them; the filter state stays in f64.
  const f = Math.fround;
  const b0 = f((1 + cosw) / 2 / a0);
  const b1 = f(-(1 + cosw) / a0);
  const a1 = f((-2 * cosw) / a0);
  const a2 = f((1 - alpha) / a0);
  let z1 = 0;
  let z2 = 0;
  return {
    process(buf, n) {
      for (let i = 0; i < n; i++) {
        const x = buf[i];
        const y = b0 * x + z1;
        z1 = b1 * x - a1 * y + z2;
        z2 = b0 * x - a2 * y;
        buf[i] = y;
      }
    },
  };
}

/** Magnitude response in dB of that section at `hz` (closed form, for tests). */
export function highpassResponseDb(sampleRate: number, cutoffHz: number, hz: number): number {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const cosw = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const b = [(1 + cosw) / 2, -(1 + cosw), (1 + cosw) / 2];
  const a = [1 + alpha, -2 * cosw, 1 - alpha];
  const w = (2 * Math.PI * hz) / sampleRate;
  const mag = (c: number[]): number => {
    const re = c[0] + c[1] * Math.cos(w) + c[2] * Math.cos(2 * w);
    const im = -(c[1] * Math.sin(w) + c[2] * Math.sin(2 * w));
    return Math.hypot(re, im);
  };
  return 20 * Math.log10(mag(b) / mag(a));
}
