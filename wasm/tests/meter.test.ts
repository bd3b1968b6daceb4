import { blockPeak, blockSumSquares, createMeter } from '../reference/meter.ts';
import { loadDsp } from './helpers/dsp.ts';
import { rng, sine } from './helpers/signals.ts';

const SR = 48000;
const Q = 128;

describe('block peak and sum of squares (the lead worklet’s API)', () => {
  test.each([128, 127, 5])('n = %i: SIMD, scalar and reference agree', (n) => {
    const rand = rng(n);
    const x = Float32Array.from({ length: n }, () => 0.9 * (2 * rand() - 1));
    x[n - 1] = -0.99; // the largest, in the scalar tail when n is not a multiple of 4
    for (const scalar of [false, true]) {
      const dsp = loadDsp(scalar);
      dsp.channel(0).set(x);
      expect(dsp.raw.blockPeak(dsp.raw.inputPtr(), n)).toBeCloseTo(0.99, 6);
      expect(dsp.blockPeak(0, n)).toBe(Math.fround(blockPeak(x, n)));
      expect(dsp.blockSumSquares(0, n)).toBeCloseTo(blockSumSquares(x, n), 4);
    }
  });
});

describe('peak-hold and RMS meter, dBFS', () => {
  function feed(dsp: ReturnType<typeof loadDsp>, x: Float32Array, ch = 0): void {
    for (let i = 0; i + Q <= x.length; i += Q) {
      dsp.channel(ch).set(x.subarray(i, i + Q));
      dsp.meter(ch, Q);
    }
  }

  test('a 0.5 sine reads −6.02 dB peak and −9.03 dB RMS; the other channel stays silent', () => {
    const dsp = loadDsp();
    dsp.meterSetup(SR);
    feed(dsp, sine(SR, 1000, 2, 0.5, Math.PI / 2));
    expect(dsp.peakDb(0)).toBeCloseTo(-6.02, 1);
    expect(dsp.rmsDb(0)).toBeCloseTo(-9.03, 1);
    expect(dsp.peakDb(1)).toBe(-120);
    expect(dsp.rmsDb(1)).toBe(-120);
  });

  test('holds the peak for 1.5 s, then falls at 20 dB/s; RMS falls with a 300 ms time constant', () => {
    const dsp = loadDsp();
    dsp.meterSetup(SR);
    const ref = createMeter(SR, 1500, 20, 300);
    const loud = sine(SR, 1000, 1, 0.5, Math.PI / 2);
    feed(dsp, loud);
    ref.process(loud, loud.length);
    feed(dsp, new Float32Array(Math.round(1.4 * SR)));
    expect(dsp.peakDb(0)).toBeCloseTo(-6.02, 1);
    feed(dsp, new Float32Array(Math.round(1.1 * SR)));
    // 2.5 s of silence: 1.5 s held, then ~1 s of falling at 20 dB/s.
    expect(dsp.peakDb(0)).toBeGreaterThan(-6.02 - 21);
    expect(dsp.peakDb(0)).toBeLessThan(-6.02 - 19);
    // After 2.5 s the mean square has fallen by exp(−2.5/0.3): 36 dB under −9 dB.
    expect(dsp.rmsDb(0)).toBeCloseTo(-9.03 - (10 * 2.5) / 0.3 / Math.LN10, 0);
  });

  test('wasm matches the reference block by block', () => {
    const dsp = loadDsp();
    dsp.meterSetup(SR);
    const ref = createMeter(SR, 1500, 20, 300);
    const rand = rng(7);
    let worst = 0;
    for (let b = 0; b < 2000; b++) {
      const amp = b < 1000 ? 0.8 * rand() : 0.01;
      const x = Float32Array.from({ length: Q }, () => amp * (2 * rand() - 1));
      dsp.channel(0).set(x);
      dsp.meter(0, Q);
      ref.process(x, Q);
      worst = Math.max(worst, Math.abs(dsp.peakDb(0) - ref.peakDb()), Math.abs(dsp.rmsDb(0) - ref.rmsDb()));
    }
    expect(worst).toBeLessThan(0.01);
  });
});
