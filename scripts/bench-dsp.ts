// npm run bench:dsp [-- --json FILE]
// One run, same audio for everyone (FluidSynth violin notes G3–E7 and synthetic vibrato tones):
//  1. pitch: our kernel (wasm SIMD, wasm scalar, TypeScript reference) against pitchy (MPM)
//     and pitchfinder (YIN, Macleod): accuracy and µs per analysis, ratios against the
//     fastest peer;
//  2. each kernel, µs per 128-frame quantum: wasm SIMD and scalar against the TS reference;
//  3. the whole chain per quantum at 48 kHz (high-pass, meters, limiter, pitch at hop 512,
//     metronome) against the 53 µs budget (2 % of a 2.67 ms quantum).
// Times are the best of several passes after a warm-up; the machine is shared, so compare
// ratios within one run rather than absolute figures across runs.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { PitchDetector as Pitchy } from 'pitchy';
import Pitchfinder from 'pitchfinder';
import { createHighpass } from '../wasm/reference/highpass.ts';
import { createLimiter } from '../wasm/reference/limiter.ts';
import { createMeter } from '../wasm/reference/meter.ts';
import { createPitchDetector } from '../wasm/reference/pitch.ts';
import { detectOnsets } from '../wasm/reference/onset.ts';
import { createMuseDsp, type MuseDsp } from '../wasm/src/museDsp.ts';
import { PITCH_DEFAULTS } from '../wasm/src/defaults.ts';
import { midiToHz } from '../wasm/src/notes.ts';
import { renderViolin } from '../wasm/tests/helpers/fluidsynth.ts';
import { combine, referencePitchFrames, score, wasmPitchFrames, type Frame, type Score } from '../wasm/tests/helpers/pitchEval.ts';
import { violinTone } from '../wasm/tests/helpers/signals.ts';
import { ensureWasmBuilt, WASM_FILE, WASM_SCALAR_FILE } from './lib/wasm.ts';

const SR = 48000;
const Q = 128;
const HOP = 512;
const PEER_WINDOW = 2048;
const BUDGET_US = 53;

const jsonIdx = process.argv.indexOf('--json');
const jsonFile = jsonIdx > 0 ? process.argv[jsonIdx + 1] : undefined;

ensureWasmBuilt();
const simd = createMuseDsp(readFileSync(WASM_FILE));
const scalar = createMuseDsp(readFileSync(WASM_SCALAR_FILE));

// ---- audio ----
const fluidNotes = [55, 58, 62, 65, 69, 72, 76, 79, 83, 86, 89, 93, 96, 100];
const fluid = renderViolin(fluidNotes);
const synthNotes = [55, 58, 61, 64, 67, 70, 73, 76, 79, 82, 85, 88, 91, 94, 97, 100];
const synth = synthNotes.map((m) => violinTone({ sampleRate: SR, hz: midiToHz(m), seconds: 1, seed: m }));

// ---- 1. pitch ----
type Detect = (x: Float32Array) => { frames: Frame[]; analyses: number; ms: number };

function timed(run: () => Frame[]): { frames: Frame[]; analyses: number; ms: number } {
  run(); // warm-up (JIT tiers, caches)
  let best = Infinity;
  let frames: Frame[] = [];
  // Best of 2–7 passes: fast detectors get more passes (a shared machine preempts us now and
  // then, and the best pass is the least disturbed one) within about a second per signal.
  const started = performance.now();
  for (let k = 0; k < 7 && (k < 2 || performance.now() - started < 1000); k++) {
    const t0 = performance.now();
    frames = run();
    best = Math.min(best, performance.now() - t0);
  }
  return { frames, analyses: frames.length, ms: best };
}

