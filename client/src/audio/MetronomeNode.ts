// Main-thread façade of the metronome worklet. Times are context frames, so clicks land on
// exact samples of the audio clock; tempo changes take effect at the next bar line.
import { METRONOME_LIMITS, type MetronomeSettings } from '../../../shared/api';
import type { MetronomeCommand, MetronomeProcessorOptions, MetronomeTick } from './protocol';

export { METRONOME_LIMITS, type MetronomeSettings };

export class MetronomeNode {
  readonly node: AudioWorkletNode;
  private tickListener: ((t: MetronomeTick) => void) | null = null;

  /** `startAt` starts it at construction (needed offline, where messages arrive late). */
  constructor(readonly context: BaseAudioContext, module: WebAssembly.Module, level = 0.5, startAt?: { frame: number } & MetronomeSettings) {
    const processorOptions: MetronomeProcessorOptions = {
      module,
      level,
      start: startAt ? { type: 'start', frame: startAt.frame, ...clamp(startAt) } : null,
    };
    this.node = new AudioWorkletNode(context, 'muse-metronome', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2], processorOptions });
    this.node.port.onmessage = (e: MessageEvent<MetronomeTick>) => this.tickListener?.(e.data);
  }

  /**
   * Starts a grid with a downbeat at context frame `frame` (default: 100 ms from now). A grid
   * already running plays on until that frame, so a start at its bar line is a seamless change;
   * a frame already past joins that grid at its next tick, in its place in the bar.
   */
  start(s: MetronomeSettings, frame = Math.round((this.context.currentTime + 0.1) * this.context.sampleRate)): number {
    this.send({ type: 'start', frame: Math.round(frame), ...clamp(s) });
    return Math.round(frame);
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

  /** Calls `fn` for every tick the worklet starts (frame of its first sample); null stops reporting. */
  onTick(fn: ((t: MetronomeTick) => void) | null): void {
    this.tickListener = fn;
    this.send({ type: 'report', on: fn !== null });
  }

  disconnect(): void {
    this.stop();
    this.onTick(null);
    this.node.disconnect();
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
