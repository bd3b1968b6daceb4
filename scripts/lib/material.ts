// Test material for the fidelity benchmark: what a violin lesson sends, with known truth.
import { writeFileSync } from 'node:fs';

import { violin } from '../../client/src/lib/testSignals';

export { violin };
export const SR = 48000;

export const dbToLin = (db: number) => 10 ** (db / 20);

export interface Segment {
  name: 'sustain' | 'tail' | 'passage' | 'stereo';
  start: number;
  end: number;
}

/**
 * The whole programme, stereo: an 8 s sustained A4 at −12 dBFS whose last 3 s fall to a −40 dBFS
 * pianissimo; a passage of eight notes with rests; 4 s of different notes left (A4) and right (D5).
 */
export function programme(): { left: Float32Array; right: Float32Array; segments: Segment[] } {
  const parts: { l: Float32Array; r: Float32Array; name?: Segment['name'] }[] = [];
  const gap = (s: number) => ({ l: new Float32Array(Math.round(s * SR)), r: new Float32Array(Math.round(s * SR)) });
  const mono = (x: Float32Array, name?: Segment['name']) => ({ l: x, r: x, name });
  parts.push(gap(0.5));
  parts.push(mono(violin(440, 8, dbToLin(-12), 1), 'sustain'));
  parts.push(mono(violin(440, 3, dbToLin(-40), 2), 'tail'));
  parts.push(gap(0.5));
  const passage: Float32Array[] = [];
  [392, 440, 494, 523, 587, 659, 740, 784].forEach((f, i) => {
    passage.push(violin(f, 0.4, dbToLin(-18), 10 + i), new Float32Array(Math.round(0.4 * SR)));
  });
  const p = new Float32Array(passage.reduce((a, x) => a + x.length, 0));
  passage.reduce((o, x) => (p.set(x, o), o + x.length), 0);
  parts.push(mono(p, 'passage'));
  parts.push({ l: violin(440, 4, dbToLin(-18), 20), r: violin(587.33, 4, dbToLin(-18), 21), name: 'stereo' });
  parts.push(gap(0.5));
  const total = parts.reduce((a, x) => a + x.l.length, 0);
  const left = new Float32Array(total);
  const right = new Float32Array(total);
  const segments: Segment[] = [];
  let o = 0;
  for (const part of parts) {
    left.set(part.l, o);
    right.set(part.r, o);
    if (part.name) segments.push({ name: part.name, start: o, end: o + part.l.length });
    o += part.l.length;
  }
  return { left, right, segments };
}

export function writeStereoWav(file: string, left: Float32Array, right: Float32Array, sampleRate = SR): void {
  const data = Buffer.alloc(left.length * 4);
  for (let i = 0; i < left.length; i++) {
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(left[i] * 32767))), i * 4);
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(right[i] * 32767))), i * 4 + 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([h, data]));
}
