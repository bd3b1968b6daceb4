// Audio thread of duet mode's receiving side: takes decoded frames from a SharedArrayBuffer
// ring, stamps their arrival with this context's frame counter, and plays them through the
// wasm jitter buffer straight to the output. Figures go back through shared memory.
/// <reference path="./audioworklet.d.ts" />
import { createMuseDsp, type JitterStats, type MuseDsp } from '../../../../wasm/src/museDsp.ts';
import { DuetStat, type DuetRing, duetRing, DUET_MAX_FRAME, ringAvailable, ringPeek, ringRelease } from '../duetRing';

export interface DuetPlaybackOptions {
  module: WebAssembly.Module;
  ring: SharedArrayBuffer;
  /** DuetStat.Length Float64 slots. */
  stats: SharedArrayBuffer;
  frame: number;
  quantile: number;
}

class DuetPlaybackProcessor extends AudioWorkletProcessor {
  private readonly dsp: MuseDsp;
  private readonly ring: DuetRing;
  private readonly out: Float64Array;
  private readonly counters: JitterStats;
  private quanta = 0;
  private running = true;
  private quantile: number;

  constructor(options: { processorOptions: DuetPlaybackOptions }) {
    super();
    const o = options.processorOptions;
    this.dsp = createMuseDsp(o.module);
    this.quantile = o.quantile;
    this.dsp.jitterSetup(sampleRate, { frame: o.frame, quantile: o.quantile });
    this.ring = duetRing(o.ring);
    this.out = new Float64Array(o.stats);
    this.counters = this.dsp.jitterStats();
    // 'stop', or a new buffer setting from the person listening (rare: a click, never per quantum).
    this.port.onmessage = (e: MessageEvent) => {
      const q = (e.data as { quantile?: unknown } | null)?.quantile;
      if (typeof q === 'number') {
        this.quantile = q;
        this.dsp.jitterSetQuantile(q);
      } else this.running = false;
    };
  }

  override process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (!this.running) return false;
    const dsp = this.dsp;
    const r = this.ring;
    while (ringAvailable(r) > 0) {
      const slot = ringPeek(r);
      const n = r.meta[slot * 2 + 1];
      // A new frame size (the sender changed it): start the buffer over at that size.
      if (n !== dsp.jitterFrameSize()) dsp.jitterSetup(sampleRate, { frame: n, quantile: this.quantile });
      dsp.jitterFrame().set(r.data.subarray(slot * DUET_MAX_FRAME, slot * DUET_MAX_FRAME + n));
      dsp.jitterPut(r.meta[slot * 2] >>> 0, n, currentFrame);
      ringRelease(r);
    }
    const out = outputs[0];
    const frames = out[0]?.length ?? 128;
    dsp.jitterPull(frames, currentFrame);
    const y = dsp.jitterOutput();
    for (let c = 0; c < out.length; c++) out[c].set(y.subarray(0, frames));
    if (++this.quanta % 8 === 0) {
      const s = dsp.jitterStats(this.counters);
      const o = this.out;
      o[DuetStat.BufferMs] = (dsp.jitterBufferDelay(currentFrame + frames) / sampleRate) * 1000;
      o[DuetStat.TargetMs] = (dsp.jitterTarget() / sampleRate) * 1000;
      o[DuetStat.Concealed] = s.concealed;
      o[DuetStat.Output] = s.output;
      o[DuetStat.Lost] = s.lost;
      o[DuetStat.Late] = s.late;
      o[DuetStat.Underruns] = s.underruns;
      o[DuetStat.Received] = s.received;
      o[DuetStat.Duplicates] = s.duplicates;
      o[DuetStat.Skips] = s.skips;
      o[DuetStat.Resyncs] = s.resyncs;
      o[DuetStat.Episodes] = s.episodes;
      o[DuetStat.Quantile] = dsp.jitterQuantile();
      o[DuetStat.Frame] = currentFrame;
    }
    return true;
  }
}

registerProcessor('muse-duet-playback', DuetPlaybackProcessor);
