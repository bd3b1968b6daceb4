import { loadDsp } from './helpers/dsp.ts';
import { runLink } from './helpers/jitterSim.ts';
const dsp = loadDsp();
const impl = {
  setup: (sr: number, frame: number, initialMs: number, extraMs: number, skipMs: number) => dsp.jitterSetup(sr, { frame, initialMs, extraMs, skipMs }),
  put: (seq: number, pcm: Float32Array, n: number, arrival: number) => { dsp.jitterFrame().set(pcm.subarray(0, n)); return dsp.jitterPut(seq, n, arrival); },
  pull: (out: Float32Array, n: number, now: number) => { dsp.jitterPull(n, now); out.set(dsp.jitterOutput().subarray(0, n)); },
  bufferDelay: (now: number) => dsp.jitterBufferDelay(now),
  target: () => dsp.jitterTarget(),
  stats: () => dsp.jitterStats(),
};
for (const [label, hold0, jitter, loss] of [['first held 180', 180, 15, 0.03], ['no hold', 0, 15, 0.03], ['first held 180, no loss', 180, 15, 0], ['held, jitter 40', 180, 40, 0.03]] as const) {
  impl.setup(48000, 240, 5, 1, 15);
  const at: string[] = [];
  const hold = new Map<number, number>();
  for (let f = 0; f < 40; f++) hold.set(f, hold0 - f * 5 > 0 ? hold0 - f * 5 : 0);
  runLink(impl, { seconds: 20, frame: 240, jitterMs: jitter, loss, hold, seed: 3, probe: (now) => { if (now % 96000 === 0) at.push((impl.bufferDelay(now) / 48).toFixed(0)); } });
  console.log(label, at.join(' '), JSON.stringify(impl.stats()));
}
