// The one AudioContext of the page: loads the worklets and compiles the DSP wasm once, then
// hands out nodes. UI code never touches the AudioContext directly.
import wasmUrl from '../../../wasm/build/muse-dsp.wasm?url';
import { engineDefaults, type EngineOptions } from './defaults';
import { AudioEngineError, AudioErrorCode } from './errors';
import { MuseAnalyserNode } from './AnalyserNode';
import { MetronomeNode } from './MetronomeNode';
import analyserWorkletUrl from './worklets/analyser.worklet.ts?worker&url';
import metronomeWorkletUrl from './worklets/metronome.worklet.ts?worker&url';
import probeWorkletUrl from './worklets/probe.worklet.ts?worker&url';
import recorderWorkletUrl from './worklets/recorder.worklet.ts?worker&url';

/** Loads our worklets into any context (live or offline). */
export async function addWorklets(context: BaseAudioContext): Promise<void> {
  await Promise.all([analyserWorkletUrl, metronomeWorkletUrl, probeWorkletUrl, recorderWorkletUrl].map((url) => context.audioWorklet.addModule(url)));
}

/** Compiles the DSP module once, on the main thread (worklets cannot fetch). */
export async function compileDsp(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch (cause) {
    throw new AudioEngineError(AudioErrorCode.WasmLoadFailed, `The DSP module (${wasmUrl}) could not be loaded`, { cause });
  }
}

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
    const dsp = await compileDsp();
    try {
      await addWorklets(context);
    } catch (cause) {
      throw new AudioEngineError(AudioErrorCode.WorkletLoadFailed, 'The audio worklet could not be loaded', { cause });
    }
    return new AudioEngine(context, dsp);
  }

  /** Resumes the context; browsers start it suspended until the person has interacted. */
  async resume(): Promise<void> {
    if (this.context.state !== 'running') await this.context.resume().catch(() => {});
  }

  /** Meters and tuner fed by `track` (local or remote). Dispose of it when the track goes. */
  analyserFor(track: MediaStreamTrack): { analyser: MuseAnalyserNode; dispose(): void } {
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    const analyser = new MuseAnalyserNode(this.context, this.dsp);
    source.connect(analyser.node);
    return {
      analyser,
      dispose: () => {
        source.disconnect();
        analyser.disconnect();
      },
    };
  }

  /**
   * A stream for MediaRecorder that outlives the microphone track: `follow()` switches its source to whichever
   * track is current (music mode re-publishes the microphone as a new track), so one recording spans both modes.
   */
  recordingTap(channels = 2): { stream: MediaStream; follow(track: MediaStreamTrack | null): void; dispose(): void } {
    const destination = this.context.createMediaStreamDestination();
    destination.channelCount = channels;
    let source: MediaStreamAudioSourceNode | null = null;
    const follow = (track: MediaStreamTrack | null) => {
      if (source?.mediaStream.getAudioTracks()[0] === track) return;
      source?.disconnect();
      source = track ? this.context.createMediaStreamSource(new MediaStream([track])) : null;
      source?.connect(destination);
    };
    return {
      stream: destination.stream,
      follow,
      dispose: () => {
        source?.disconnect();
        destination.stream.getTracks().forEach((t) => t.stop());
      },
    };
  }

  /** A metronome playing to the speakers (never into the published microphone). */
  metronome(): MetronomeNode {
    const m = new MetronomeNode(this.context, this.dsp);
    m.node.connect(this.context.destination);
    return m;
  }

  /**
   * Relates the audio clock to performance.now(): the context time being heard at a page time.
   * getOutputTimestamp() includes the output latency, so frames map to when they sound.
   */
  private outputStamp(): { contextTime: number; performanceTime: number } {
    const ts = this.context.getOutputTimestamp?.();
    if (ts && ts.performanceTime && ts.contextTime !== undefined) return { contextTime: ts.contextTime, performanceTime: ts.performanceTime };
    // No timestamp yet (or no support): estimate from the reported latencies.
    const latency = (this.context.baseLatency ?? 0) + (this.context.outputLatency ?? 0);
    return { contextTime: this.context.currentTime - latency, performanceTime: performance.now() };
  }

  /**
   * Page time minus context time (ms) of the sound coming out now. Steady while the audio runs
   * smoothly; a glitch (an underrun, a device change) moves it, and what was scheduled by the old
   * value then sounds late.
   */
  outputOffsetMs(): number {
    const ts = this.outputStamp();
    return ts.performanceTime - ts.contextTime * 1000;
  }

  /** The context frame that sounds at page time `perfMs` (performance.now() scale). */
  frameAtPerfTime(perfMs: number): number {
    const ts = this.outputStamp();
    return (ts.contextTime + (perfMs - ts.performanceTime) / 1000) * this.context.sampleRate;
  }

  /** The page time (performance.now() scale) at which context frame `frame` sounds. */
  perfTimeAtFrame(frame: number): number {
    const ts = this.outputStamp();
    return ts.performanceTime + (frame / this.context.sampleRate - ts.contextTime) * 1000;
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
