// Audio thread: renders metronome clicks with the wasm click kernel, sample-accurate against
// the context's frame clock. Commands arrive as messages between quanta; process() only renders.
// A start is held until the quantum that contains its frame, so a new grid (a tempo change on
// a shared metronome, a re-anchoring) takes over at its first downbeat and the old one plays
// until then.
/// <reference path="./audioworklet.d.ts" />
import { createMuseDsp, type MuseDsp } from '../../../../wasm/src/museDsp.ts';
import type { MetronomeCommand, MetronomeProcessorOptions, MetronomeTick } from '../protocol';

class MetronomeProcessor extends AudioWorkletProcessor {
  private readonly dsp: MuseDsp;
  private gain = 1;
  private pending = false;
  private pendingFrame = 0;
  private pendingBpm = 0;
  private pendingBeats = 0;
  private pendingSub = 0;
  private report = false;
  private lastTickFrame = -1e12;
  private readonly early = Math.round(sampleRate * 0.01);
  private readonly tickMessage: MetronomeTick = { type: 'tick', frame: 0, kind: 0 };

  constructor(options: { processorOptions: MetronomeProcessorOptions }) {
    super();
    this.dsp = createMuseDsp(options.processorOptions.module);
    this.dsp.clickSetup(sampleRate, { level: options.processorOptions.level });
    // A construction-time start applies at once (offline rendering starts before any message lands).
    const start = options.processorOptions.start;
    if (start) this.dsp.clickStart(start.frame, start.bpm, start.beatsPerBar, start.subdivisions);
    this.port.onmessage = (e) => this.command(e.data as MetronomeCommand);
  }

  private command(c: MetronomeCommand): void {
    if (c.type === 'start') {
      this.pending = true;
      this.pendingFrame = c.frame;
      this.pendingBpm = c.bpm;
      this.pendingBeats = c.beatsPerBar;
      this.pendingSub = c.subdivisions;
    } else if (c.type === 'tempo') this.dsp.clickTempo(c.bpm, c.beatsPerBar, c.subdivisions);
    else if (c.type === 'volume') this.gain = c.gain;
    else if (c.type === 'report') this.report = c.on;
    else if (c.type === 'stop') {
      this.pending = false;
      this.dsp.clickStop();
    }
  }

  override process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0];
    if (!out || out.length === 0) return true;
    const frames = out[0].length;
    // Taken up to 10 ms early: the old grid's own tick near the new downbeat (the same bar
    // line, a frame or two apart after re-mapping) is then replaced, never played twice.
    if (this.pending && this.pendingFrame < currentFrame + frames + this.early) {
      this.pending = false;
      // A start that arrived after its downbeat joins its grid at the next tick, in its place in
      // the bar: a late click (or a second one) is worse than a missing one.
      if (this.pendingFrame < currentFrame) {
        // Not the tick just played again, if the re-mapped grid puts it a little later.
        const halfTick = (sampleRate * 30) / (this.pendingBpm * this.pendingSub);
        this.dsp.clickResume(this.pendingFrame, this.pendingBpm, this.pendingBeats, this.pendingSub, Math.max(currentFrame, this.lastTickFrame + halfTick));
      }
      else this.dsp.clickStart(this.pendingFrame, this.pendingBpm, this.pendingBeats, this.pendingSub);
    }
    const next = this.dsp.clickNextFrame();
    const started = this.dsp.clickRender(frames, currentFrame);
    if (started > 0) this.lastTickFrame = Math.max(next, currentFrame);
    if (started > 0 && this.report) {
      // A few messages a second, only while someone listens for ticks (tests, the beat display).
      this.tickMessage.frame = this.lastTickFrame;
      this.tickMessage.kind = this.dsp.clickLastKind();
      this.port.postMessage(this.tickMessage);
    }
    const clicks = this.dsp.clickBuffer();
    const g = this.gain;
    for (let c = 0; c < out.length; c++) {
      const ch = out[c];
      for (let i = 0; i < frames; i++) ch[i] = clicks[i] * g;
    }
    return true;
  }
}

registerProcessor('muse-metronome', MetronomeProcessor);
