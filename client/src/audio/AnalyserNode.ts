// Main-thread façade of the analyser worklet: connect a source; read levels (dBFS) and,
// when enabled, the pitch. Readings are at most a few milliseconds old.
import { analyserDefaults, METER_FLOOR_DB, type AnalyserOptions } from './defaults';
import { Slot, type AnalyserMessage, type AnalyserProcessorOptions } from './protocol';

export interface Level {
  peakDb: number;
  rmsDb: number;
}

export interface Pitch {
  /** Hz, or null when nothing steady is sounding. */
  hz: number | null;
  midi: number;
  cents: number;
  confidence: number;
  /** Cents of the vibrato's centre (the pitch a violinist means), or null before it settles. */
  centreCents: number | null;
}

export class MuseAnalyserNode {
  readonly node: AudioWorkletNode;
  private slots: Float32Array;

  constructor(context: BaseAudioContext, module: WebAssembly.Module, options: Partial<AnalyserOptions> = {}) {
    const opts = { ...analyserDefaults, ...options };
    const sab = globalThis.crossOriginIsolated ? new SharedArrayBuffer(Slot.Length * 4) : null;
    const processorOptions: AnalyserProcessorOptions = { module, shared: sab, publishEveryQuanta: opts.publishEveryQuanta, pitch: opts.pitch, highpassHz: opts.highpassHz };
    this.node = new AudioWorkletNode(context, 'muse-analyser', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: 'explicit',
      processorOptions,
    });
    this.slots = sab ? new Float32Array(sab) : new Float32Array(Slot.Length).fill(METER_FLOOR_DB);
    if (!sab) this.node.port.onmessage = (e: MessageEvent<AnalyserMessage>) => (this.slots = e.data.slots);
  }

  /** Loudest channel's held peak and RMS, in dBFS (METER_FLOOR_DB for silence). */
  read(): Level {
    const s = this.slots;
    const floor = (v: number) => (Number.isFinite(v) ? Math.max(METER_FLOOR_DB, v) : METER_FLOOR_DB);
    return { peakDb: floor(Math.max(s[Slot.PeakDb0], s[Slot.PeakDb1])), rmsDb: floor(Math.max(s[Slot.RmsDb0], s[Slot.RmsDb1])) };
  }

  /** Copies the latest pitch into `out` (no allocation when called per frame). */
  pitch(out: Pitch): Pitch {
    const s = this.slots;
    out.hz = s[Slot.Hz] > 0 ? s[Slot.Hz] : null;
    out.midi = s[Slot.Midi];
    out.cents = s[Slot.Cents];
    out.confidence = s[Slot.Confidence];
    out.centreCents = Number.isFinite(s[Slot.CentreCents]) ? s[Slot.CentreCents] : null;
    return out;
  }

  /** Readings published so far (to tell a live analyser from a stalled one). */
  get sequence(): number {
    return this.slots[Slot.Sequence];
  }

  disconnect(): void {
    this.node.disconnect();
    this.node.port.onmessage = null;
  }
}
