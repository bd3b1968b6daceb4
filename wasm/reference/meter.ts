// Reference of wasm/assembly/kernels/meter.ts.

export const METER_FLOOR_DB = -120;

export function blockPeak(buf: Float32Array, n: number): number {
  let p = 0;
  for (let i = 0; i < n; i++) p = Math.max(p, Math.abs(buf[i]));
  return p;
}

export function blockSumSquares(buf: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += buf[i] * buf[i];
  return s;
}

export interface Meter {
  process(buf: Float32Array, n: number): void;
  peakDb(): number;
  rmsDb(): number;
}

export function createMeter(sampleRate: number, holdMs: number, fallDbPerS: number, rmsMs: number): Meter {
  const holdSamples = (holdMs * sampleRate) / 1000;
  const fallPerSample = 10 ** (-fallDbPerS / 20 / sampleRate);
  const rmsTime = Math.max(1, (rmsMs * sampleRate) / 1000);
  let held = 0;
  let left = 0;
  let ms = 0;
  return {
    process(buf, n) {
      const pk = blockPeak(buf, n);
      if (pk >= held) {
        held = pk;
        left = holdSamples;
      } else if (left > 0) left -= n;
      else held = Math.max(pk, held * fallPerSample ** n);
      const a = Math.exp(-n / rmsTime);
      ms = ms * a + (1 - a) * (blockSumSquares(buf, n) / n);
    },
    peakDb: () => (held <= 1e-6 ? METER_FLOOR_DB : Math.max(METER_FLOOR_DB, 20 * Math.log10(held))),
    rmsDb: () => (ms <= 1e-12 ? METER_FLOOR_DB : Math.max(METER_FLOOR_DB, 10 * Math.log10(ms))),
  };
}
