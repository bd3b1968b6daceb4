// Turns the detector's raw readings (every ~11 ms) into what a tuner should show: the needle
// glides instead of jittering, a note is held briefly through bow changes, octave flickers of
// one reading are ignored.
import type { Pitch } from '../audio/AnalyserNode';

export interface TunerView {
  midi: number | null;
  cents: number;
  hz: number | null;
}

export interface TunerSmoothing {
  /** Time constant of the needle's glide, ms. */
  glideMs: number;
  /** How long a note stays shown after the sound stops, ms. */
  holdMs: number;
  /** Readings a new note must persist for before it replaces the shown one. */
  confirmReadings: number;
}

export const tunerSmoothingDefaults: TunerSmoothing = { glideMs: 120, holdMs: 900, confirmReadings: 3 };

export class TunerFilter {
  private shown: TunerView = { midi: null, cents: 0, hz: null };
  private candidate = -1;
  private candidateCount = 0;
  private lastVoiced = -Infinity;
  private readonly opts: TunerSmoothing;

  constructor(options: Partial<TunerSmoothing> = {}) {
    this.opts = { ...tunerSmoothingDefaults, ...options };
  }

  /** Feeds one reading taken at `nowMs`; returns the view to draw. */
  update(p: Pitch, nowMs: number, dtMs: number): TunerView {
    if (p.hz === null) {
      if (nowMs - this.lastVoiced > this.opts.holdMs) this.shown = { midi: null, cents: 0, hz: null };
      return this.shown;
    }
    this.lastVoiced = nowMs;
    if (p.midi !== this.shown.midi) {
      if (p.midi === this.candidate) this.candidateCount++;
      else {
        this.candidate = p.midi;
        this.candidateCount = 1;
      }
      if (this.shown.midi === null || this.candidateCount >= this.opts.confirmReadings) {
        this.shown = { midi: p.midi, cents: p.cents, hz: p.hz };
      }
      return this.shown;
    }
    const k = 1 - Math.exp(-dtMs / this.opts.glideMs);
    const target = p.centreCents ?? p.cents;
    this.shown = { midi: p.midi, cents: this.shown.cents + (target - this.shown.cents) * k, hz: p.hz };
    return this.shown;
  }
}
