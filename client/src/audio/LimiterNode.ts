// Main-thread façade of the publish-path limiter worklet: input gain in, gain reduction out.
import { LimiterSlot, type LimiterCommand, type LimiterProcessorOptions, type LimiterReading } from './protocol';

export const LIMITER_CEILING_DB = -1;

export class LimiterNode {
  readonly node: AudioWorkletNode;
  private readonly slots: Float32Array | null;
  private lastReductionDb = 0;

  constructor(context: BaseAudioContext, module: WebAssembly.Module, gainDb = 0) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated ? new SharedArrayBuffer(LimiterSlot.Length * 4) : null;
    this.slots = shared ? new Float32Array(shared) : null;
    const processorOptions: LimiterProcessorOptions = { module, shared, gainDb, ceilingDb: LIMITER_CEILING_DB, publishEveryQuanta: 8 };
    this.node = new AudioWorkletNode(context, 'muse-limiter', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [2], channelCount: 2, channelCountMode: 'explicit', processorOptions });
    this.node.port.onmessage = (e: MessageEvent<LimiterReading>) => (this.lastReductionDb = e.data.db);
  }

  /** Input gain before the limiter, in dB (−24 … +24). */
  setGainDb(db: number): void {
    const v = Math.max(-24, Math.min(24, db));
    if (this.slots) this.slots[LimiterSlot.GainDb] = v;
    else this.node.port.postMessage({ type: 'gain', db: v } satisfies LimiterCommand);
  }

  /** Deepest gain reduction over the last ~20 ms, in dB (0 when the limiter is idle, negative when it acts). */
  get reductionDb(): number {
    return this.slots ? this.slots[LimiterSlot.ReductionDb] : this.lastReductionDb;
  }

  disconnect(): void {
    this.node.disconnect();
  }
}
