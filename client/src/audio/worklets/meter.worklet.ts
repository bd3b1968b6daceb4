// Audio thread: feeds each render quantum through the wasm meter kernel and publishes the
// peak and RMS of the last few quanta. Nothing in process() allocates, throws or locks.
/// <reference path="./audioworklet.d.ts" />
import { MeterSlot, type MeterProcessorOptions } from '../protocol';

interface MeterExports {
  memory: WebAssembly.Memory;
  inputPtr(): number;
  blockPeak(ptr: number, n: number): number;
  blockSumSquares(ptr: number, n: number): number;
}

class MeterProcessor extends AudioWorkletProcessor {
  private readonly dsp: MeterExports;
  private input: Float32Array;
  private readonly shared: Float32Array | null;
  private readonly every: number;
  private readonly reading = { type: 'meter' as const, peak: 0, rms: 0 };
  private quanta = 0;
  private peak = 0;
  private sumSquares = 0;
  private frames = 0;
  private sequence = 0;

  constructor(options: { processorOptions: MeterProcessorOptions }) {
    super();
    const opts = options.processorOptions;
    const instance = new WebAssembly.Instance(opts.module, { env: { abort: () => {} } });
    this.dsp = instance.exports as unknown as MeterExports;
    this.input = this.view();
    this.shared = opts.shared ? new Float32Array(opts.shared) : null;
    this.every = opts.publishEveryQuanta;
  }

  private view(): Float32Array {
    return new Float32Array(this.dsp.memory.buffer, this.dsp.inputPtr(), 128);
  }

  override process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    if (channels && channels.length > 0) {
      if (this.input.byteLength === 0) this.input = this.view(); // memory grew: rebuild the view once
      const ptr = this.dsp.inputPtr();
      for (let c = 0; c < channels.length && c < 2; c++) {
        const data = channels[c];
        this.input.set(data);
        const p = this.dsp.blockPeak(ptr, data.length);
        if (p > this.peak) this.peak = p;
        this.sumSquares += this.dsp.blockSumSquares(ptr, data.length);
        this.frames += data.length;
      }
    }
    if (++this.quanta >= this.every) this.publish();
    return true;
  }

  private publish(): void {
    const rms = this.frames > 0 ? Math.sqrt(this.sumSquares / this.frames) : 0;
    if (this.shared) {
      this.shared[MeterSlot.Peak] = this.peak;
      this.shared[MeterSlot.Rms] = rms;
      this.shared[MeterSlot.Sequence] = ++this.sequence;
    } else {
      // Low rate (every few quanta), and the same object each time.
      this.reading.peak = this.peak;
      this.reading.rms = rms;
      this.port.postMessage(this.reading);
    }
    this.quanta = 0;
    this.peak = 0;
    this.sumSquares = 0;
    this.frames = 0;
  }
}

registerProcessor('muse-meter', MeterProcessor);