/** A peer that analyses PEER_WINDOW samples every HOP; its time stamp is the window centre. */
function peer(analyse: (w: Float32Array) => number | null): Detect {
  return (x) =>
    timed(() => {
      const frames: Frame[] = [];
      for (let s = 0; s + PEER_WINDOW <= x.length; s += HOP) {
        const hz = analyse(x.subarray(s, s + PEER_WINDOW));
        frames.push({ time: s + (PEER_WINDOW - 1) / 2, hz: hz && hz > 0 && Number.isFinite(hz) ? hz : null, confidence: 1 });
      }
      return frames;
    });
}

const pitchy = Pitchy.forFloat32Array(PEER_WINDOW);
pitchy.clarityThreshold = PITCH_DEFAULTS.minClarity;
const yin = Pitchfinder.YIN({ sampleRate: SR });
const macleod = Pitchfinder.Macleod({ sampleRate: SR, bufferSize: PEER_WINDOW });

const detectors: { name: string; kind: 'ours' | 'peer'; detect: Detect }[] = [
  { name: 'muse wasm SIMD (NSDF+refine)', kind: 'ours', detect: (x) => timed(() => wasmPitchFrames(simd, x, SR, { hop: HOP })) },
  { name: 'muse wasm scalar', kind: 'ours', detect: (x) => timed(() => wasmPitchFrames(scalar, x, SR, { hop: HOP })) },
  { name: 'muse TS reference', kind: 'ours', detect: (x) => timed(() => referencePitchFrames(x, SR, { hop: HOP })) },
  {
    name: 'pitchy 4 (MPM, FFT)',
    kind: 'peer',
    detect: peer((w) => {
      const [hz, clarity] = pitchy.findPitch(w, SR);
      return clarity >= PITCH_DEFAULTS.minClarity ? hz : null;
    }),
  },
  { name: 'pitchfinder YIN', kind: 'peer', detect: peer((w) => yin(w)) },
  {
    name: 'pitchfinder Macleod',
    kind: 'peer',
    detect: peer((w) => {
      const r = macleod(w);
      return r.probability >= PITCH_DEFAULTS.minClarity ? r.freq : null;
    }),
  },
];

interface PitchRow {
  detector: string;
  set: string;
  frames: number;
  unvoiced: number;
  gross: number;
  octave: number;
  medianCents: number;
  p90Cents: number;
  usPerAnalysis: number;
  speedRatio?: number;
}
const pitchRows: PitchRow[] = [];

function scoreFluid(frames: Frame[]): Score {
  return combine(fluid.notes.map((n) => score(frames, () => midiToHz(n.midi), n.start + 0.15 * SR, n.end)));
}

for (const d of detectors) {
  const f = d.detect(fluid.samples);
  const s = scoreFluid(f.frames);
  let synthMs = 0;
  let synthAnalyses = 0;
  const synthScores = synth.map((tone) => {
    const r = d.detect(tone.samples);
    synthMs += r.ms;
    synthAnalyses += r.analyses;
    return score(r.frames, (t) => tone.hzAt(t / SR), 0.1 * SR, SR);
  });
  const ss = combine(synthScores);
  const us = ((f.ms + synthMs) * 1000) / (f.analyses + synthAnalyses);
  for (const [set, sc] of [['FluidSynth violin vs note', s], ['synthetic vs instant', ss]] as const) {
    pitchRows.push({
      detector: d.name, set, frames: sc.frames, unvoiced: sc.unvoiced, gross: sc.gross, octave: sc.octave,
      medianCents: sc.medianCents, p90Cents: sc.p90Cents, usPerAnalysis: us,
    });
  }
}
const fastestPeerUs = Math.min(...pitchRows.filter((r) => detectors.find((d) => d.name === r.detector)?.kind === 'peer').map((r) => r.usPerAnalysis));
for (const r of pitchRows) r.speedRatio = r.usPerAnalysis / fastestPeerUs;

// ---- 2. kernels per quantum ----
const chainInput = fluid.samples.subarray(0, Math.floor(fluid.samples.length / Q) * Q);
const quanta = chainInput.length / Q;

function bestOf(passes: number, run: () => void): number {
  run();
  let best = Infinity;
  for (let k = 0; k < passes; k++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1000) / quanta; // µs per quantum
}

