// The wasm limiter on the microphone's way to the encoder, as a LiveKit track processor (the
// SDK's own hook for audio processing: the sender sends `processedTrack`, while the track's
// `mediaStreamTrack` stays the raw capture that the local recording keeps). With AGC off in music
// mode, it is what stops a fortissimo from clipping the encoder; below its ceiling it is exact.
import type { AudioProcessorOptions, Track, TrackProcessor } from 'livekit-client';
import { LimiterNode } from '../audio/LimiterNode';

export class MicLimiter implements TrackProcessor<Track.Kind.Audio, AudioProcessorOptions> {
  readonly name = 'muse-limiter';
  processedTrack?: MediaStreamTrack;
  limiter: LimiterNode | null = null;
  /** The raw capture the processor was last given (livekit-client hands it a new one after a restart). */
  input: MediaStreamTrack | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private dest: MediaStreamAudioDestinationNode | null = null;

  /** `context` must have our worklets loaded (the engine's); the SDK may offer its own context to init(), which has none. */
  constructor(
    private readonly context: AudioContext,
    private readonly module: WebAssembly.Module,
    private gainDb = 0,
  ) {}

  async init(opts: AudioProcessorOptions): Promise<void> {
    const ctx = this.context;
    this.input = opts.track;
    this.source = ctx.createMediaStreamSource(new MediaStream([opts.track]));
    this.limiter = new LimiterNode(ctx, this.module, this.gainDb);
    this.dest = ctx.createMediaStreamDestination();
    this.dest.channelCount = 2;
    this.source.connect(this.limiter.node).connect(this.dest);
    this.processedTrack = this.dest.stream.getAudioTracks()[0];
  }

  async restart(opts: AudioProcessorOptions): Promise<void> {
    await this.destroy();
    await this.init(opts);
  }

  async destroy(): Promise<void> {
    this.source?.disconnect();
    this.limiter?.disconnect();
    this.processedTrack?.stop();
    this.source = null;
    this.limiter = null;
    this.dest = null;
    this.processedTrack = undefined;
  }

  setGainDb(db: number): void {
    this.gainDb = db;
    this.limiter?.setGainDb(db);
  }
}
