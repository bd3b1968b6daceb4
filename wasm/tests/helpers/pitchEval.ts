// Runs pitch detectors over a signal and scores them against the known pitch.
import type { MuseDsp, PitchOptions } from '../../src/index.ts';
import { emptyPitchResult } from '../../src/museDsp.ts';
import { createPitchDetector } from '../../reference/pitch.ts';
import { PITCH_DEFAULTS } from '../../src/defaults.ts';

export interface Frame {
  /** Sample index at the centre of the samples the estimate used. */
  time: number;
  /** Hz, or null when unvoiced. */
  hz: number | null;
  confidence: number;
  /** Vibrato centre, when the detector gives one. */
  centreHz?: number | null;
  centreTime?: number;
}

const QUANTUM = 128;

/** Feeds `x` to the wasm detector in 128-frame quanta; one Frame per analysis. */
export function wasmPitchFrames(dsp: MuseDsp, x: Float32Array, sampleRate: number, options: Partial<PitchOptions> = {}): Frame[] {
  dsp.pitchSetup(sampleRate, options);
  const frames: Frame[] = [];
  const res = emptyPitchResult();
  const buf = dsp.channel(0);
  for (let i = 0; i + QUANTUM <= x.length; i += QUANTUM) {
    buf.set(x.subarray(i, i + QUANTUM));
    if (dsp.pitchPush(0, QUANTUM) > 0) {
      dsp.pitchResult(res);
      frames.push({ time: res.frame, hz: res.hz, confidence: res.confidence, centreHz: res.centreHz, centreTime: res.centreFrame });
    }
  }
  return frames;
}

/** The same with the TypeScript reference. */
export function referencePitchFrames(x: Float32Array, sampleRate: number, options: Partial<PitchOptions> = {}): Frame[] {
  const o = { ...PITCH_DEFAULTS, ...options };
  const det = createPitchDetector({ sampleRate, ...o });
  const frames: Frame[] = [];
  for (let i = 0; i + QUANTUM <= x.length; i += QUANTUM) {
    det.push(x.subarray(i, i + QUANTUM), QUANTUM, (e) =>
      frames.push({ time: e.time, hz: e.hz > 0 ? e.hz : null, confidence: e.clarity, centreHz: e.centreHz > 0 ? e.centreHz : null, centreTime: e.centreTime }),
    );
  }
  return frames;
}

export interface Score {
  frames: number;
  /** Frames with no estimate. */
  unvoiced: number;
  /** Frames more than 50 cents off (octave errors included). */
  gross: number;
  /** Frames 1100–1300 cents off (octave errors). */
  octave: number;
  /** |error| statistics in cents over frames that are not gross. */
  medianCents: number;
  p90Cents: number;
  /** Signed errors of every voiced frame. */
  errors: number[];
}

/** Scores frames whose time lies in [from, to) against `truthHz(timeSamples)`. */
export function score(frames: Frame[], truthHz: (t: number) => number, from: number, to: number): Score {
  const errors: number[] = [];
  let n = 0;
  let unvoiced = 0;
  let gross = 0;
  let octave = 0;
  for (const f of frames) {
    if (f.time < from || f.time >= to) continue;
    n++;
    if (f.hz === null) {
      unvoiced++;
      continue;
    }
    const c = 1200 * Math.log2(f.hz / truthHz(f.time));
    errors.push(c);
    if (Math.abs(c) > 50) gross++;
    if (Math.abs(Math.abs(c) - 1200) < 100) octave++;
  }
  const fine = errors.filter((c) => Math.abs(c) <= 50).map(Math.abs).sort((a, b) => a - b);
  const pick = (p: number): number => (fine.length ? fine[Math.min(fine.length - 1, Math.round(p * (fine.length - 1)))] : NaN);
  return { frames: n, unvoiced, gross, octave, medianCents: pick(0.5), p90Cents: pick(0.9), errors };
}

/** Combines scores of several notes (statistics recomputed over all frames). */
export function combine(scores: Score[]): Score {
  const errors = scores.flatMap((s) => s.errors);
  const fine = errors.filter((c) => Math.abs(c) <= 50).map(Math.abs).sort((a, b) => a - b);
  const pick = (p: number): number => (fine.length ? fine[Math.min(fine.length - 1, Math.round(p * (fine.length - 1)))] : NaN);
  const sum = (k: 'frames' | 'unvoiced' | 'gross' | 'octave'): number => scores.reduce((a, s) => a + s[k], 0);
  return { frames: sum('frames'), unvoiced: sum('unvoiced'), gross: sum('gross'), octave: sum('octave'), medianCents: pick(0.5), p90Cents: pick(0.9), errors };
}
