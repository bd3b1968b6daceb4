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
import limiterWorkletUrl from './worklets/limiter.worklet.ts?worker&url';
import duetCaptureWorkletUrl from './worklets/duetCapture.worklet.ts?worker&url';
import duetPlaybackWorkletUrl from './worklets/duetPlayback.worklet.ts?worker&url';

/** Loads our worklets into any context (live or offline). */
export async function addWorklets(context: BaseAudioContext): Promise<void> {
  const urls = [analyserWorkletUrl, metronomeWorkletUrl, probeWorkletUrl, recorderWorkletUrl, limiterWorkletUrl, duetCaptureWorkletUrl, duetPlaybackWorkletUrl];
  await Promise.all(urls.map((url) => context.audioWorklet.addModule(url)));
}

/** Compiles the DSP module once, on the main thread (worklets cannot fetch). */
export async function compileDsp(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch (cause) {
    throw new AudioEngineError(AudioErrorCode.WasmLoadFailed, `The DSP module (${wasmUrl}) could not be loaded`, { cause });
  }
}

/** Level of each input of the lesson mix (−3 dB): two players at full scale sum to about 1.4, not 2. */
export const MIX_GAIN = Math.SQRT1_2;

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

  /**
   * The lesson as heard, for MediaRecorder: the local microphone and each remote participant's audio summed into one
   * stream (Web Audio's own mixing, no worklet). Each input comes in at MIX_GAIN so two loud players rarely clip.
   * `set(key, track)` adds, replaces (null removes) an input: 'local' for the microphone, identities for the others.
   */
  recordingMix(channels = 2): { stream: MediaStream; set(key: string, input: MediaStreamTrack | AudioNode | null): void; keys(): string[]; dispose(): void } {
    const destination = this.context.createMediaStreamDestination();
    destination.channelCount = channels;
    // An input is a track (a microphone) or a node of this context (the duet path's playback).
    const inputs = new Map<string, { input: MediaStreamTrack | AudioNode; source: AudioNode; gain: GainNode }>();
    const remove = (key: string) => {
      const input = inputs.get(key);
      if (!input) return;
      if (input.source === input.input) {
        try {
          input.source.disconnect(input.gain); // a node that others use too: only our connection
        } catch {
          // already disconnected
        }
      } else input.source.disconnect();
      input.gain.disconnect();
      inputs.delete(key);
    };
    const set = (key: string, input: MediaStreamTrack | AudioNode | null) => {
      if (inputs.get(key)?.input === input) return;
      remove(key);
      if (!input) return;
      const source = input instanceof AudioNode ? input : this.context.createMediaStreamSource(new MediaStream([input]));
      const gain = new GainNode(this.context, { gain: MIX_GAIN });
      source.connect(gain).connect(destination);
      inputs.set(key, { input, source, gain });
    };
    return {
      stream: destination.stream,
      set,
      keys: () => [...inputs.keys()],
      dispose: () => {
        for (const key of [...inputs.keys()]) remove(key);
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
   * Relates the audio clock to performance.now(): page time minus context time (ms) of the sound
   * coming out, from getOutputTimestamp() (output latency included). One reading can be off by
   * a late audio callback on a busy machine, so the median of the readings of the last ~350 ms
   * is used (sampled every 50 ms while anyone asks): a real shift (an underrun, a device change)
   * is followed within a few readings, a one-off blip is not.
   */
  private rawOffsetMs(): number {
    const ts = this.context.getOutputTimestamp?.();
    if (ts && ts.performanceTime && ts.contextTime !== undefined) return ts.performanceTime - ts.contextTime * 1000;
    // No timestamp yet (or no support): estimate from the reported latencies.
    const latency = (this.context.baseLatency ?? 0) + (this.context.outputLatency ?? 0);
    return performance.now() - (this.context.currentTime - latency) * 1000;
  }

  private offsets: number[] = [];
  private sampler: ReturnType<typeof setInterval> | null = null;
  private lastAsked = 0;

  /** Page time minus context time (ms) of the sound coming out now (see rawOffsetMs). */
  outputOffsetMs(): number {
    this.lastAsked = performance.now();
    if (!this.sampler) {
      this.offsets = [this.rawOffsetMs()];
      this.sampler = setInterval(() => {
        this.offsets.push(this.rawOffsetMs());
        if (this.offsets.length > 7) this.offsets.shift();
        // Nobody has asked for 10 s: stop sampling.
        if (performance.now() - this.lastAsked > 10_000 && this.sampler) {
          clearInterval(this.sampler);
          this.sampler = null;
        }
      }, 50);
    }
    const sorted = [...this.offsets].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }

  /** The context frame that sounds at page time `perfMs` (performance.now() scale). */
  frameAtPerfTime(perfMs: number): number {
    return ((perfMs - this.outputOffsetMs()) / 1000) * this.context.sampleRate;
  }

  /** The page time (performance.now() scale) at which context frame `frame` sounds. */
  perfTimeAtFrame(frame: number): number {
    return (frame / this.context.sampleRate) * 1000 + this.outputOffsetMs();
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
