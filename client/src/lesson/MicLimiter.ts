// The wasm limiter on the microphone's way to the encoder. With AGC off in music mode, it is what
// stops a fortissimo from clipping the encoder; below its ceiling it is exact.
//
// It is a plain Web Audio graph in the engine's context (raw capture → limiter → MediaStream
// destination), and the session publishes its output as an ordinary track. It is deliberately not
// a livekit-client TrackProcessor: the SDK restarts a processor whenever the room's own audio
// context differs from the track's (on every publish, again on a full reconnect) and stops it when
// that context is released, and each restart stopped the track the sender was sending; the other
// side then heard digital silence after most music-mode re-publishes. Here the processed track
// lives as long as the capture it reads, whatever the SDK does with its contexts.
import { LimiterNode } from '../audio/LimiterNode';

export class MicLimiter {
  readonly processedTrack: MediaStreamTrack;
  readonly limiter: LimiterNode;
  /** The raw capture being limited (what the recording keeps and the music check reports). */
  readonly input: MediaStreamTrack;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly dest: MediaStreamAudioDestinationNode;

  /** `context` must have our worklets loaded (the engine's). */
  constructor(
    context: AudioContext,
    module: WebAssembly.Module,
    input: MediaStreamTrack,
    gainDb = 0,
  ) {
    this.input = input;
    this.limiter = new LimiterNode(context, module, gainDb);
    this.dest = context.createMediaStreamDestination();
    this.dest.channelCount = 2;
    this.source = context.createMediaStreamSource(new MediaStream([input]));
    this.source.connect(this.limiter.node).connect(this.dest);
    this.processedTrack = this.dest.stream.getAudioTracks()[0];
  }

  setGainDb(db: number): void {
    this.limiter.setGainDb(db);
  }

  stop(): void {
    this.source.disconnect();
    this.limiter.disconnect();
    this.processedTrack.stop();
  }
}
