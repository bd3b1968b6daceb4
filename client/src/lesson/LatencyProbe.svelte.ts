// Measures the one-way latency between the two sides of a lesson, through the real call path
// (Web Audio → WebRTC → SFU → WebRTC → Web Audio), with probe tracks that nobody hears.
import { type LocalTrackPublication, type RemoteParticipant, type RemoteTrack, type RemoteTrackPublication, type Room, RoomEvent, Track } from 'livekit-client';
import type { AudioEngine } from '../audio/engine';
import { median, oneWayLatenciesMs, percentile, ProbeNode } from '../audio/ProbeNode';
import type { AudioMode } from './audioMode';
import { publishOptions } from './audioMode';

export const PROBE_TRACK = 'muse-probe';
const TOPIC = 'muse.probe';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface LatencyResult {
  medianMs: number;
  p95Ms: number;
  samples: number;
  at: Date;
}

type Message = { probe: 'start' } | { probe: 'stop' };

export class LatencyProbe {
  measuring = $state(false);
  result = $state<LatencyResult | null>(null);
  error = $state<string | null>(null);

  private node: ProbeNode | null = null;
  private published: LocalTrackPublication | null = null;
  private sink: HTMLAudioElement | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private dest: MediaStreamAudioDestinationNode | null = null;

  constructor(
    private readonly room: Room,
    private readonly engine: AudioEngine,
    private readonly mode: () => AudioMode,
  ) {
    room.on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => {
      if (topic !== TOPIC) return;
      const msg = JSON.parse(decoder.decode(payload)) as Message;
      if (msg.probe === 'start' && !this.measuring) void this.respond();
      if (msg.probe === 'stop' && !this.measuring) void this.teardown();
    });
  }

  /** Runs ~`clicks` probe clicks (one a second) and keeps the median one-way latency. */
  async measure(clicks = 6): Promise<LatencyResult | null> {
    if (this.measuring) return null;
    this.measuring = true;
    this.error = null;
    try {
      await this.publishProbe();
      await this.send({ probe: 'start' });
      const remote = await this.remoteProbeTrack(10000);
      this.node = new ProbeNode(this.engine.context, this.engine.dsp, 'initiator');
      this.wire(remote);
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, (clicks + 3) * 1000);
        this.node!.onevent = () => {
          if (this.node!.events.length >= clicks) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      await done;
      const ms = oneWayLatenciesMs(this.node.events);
      if (ms.length === 0) throw new Error('no probe click came back from the other side');
      this.result = { medianMs: median(ms), p95Ms: percentile(ms, 95), samples: ms.length, at: new Date() };
      return this.result;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      await this.send({ probe: 'stop' }).catch(() => {});
      await this.teardown();
      this.measuring = false;
    }
  }

  private async respond(): Promise<void> {
    try {
      await this.publishProbe();
      const remote = await this.remoteProbeTrack(10000);
      this.node = new ProbeNode(this.engine.context, this.engine.dsp, 'responder');
      this.wire(remote);
    } catch {
      await this.teardown();
    }
  }

  private async publishProbe(): Promise<void> {
    await this.engine.resume();
    this.dest = this.engine.context.createMediaStreamDestination();
    this.dest.channelCount = 1;
    const track = this.dest.stream.getAudioTracks()[0];
    this.published = await this.room.localParticipant.publishTrack(track, {
      name: PROBE_TRACK,
      source: Track.Source.Unknown,
      ...publishOptions(this.mode()),
      // The probe is a click train: DTX would gate the silence between clicks, and RED's
      // redundancy is not what is being measured.
      dtx: false,
      red: false,
      forceStereo: false,
    });
  }

  private wire(remote: RemoteTrack): void {
    // Remote WebRTC audio only flows into Web Audio while a media element consumes it.
    this.sink = new Audio();
    this.sink.muted = true;
    remote.attach(this.sink);
    this.source = this.engine.context.createMediaStreamSource(new MediaStream([remote.mediaStreamTrack]));
    this.source.connect(this.node!.node).connect(this.dest!);
  }

  private remoteProbeTrack(timeoutMs: number): Promise<RemoteTrack> {
    const find = () => {
      for (const p of this.room.remoteParticipants.values()) {
        for (const pub of p.trackPublications.values()) if (pub.trackName === PROBE_TRACK && pub.track) return pub.track as RemoteTrack;
      }
      return null;
    };
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onSub = (track: RemoteTrack, pub: RemoteTrackPublication, _p: RemoteParticipant) => {
        if (pub.trackName !== PROBE_TRACK) return;
        clearTimeout(timer);
        this.room.off(RoomEvent.TrackSubscribed, onSub);
        resolve(track);
      };
      const timer = setTimeout(() => {
        this.room.off(RoomEvent.TrackSubscribed, onSub);
        reject(new Error('the other side did not answer the latency probe'));
      }, timeoutMs);
      this.room.on(RoomEvent.TrackSubscribed, onSub);
    });
  }

  private async send(msg: Message): Promise<void> {
    await this.room.localParticipant.publishData(encoder.encode(JSON.stringify(msg)), { reliable: true, topic: TOPIC });
  }

  private async teardown(): Promise<void> {
    this.node?.stop();
    this.node = null;
    this.source?.disconnect();
    this.source = null;
    if (this.sink) {
      this.sink.srcObject = null;
      this.sink = null;
    }
    if (this.published?.track) await this.room.localParticipant.unpublishTrack(this.published.track, true).catch(() => {});
    this.published = null;
    this.dest = null;
  }
}
