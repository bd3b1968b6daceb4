// Main-thread façade of the metronome worklet. Times are context frames, so clicks land on
// exact samples of the audio clock; tempo changes take effect at the next bar line.
import type { MetronomeCommand, MetronomeProcessorOptions } from './protocol';

export interface MetronomeSettings {
  bpm: number;
  beatsPerBar: number;
  subdivisions: number;
}

export const METRONOME_LIMITS = { minBpm: 20, maxBpm: 300, maxBeatsPerBar: 12, maxSubdivisions: 4 } as const;

export class MetronomeNode {
  readonly node: AudioWorkletNode;

  /** `startAt` starts it at construction (needed offline, where messages arrive late). */
  constructor(readonly context: BaseAudioContext, module: WebAssembly.Module, level = 0.5, startAt?: { frame: number } & MetronomeSettings) {
    const processorOptions: MetronomeProcessorOptions = { module, level, start: startAt ? { type: 'start', ...startAt, ...clamp(startAt) } : null };
    this.node = new AudioWorkletNode(context, 'muse-metronome', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2], processorOptions });
  }

  /** Starts with a downbeat at context frame `frame` (default: 100 ms from now). */
  start(s: MetronomeSettings, frame = Math.round((this.context.currentTime + 0.1) * this.context.sampleRate)): number {
    this.send({ type: 'start', frame, ...clamp(s) });
    return frame;
  }

  setTempo(s: MetronomeSettings): void {
    this.send({ type: 'tempo', ...clamp(s) });
  }

  setVolume(gain: number): void {
    this.send({ type: 'volume', gain: Math.max(0, Math.min(1, gain)) });
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  private send(c: MetronomeCommand): void {
    this.node.port.postMessage(c);
  }
}

function clamp(s: MetronomeSettings): MetronomeSettings {
  const L = METRONOME_LIMITS;
  return {
    bpm: Math.min(L.maxBpm, Math.max(L.minBpm, s.bpm)),
    beatsPerBar: Math.min(L.maxBeatsPerBar, Math.max(1, Math.round(s.beatsPerBar))),
    subdivisions: Math.min(L.maxSubdivisions, Math.max(1, Math.round(s.subdivisions))),
  };
}
