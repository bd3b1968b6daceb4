// The lesson's shared metronome on this side: follows the teacher's grid from the room state,
// maps it onto this page's audio clock through the clock offset to the teacher, and plays it
// locally with a MetronomeNode (to the speakers only: clicks never enter the published mic).
import { type MetronomeSettings, type MetronomeState } from '../../../shared/api';
import type { AudioEngine } from '../audio/engine';
import type { MetronomeNode } from '../audio/MetronomeNode';
import { nowMs, type ClockSync } from './ClockSync.svelte';

/** How far ahead a start or change is placed, so the room metadata reaches everyone first (ms). */
export const SHARED_LEAD_MS = 600;
/** A change not yet started may be replaced at its own downbeat until this close to it (ms). */
export const REPLACE_MARGIN_MS = 250;
/** Re-map the grid this often: audio clocks drift from the page clock by tens of ppm. */
const REANCHOR_MS = 2000;
/** Watch the audio clock against the page clock this often, and re-map at once when it jumps by more than GLITCH_MS. */
const WATCH_MS = 100;
const GLITCH_MS = 1.5;

export interface HeardTick {
  /** When the click sounds, on nowMs()'s clock. */
  atMs: number;
  frame: number;
  kind: number;
}

export class SharedMetronome {
  /** Shift my clicks by the measured one-way latency, to match the other side as I hear it. */
  alignToHeard = $state(false);
  volume = $state(0.7);
  /** Last tick heard (drives the beat display). */
  lastTick = $state<HeardTick | null>(null);
  /** Waiting for a clock offset before the first click. */
  syncing = $state(false);
  /** The shift applied to my clicks now (ms). */
  shiftMs = $state(0);
  /** Every tick, while `recording` (tests read this). */
  ticks: HeardTick[] = [];
  recording = false;

  private node: MetronomeNode | null = null;
  private current: MetronomeState | null = null;
  private reanchor: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly engine: AudioEngine,
    private readonly clocks: ClockSync,
    private readonly me: () => string,
    private readonly latencyMs: () => number | null,
  ) {}

  /** Follows the room's metronome state (called on every room-state change). */
  follow(state: MetronomeState): void {
    const same = this.current && JSON.stringify(this.current) === JSON.stringify(state);
    if (same) return;
    this.current = state;
    if (state.clock && state.clock !== this.me()) this.clocks.follow(state.clock);
    void this.apply();
  }

  setVolume(v: number): void {
    this.volume = v;
    this.node?.setVolume(v);
  }

  setAlignToHeard(on: boolean): void {
    this.alignToHeard = on;
    void this.apply();
  }

  /** The downbeat of the teacher's grid that a change requested now should start at (teacher's clock). */
  static nextBarLine(state: MetronomeState, atMs: number): number {
    if (!state.running || state.startAtMs === null) return atMs;
    const bar = (state.beatsPerBar * 60000) / state.bpm;
    if (atMs <= state.startAtMs) return state.startAtMs;
    return state.startAtMs + Math.ceil((atMs - state.startAtMs) / bar) * bar;
  }

  dispose(): void {
    if (this.reanchor) clearInterval(this.reanchor);
    this.reanchor = null;
    this.node?.disconnect();
    this.node = null;
  }

  private async apply(): Promise<void> {
    const s = this.current;
    if (!s || !s.running || s.startAtMs === null || !s.clock) {
      if (this.reanchor) clearInterval(this.reanchor);
      this.reanchor = null;
      this.node?.stop();
      return;
    }
    let offset = 0;
    if (s.clock !== this.me()) {
      this.syncing = true;
      // The whole first burst (~1.5 s): the first exchanges after joining are the noisiest.
      const est = await this.clocks.ready(s.clock, 30);
      this.syncing = false;
      if (this.current !== s) return; // superseded while waiting
      offset = est?.offsetMs ?? 0;
    }
    this.schedule(s, offset);
    if (!this.reanchor) {
      const again = () => {
        const c = this.current;
        if (c?.running && c.clock) this.schedule(c, c.clock === this.me() ? 0 : (this.clocks.offsetTo(c.clock)?.offsetMs ?? offset));
      };
      let since = 0;
      let mapping = this.engine.outputOffsetMs();
      // Every WATCH_MS: an audio glitch re-maps at once; otherwise every REANCHOR_MS (drift, a better offset).
      this.reanchor = setInterval(() => {
        const now = this.engine.outputOffsetMs();
        since += WATCH_MS;
        if (Math.abs(now - mapping) > GLITCH_MS || since >= REANCHOR_MS) {
          mapping = now;
          since = 0;
          again();
        }
      }, WATCH_MS);
    }
  }

  /**
   * Maps the grid's downbeat onto my audio clock and hands it to the worklet: a future one waits
   * there (the old grid plays until then), a past one is joined at its next tick, in its place
   * in the bar (a late joiner, a change that arrived late, or a re-mapping of the running grid).
   */
  private schedule(s: MetronomeState, offsetMs: number): void {
    const node = this.ensureNode();
    this.shiftMs = this.alignToHeard ? (this.latencyMs() ?? 0) : 0;
    // Teacher's time T is my time T − offset; then my own shift.
    const startMs = s.startAtMs! - offsetMs + this.shiftMs;
    const settings: MetronomeSettings = { bpm: s.bpm, beatsPerBar: s.beatsPerBar, subdivisions: s.subdivisions };
    node.start(settings, this.engine.frameAtPerfTime(startMs - performance.timeOrigin));
  }

  private ensureNode(): MetronomeNode {
    if (this.node) return this.node;
    const node = this.engine.metronome();
    node.setVolume(this.volume);
    node.onTick((t) => {
      const tick = { atMs: performance.timeOrigin + this.engine.perfTimeAtFrame(t.frame), frame: t.frame, kind: t.kind };
      this.lastTick = tick;
      if (this.recording) this.ticks.push(tick);
    });
    this.node = node;
    return node;
  }
}