function wasmKernels(dsp: MuseDsp): Record<string, () => void> {
  const buf = dsp.channel(0);
  const feed = (k: (i: number) => void) => () => {
    for (let i = 0; i < quanta; i++) {
      buf.set(chainInput.subarray(i * Q, (i + 1) * Q));
      k(i);
    }
  };
  return {
    'copy only': feed(() => {}),
    highpass: (dsp.highpassSetup(SR), feed(() => dsp.highpass(0, Q))),
    'meter (peak-hold+RMS)': (dsp.meterSetup(SR), feed(() => dsp.meter(0, Q))),
    limiter: (dsp.limiterSetup(SR), feed(() => dsp.limit(0, Q))),
    'pitch (hop 512)': (dsp.pitchSetup(SR, { hop: HOP }), feed(() => dsp.pitchPush(0, Q))),
    metronome: (dsp.clickSetup(SR), dsp.clickStart(0, 120, 4, 4), feed((i) => dsp.clickRender(Q, i * Q))),
    onset: (dsp.onsetSetup(SR), feed((i) => dsp.onsetPush(0, Q, i * Q))),
    chain: (() => {
      dsp.highpassSetup(SR);
      dsp.meterSetup(SR);
      dsp.limiterSetup(SR);
      dsp.pitchSetup(SR, { hop: HOP });
      dsp.clickSetup(SR);
      dsp.clickStart(0, 120, 4, 4);
      return feed((i) => {
        dsp.highpass(0, Q);
        dsp.meter(0, Q);
        dsp.pitchPush(0, Q);
        dsp.limit(0, Q);
        dsp.clickRender(Q, i * Q);
      });
    })(),
  };
}

function referenceKernels(): Record<string, () => void> {
  const buf = new Float32Array(Q);
  const feed = (k: () => void) => () => {
    for (let i = 0; i < quanta; i++) {
      buf.set(chainInput.subarray(i * Q, (i + 1) * Q));
      k();
    }
  };
  const hp = createHighpass(SR, 70);
  const meter = createMeter(SR, 1500, 20, 300);
  const lim = createLimiter(SR, -1, 2, 15, 80);
  const pitch = createPitchDetector({ sampleRate: SR, ...PITCH_DEFAULTS, hop: HOP });
  const none = (): void => {};
  return {
    'copy only': feed(() => {}),
    highpass: feed(() => hp.process(buf, Q)),
    'meter (peak-hold+RMS)': feed(() => meter.process(buf, Q)),
    limiter: feed(() => lim.process(buf, Q)),
    'pitch (hop 512)': feed(() => pitch.push(buf, Q, none)),
    onset: () => void detectOnsets(chainInput, SR, -50, 20, 100),
    chain: feed(() => {
      hp.process(buf, Q);
      meter.process(buf, Q);
      pitch.push(buf, Q, none);
      lim.process(buf, Q);
    }),
  };
}

interface KernelRow {
  kernel: string;
  simdUs: number;
  scalarUs: number;
  referenceUs: number | null;
}
const ks = wasmKernels(simd);
const kc = wasmKernels(scalar);
const kr = referenceKernels();
const kernelRows: KernelRow[] = Object.keys(ks).map((k) => ({
  kernel: k,
  simdUs: bestOf(5, ks[k]),
  scalarUs: bestOf(5, kc[k]),
  referenceUs: kr[k] ? bestOf(k === 'limiter' || k === 'chain' ? 1 : 3, kr[k]) : null,
}));

