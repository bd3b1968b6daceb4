// Main-thread façade of the meter worklet: connect a source, read the latest level in dBFS.
import { METER_FLOOR_DB, meterDefaults, type MeterOptions } from './defaults';
import { MeterSlot, type MeterProcessorOptions, type MeterReading } from './protocol';

export interface Level {
  peakDb: number;
  rmsDb: number;
}

export function toDb(linear: number): number {
  return linear > 0 ? Math.max(METER_FLOOR_DB, 20 * Math.log10(linear)) : METER_FLOOR_DB;
}

export class MeterNode {
  readonly node: AudioWorkletNode;
  private readonly shared: Float32Array | null;
  private last: MeterReading = { type: 'meter', peak: 0, rms: 0 };

  constructor(context: BaseAudioContext, module: WebAssembly.Module, options: Partial<MeterOptions> = {}) {
    const opts = { ...meterDefaults, ...options };
    const sab = globalThis.crossOriginIsolated ? new SharedArrayBuffer(MeterSlot.Length * 4) : null;
    const processorOptions: MeterProcessorOptions = { module, shared: sab, publishEveryQuanta: opts.publishEveryQuanta };
    this.node = new AudioWorkletNode(context, 'muse-meter', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: 'explicit',
      processorOptions,
    });
    this.shared = sab ? new Float32Array(sab) : null;
    if (!sab) this.node.port.onmessage = (e: MessageEvent<MeterReading>) => (this.last = e.data);
  }

  /** Latest peak and RMS of all channels, in dBFS (METER_FLOOR_DB for silence). */
  read(): Level {
    const peak = this.shared ? this.shared[MeterSlot.Peak] : this.last.peak;
    const rms = this.shared ? this.shared[MeterSlot.Rms] : this.last.rms;
    return { peakDb: toDb(peak), rmsDb: toDb(rms) };
  }

  disconnect(): void {
    this.node.disconnect();
    this.node.port.onmessage = null;
  }
}
