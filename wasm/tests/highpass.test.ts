import { createHighpass, highpassResponseDb } from '../reference/highpass.ts';
import { loadDsp } from './helpers/dsp.ts';
import { sine } from './helpers/signals.ts';

const SR = 48000;
const Q = 128;

/** Runs `x` through channel `ch` of the wasm high-pass in 128-frame quanta. */
function run(x: Float32Array, cutoffHz = 70, ch = 0): Float32Array {
  const dsp = loadDsp();
  dsp.highpassSetup(SR, { cutoffHz });
  const out = new Float32Array(x.length);
  const buf = dsp.channel(ch);
  for (let i = 0; i + Q <= x.length; i += Q) {
    buf.set(x.subarray(i, i + Q));
    dsp.highpass(ch, Q);
    out.set(buf.subarray(0, Q), i);
  }
  return out;
}

function rms(x: Float32Array, from: number): number {
  let s = 0;
  for (let i = from; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / (x.length - from));
}

describe('high-pass (70 Hz default)', () => {
  const gainDb = (hz: number): number => {
    // Whole cycles after one second of settling, so the RMS ratio is the steady-state gain.
    const x = sine(SR, hz, 3);
    const y = run(x);
    return 20 * Math.log10(rms(y, SR) / rms(x, SR));
  };

  test('attenuates 20 Hz rumble by more than 20 dB, as the closed form says', () => {
    const g = gainDb(20);
    console.log(`high-pass 70 Hz: ${g.toFixed(2)} dB at 20 Hz, ${gainDb(196).toFixed(3)} dB at 196 Hz`);
    expect(g).toBeLessThan(-20);
    expect(Math.abs(g - highpassResponseDb(SR, 70, 20))).toBeLessThan(0.1);
  });

  test('passes G3 (196 Hz) within 0.1 dB and 1 kHz within 0.01 dB', () => {
    expect(gainDb(196)).toBeGreaterThan(-0.1);
    expect(Math.abs(gainDb(196) - highpassResponseDb(SR, 70, 196))).toBeLessThan(0.02);
    expect(Math.abs(gainDb(1000))).toBeLessThan(0.01);
  });

  test('removes DC: a 0.5 offset decays below -80 dBFS within 0.2 s', () => {
    const y = run(new Float32Array(SR).fill(0.5));
    const tail = y.subarray(Math.round(0.2 * SR));
    expect(tail.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(1e-4);
  });

  test('the cutoff is settable: 150 Hz corner is 3 dB down at 150 Hz', () => {
    const x = sine(SR, 150, 2);
    const y = run(x, 150);
    expect(20 * Math.log10(rms(y, SR) / rms(x, SR))).toBeCloseTo(-3.01, 1);
  });

  test('channels keep separate state, and wasm matches the reference', () => {
    const dsp = loadDsp();
    dsp.highpassSetup(SR);
    const a = sine(SR, 50, 0.5);
    const b = sine(SR, 3000, 0.5, 0.2);
    const ref = createHighpass(SR, 70);
    const expected = Float32Array.from(a);
    ref.process(expected, expected.length);
    let maxDiff = 0;
    for (let i = 0; i + Q <= a.length; i += Q) {
      dsp.channel(0).set(a.subarray(i, i + Q));
      dsp.channel(1).set(b.subarray(i, i + Q));
      dsp.highpass(1, Q);
      dsp.highpass(0, Q);
      for (let k = 0; k < Q; k++) maxDiff = Math.max(maxDiff, Math.abs(dsp.channel(0)[k] - expected[i + k]));
    }
    // f32 state versus f64: the difference stays 80 dB under the 0.5 signal.
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
