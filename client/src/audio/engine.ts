// The one AudioContext of the page: loads the worklets and compiles the DSP wasm once, then
// hands out nodes. UI code never touches the AudioContext directly.
import wasmUrl from '../../../wasm/build/muse-dsp.wasm?url';
import { engineDefaults, type EngineOptions } from './defaults';
import { AudioEngineError, AudioErrorCode } from './errors';
import { MeterNode } from './MeterNode';
import meterWorkletUrl from './worklets/meter.worklet.ts?worker&url';

export class AudioEngine {
  private constructor(
    readonly context: AudioContext,
    /** The compiled DSP module; worklets instantiate it (their scope cannot fetch or compile streams). */
    readonly dsp: WebAssembly.Module,
  ) {}

  static async create(options: Partial<EngineOptions> = {}): Promise<AudioEngine> {
    const opts = { ...engineDefaults, ...options };
    if (typeof AudioWorkletNode === 'undefined') {
      // Older Safari: emulate AudioWorklet on a ScriptProcessor.
      await import('audioworklet-polyfill');
    }
    const context = new AudioContext({ sampleRate: opts.sampleRate, latencyHint: opts.latencyHint });
    if (!context.audioWorklet) {
      throw new AudioEngineError(AudioErrorCode.NoAudioWorklet, 'This browser has no AudioWorklet support.');
    }
    let dsp: WebAssembly.Module;
    try {
      dsp = await WebAssembly.compileStreaming(fetch(wasmUrl));
    } catch (cause) {
      throw new AudioEngineError(AudioErrorCode.WasmLoadFailed, `The DSP module (${wasmUrl}) could not be loaded`, { cause });
    }
    try {
      await context.audioWorklet.addModule(meterWorkletUrl);
    } catch (cause) {
      throw new AudioEngineError(AudioErrorCode.WorkletLoadFailed, 'The audio worklet could not be loaded', { cause });
    }
    return new AudioEngine(context, dsp);
  }

  /** Resumes the context; browsers start it suspended until the person has interacted. */
  async resume(): Promise<void> {
    if (this.context.state !== 'running') await this.context.resume().catch(() => {});
  }

  /** A level meter fed by `track` (local or remote). Disconnect it when the track goes. */
  meterFor(track: MediaStreamTrack): { meter: MeterNode; dispose(): void } {
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    const meter = new MeterNode(this.context, this.dsp);
    source.connect(meter.node);
    return {
      meter,
      dispose: () => {
        source.disconnect();
        meter.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {});
  }
}

let shared: Promise<AudioEngine> | null = null;

/** The page's engine, created on first use. */
export function audioEngine(): Promise<AudioEngine> {
  shared ??= AudioEngine.create().catch((err) => {
    shared = null;
    throw err;
  });
  return shared;
}
