// Audio thread: the microphone's path to the encoder in music mode. Per render quantum: input
// gain, then the wasm lookahead limiter (ceiling −1 dBFS), so with AGC off a loud passage can't
// clip the encoder while quiet playing passes bit for bit (gain 1). Reports the deepest gain
// reduction of each window. Nothing in process() allocates, throws or locks.
/// <reference path="./audioworklet.d.ts" />
import { createMuseDsp, type MuseDsp } from '../../../../wasm/src/museDsp.ts';
import { LimiterSlot, type LimiterCommand, type LimiterProcessorOptions, type LimiterReading } from '../protocol';

class LimiterProcessor extends AudioWorkletProcessor {
  private readonly dsp: MuseDsp;
  private readonly slots: Float32Array;
  private readonly shared: boolean;
  private readonly every: number;
  private readonly ceiling: number;
  private readonly message: LimiterReading = { type: 'reduction', db: 0 };
  private quanta = 0;
  private worstDb = 0;

  constructor(options: { processorOptions: LimiterProcessorOptions }) {
    super();
    const o = options.processorOptions;
    this.dsp = createMuseDsp(o.module);
    this.dsp.limiterSetup(sampleRate, { ceilingDb: o.ceilingDb });
    this.ceiling = Math.pow(10, o.ceilingDb / 20);
    this.shared = o.shared !== null;
    this.slots = o.shared ? new Float32Array(o.shared) : new Float32Array(LimiterSlot.Length);
    this.slots[LimiterSlot.GainDb] = o.gainDb;
    this.every = o.publishEveryQuanta;
    this.port.onmessage = (e: MessageEvent<LimiterCommand>) => {
      if (e.data.type === 'gain') this.slots[LimiterSlot.GainDb] = e.data.db;
    };
  }

  override process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0];
    const output = outputs[0];
    if (!input || input.length === 0) {
      for (let c = 0; c < output.length; c++) output[c].fill(0);
      return true;
    }
    const gain = Math.pow(10, this.slots[LimiterSlot.GainDb] / 20);
    for (let c = 0; c < output.length && c < 2; c++) {
      // A mono input feeds both channels (each has its own limiter state, so they stay equal).
      const src = input[Math.min(c, input.length - 1)];
      const buf = this.dsp.channel(c);
      let peak = 0;
      for (let i = 0; i < src.length; i++) {
        const v = src[i] * gain;
        buf[i] = v;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
      }
      // What the limiter must take off this block's loudest sample to keep it under the ceiling.
      if (peak > this.ceiling) {
        const db = 20 * Math.log10(this.ceiling / peak);
        if (db < this.worstDb) this.worstDb = db;
      }
      this.dsp.limit(c, src.length);
      const out = output[c];
      for (let i = 0; i < src.length; i++) out[i] = buf[i];
    }
    if (++this.quanta >= this.every) {
      this.quanta = 0;
      this.slots[LimiterSlot.ReductionDb] = this.worstDb;
      if (!this.shared) {
        this.message.db = this.worstDb;
        this.port.postMessage(this.message);
      }
      this.worstDb = 0;
    }
    return true;
  }
}

registerProcessor('muse-limiter', LimiterProcessor);