// The pitch analysis runs every fourth quantum, so the worst quantum matters as much as the mean.
function chainQuantumTimes(dsp: MuseDsp): { p50: number; p99: number; max: number } {
  dsp.highpassSetup(SR);
  dsp.meterSetup(SR);
  dsp.limiterSetup(SR);
  dsp.pitchSetup(SR, { hop: HOP });
  dsp.clickSetup(SR);
  dsp.clickStart(0, 120, 4, 4);
  const buf = dsp.channel(0);
  const times = new Float64Array(quanta);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < quanta; i++) {
      const t0 = performance.now();
      buf.set(chainInput.subarray(i * Q, (i + 1) * Q));
      dsp.highpass(0, Q);
      dsp.meter(0, Q);
      dsp.pitchPush(0, Q);
      dsp.limit(0, Q);
      dsp.clickRender(Q, i * Q);
      times[i] = (performance.now() - t0) * 1000;
    }
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  return { p50: sorted[Math.floor(0.5 * quanta)], p99: sorted[Math.floor(0.99 * quanta)], max: sorted[quanta - 1] };
}
const quantumTimes = { simd: chainQuantumTimes(simd), scalar: chainQuantumTimes(scalar) };

// ---- print ----
const f = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
const table = (head: string[], rows: string[][]): void => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
};

console.log(`bench:dsp  ${new Date().toISOString()}  node ${process.version}  ${os.cpus()[0]?.model ?? ''} ×${os.cpus().length}`);
console.log(`audio: FluidSynth violin ${fluidNotes.length} notes G3–E7 (${(fluid.samples.length / SR).toFixed(1)} s) + synthetic ${synthNotes.length} tones (5.5 Hz ±15 c vibrato, −40 dB bow noise)`);
console.log(`pitch: hop ${HOP}; peers analyse ${PEER_WINDOW}-sample windows; gross = >50 c off; cents = |error| over non-gross frames\n`);
table(
  ['detector', 'audio', 'frames', 'unvoiced', 'gross', 'octave', 'median c', 'p90 c', 'µs/analysis', '× fastest peer'],
  pitchRows.map((r) => [r.detector, r.set, String(r.frames), String(r.unvoiced), String(r.gross), String(r.octave), f(r.medianCents, 3), f(r.p90Cents, 3), f(r.usPerAnalysis, 1), f(r.speedRatio ?? NaN, 2)]),
);
table(
  ['kernel, µs per 128-frame quantum', 'wasm SIMD', 'wasm scalar', 'TS reference', 'SIMD × ref', 'scalar × ref'],
  kernelRows.map((r) => [
    r.kernel, f(r.simdUs, 3), f(r.scalarUs, 3), r.referenceUs === null ? 'n/a' : f(r.referenceUs, 3),
    r.referenceUs ? f(r.simdUs / r.referenceUs, 3) : 'n/a', r.referenceUs ? f(r.scalarUs / r.referenceUs, 3) : 'n/a',
  ]),
);
const chain = kernelRows.find((r) => r.kernel === 'chain') as KernelRow;
console.log(
  `chain (high-pass + meter + pitch hop ${HOP} + limiter + metronome) per quantum at 48 kHz: SIMD ${f(chain.simdUs)} µs, scalar ${f(chain.scalarUs)} µs; budget ${BUDGET_US} µs → SIMD ${f((100 * chain.simdUs) / BUDGET_US, 0)} % of budget (${chain.simdUs <= BUDGET_US ? 'within' : 'OVER'}); reference chain (no metronome) ${f(chain.referenceUs ?? NaN)} µs`,
);
console.log(
  `chain per single quantum (timed one by one, includes timer overhead): SIMD p50 ${f(quantumTimes.simd.p50)} / p99 ${f(quantumTimes.simd.p99)} / max ${f(quantumTimes.simd.max)} µs; scalar p50 ${f(quantumTimes.scalar.p50)} / p99 ${f(quantumTimes.scalar.p99)} / max ${f(quantumTimes.scalar.max)} µs; deadline 2667 µs`,
);
console.log('(reference onset row: one call over the whole signal, per quantum; reference limiter is the plain O(lookahead) version)');

if (jsonFile) {
  writeFileSync(
    jsonFile,
    JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, hop: HOP, budgetUs: BUDGET_US, pitch: pitchRows, kernels: kernelRows, chainQuantum: quantumTimes }, null, 2) + '\n',
  );
  console.log(`wrote ${jsonFile}`);
}
