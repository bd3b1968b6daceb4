// Audio thread: per render quantum, copy the input into wasm memory, high-pass it (DC and
// rumble out of the analysis), meter each channel and feed the pitch detector; publish the
// readings every few quanta. Nothing in process() allocates, throws or locks.
/// <reference path="./audioworklet.d.ts" />
import { createMuseDsp, emptyPitchResult, type MuseDsp } from '../../../../wasm/src/museDsp.ts';
import { Slot, type AnalyserProcessorOptions } from '../protocol';

class AnalyserProcessor extends AudioWorkletProcessor {
  private readonly dsp: MuseDsp;
  private readonly slots: Float32Array;
  private readonly shared: boolean;
  private readonly every: number;
  private readonly pitch: boolean;
  private readonly result = emptyPitchResult();
  private readonly message: { type: 'reading'; slots: Float32Array };
  private quanta = 0;
  private sequence = 0;

  constructor(options: { processorOptions: AnalyserProcessorOptions }) {
    super();
    const o = options.processorOptions;
    this.dsp = createMuseDsp(o.module);
    this.dsp.highpassSetup(sampleRate, { cutoffHz: o.highpassHz });
    this.dsp.meterSetup(sampleRate);
    // The detector's window leaves no room for lags above 48 kHz (see wasm/README.md): the engine
    // asks for 48 kHz, and a context that runs faster gets meters without a tuner, not wrong notes.
    this.pitch = o.pitch && sampleRate <= 48000;
    if (this.pitch) this.dsp.pitchSetup(sampleRate);
    this.shared = o.shared !== null;
    this.slots = o.shared ? new Float32Array(o.shared) : new Float32Array(Slot.Length);
    this.message = { type: 'reading', slots: this.slots };
    this.every = o.publishEveryQuanta;
  }

  override process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    const n = channels?.length ?? 0;
    for (let c = 0; c < n && c < 2; c++) {
      const data = channels[c];
      this.dsp.channel(c).set(data);
      this.dsp.highpass(c, data.length);
      this.dsp.meter(c, data.length);
      if (c === 0 && this.pitch) this.dsp.pitchPush(0, data.length);
    }
    if (++this.quanta >= this.every) {
      this.quanta = 0;
      this.publish(n);
    }
    return true;
  }

  private publish(channels: number): void {
    const s = this.slots;
    s[Slot.PeakDb0] = this.dsp.peakDb(0);
    s[Slot.RmsDb0] = this.dsp.rmsDb(0);
    s[Slot.PeakDb1] = channels > 1 ? this.dsp.peakDb(1) : s[Slot.PeakDb0];
    s[Slot.RmsDb1] = channels > 1 ? this.dsp.rmsDb(1) : s[Slot.RmsDb0];
    if (this.pitch) {
      const r = this.dsp.pitchResult(this.result);
      s[Slot.Hz] = r.hz ?? 0;
      s[Slot.Midi] = r.midi;
      s[Slot.Cents] = r.cents;
      s[Slot.Confidence] = r.confidence;
      // The tuner shows where a vibrato is centred, not where each wobble is.
      s[Slot.CentreCents] = r.centreHz !== null && r.hz !== null ? r.cents + 1200 * Math.log2(r.centreHz / r.hz) : NaN;
    }
    s[Slot.Sequence] = ++this.sequence;
    // Without shared memory: a low-rate message (every few quanta) carrying the same slots.
    if (!this.shared) this.port.postMessage(this.message);
  }
}

registerProcessor('muse-analyser', AnalyserProcessor);
