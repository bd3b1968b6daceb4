import { violinTone } from '../../wasm/tests/helpers/signals';
import { instantiateOpus, opusWasmBytes, warmOpus } from '../lib/opusWasm';

const SR = 48000;
const FRAME = 120;
const tone = violinTone({ sampleRate: SR, hz: 440, seconds: 1, seed: 5 }).samples;

function rms(x: Float32Array): number {
  return Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
}

describe.each(['simd', 'scalar'] as const)('libopus in wasm (%s build), 2.5 ms frames', (build) => {
  const lib = instantiateOpus(opusWasmBytes(build));

  test('a violin tone survives the round trip, delayed by the encoder lookahead, at the asked bitrate', () => {
    const enc = lib.encoder({ bitrate: 128_000, complexity: 10, frame: FRAME });
    const dec = lib.decoder(FRAME);
    // Restricted low delay is CELT only: 2.5 ms of lookahead.
    expect(enc.lookahead).toBe(120);
    const out = new Float32Array(tone.length);
    const frame = new Float32Array(FRAME);
    let bytes = 0;
    const frames = Math.floor(tone.length / FRAME);
    for (let f = 0; f < frames; f++) {
      const n = enc.encode(tone, f * FRAME);
      bytes += n;
      expect(dec.decode(enc.packet(n).slice(), frame)).toBe(FRAME);
      out.set(frame, f * FRAME);
    }
    const kbps = (bytes * 8) / (frames * (FRAME / SR)) / 1000;
    expect(kbps).toBeGreaterThan(100);
    expect(kbps).toBeLessThan(160);
    let s = 0;
    let e = 0;
    for (let i = SR / 10; i + enc.lookahead < out.length; i++) {
      s += tone[i] ** 2;
      e += (tone[i] - out[i + enc.lookahead]) ** 2;
    }
    expect(10 * Math.log10(s / e)).toBeGreaterThan(20);
    // Shifted by anything else, it does not line up: the lookahead is the delay.
    let e2 = 0;
    for (let i = SR / 10; i + enc.lookahead + 40 < out.length; i++) e2 += (tone[i] - out[i + enc.lookahead + 40]) ** 2;
    expect(10 * Math.log10(s / e2)).toBeLessThan(10);
  });

  test('a lost frame is concealed with sound, not silence', () => {
    const enc = lib.encoder({ bitrate: 128_000, complexity: 10, frame: FRAME });
    const dec = lib.decoder(FRAME);
    const frame = new Float32Array(FRAME);
    for (let f = 0; f < 100; f++) dec.decode(enc.packet(enc.encode(tone, f * FRAME)).slice(), frame);
    const heard = rms(frame);
    expect(dec.decode(null, frame)).toBe(FRAME);
    expect(rms(frame)).toBeGreaterThan(heard * 0.3);
  });

  test('encoders and decoders given back with dispose() leave the wasm heap as it was', () => {
    const frame = new Float32Array(FRAME);
    const cycle = (dispose: boolean) => {
      for (let i = 0; i < 300; i++) {
        const enc = lib.encoder({ bitrate: 128_000, complexity: 5, frame: FRAME });
        const dec = lib.decoder(FRAME);
        dec.decode(enc.packet(enc.encode(tone, i * FRAME)).slice(), frame);
        if (dispose) {
          enc.dispose();
          dec.dispose();
        }
      }
    };
    cycle(true);
    const before = lib.memoryBytes();
    cycle(true);
    expect(lib.memoryBytes()).toBe(before);
    // Without it, the same cycles take the heap (the check above can fail).
    const own = instantiateOpus(opusWasmBytes(build));
    const start = own.memoryBytes();
    for (let i = 0; i < 300; i++) {
      own.encoder({ bitrate: 128_000, complexity: 5, frame: FRAME });
      own.decoder(FRAME);
    }
    expect(own.memoryBytes()).toBeGreaterThan(start);
  });

  test('a warm-up runs libopus and gives back what it used', () => {
    const own = instantiateOpus(opusWasmBytes(build));
    warmOpus(own, { bitrate: 128_000, complexity: 5, frame: FRAME });
    const after = own.memoryBytes();
    // (300 encoders and decoders left behind would grow it: see the test above.)
    for (let i = 0; i < 300; i++) warmOpus(own, { bitrate: 128_000, complexity: 5, frame: FRAME }, 2);
    expect(own.memoryBytes()).toBe(after);
  });

  test('a frame size Opus does not offer is refused by name', () => {
    expect(() => lib.encoder({ bitrate: 128_000, complexity: 10, frame: 128 })).toThrow(/128 samples.*120, 240 or 480/);
  });
});
