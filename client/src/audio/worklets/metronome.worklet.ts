// Audio thread: renders metronome clicks with the wasm click kernel, sample-accurate against
// the context's frame clock. Commands arrive as messages between quanta; process() only renders.
/// <reference path="./audioworklet.d.ts" />
import { createMuseDsp, type MuseDsp } from '../../../../wasm/src/museDsp.ts';
import type { MetronomeCommand, MetronomeProcessorOptions } from '../protocol';

class MetronomeProcessor extends AudioWorkletProcessor {
  private readonly dsp: MuseDsp;
  private gain = 1;

  constructor(options: { processorOptions: MetronomeProcessorOptions }) {
    super();
    this.dsp = createMuseDsp(options.processorOptions.module);
    this.dsp.clickSetup(sampleRate, { level: options.processorOptions.level });
    if (options.processorOptions.start) this.command(options.processorOptions.start);
    this.port.onmessage = (e) => this.command(e.data as MetronomeCommand);
  }

  private command(c: MetronomeCommand): void {
    if (c.type === 'start') this.dsp.clickStart(c.frame, c.bpm, c.beatsPerBar, c.subdivisions);
    else if (c.type === 'tempo') this.dsp.clickTempo(c.bpm, c.beatsPerBar, c.subdivisions);
    else if (c.type === 'volume') this.gain = c.gain;
    else if (c.type === 'stop') this.dsp.clickStop();
  }

  override process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0];
    if (!out || out.length === 0) return true;
    const frames = out[0].length;
    this.dsp.clickRender(frames, currentFrame);
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
