// Measures the one-way latency between the two sides of a lesson, through the real call path
// (Web Audio → WebRTC → SFU → WebRTC → Web Audio), with probe tracks that nobody hears.
import { type LocalTrackPublication, type RemoteParticipant, type RemoteTrack, type RemoteTrackPublication, type Room, RoomEvent, Track } from 'livekit-client';
import type { AudioEngine } from '../audio/engine';
import { median, oneWayLatenciesMs, percentile, ProbeNode } from '../audio/ProbeNode';
import type { AudioMode } from './audioMode';
import { publishOptions } from './audioMode';

/** Probe tracks are named `muse-probe-<run>-<i|r>`: each run finds only its own tracks. */
export const PROBE_TRACK = 'muse-probe';
const TOPIC = 'muse.probe';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface LatencyResult {
  medianMs: number;
  p95Ms: number;
  /** Every one-way figure measured, ms. */
  samples: number[];
  /** Share of the returning probe audio that the receiver's jitter buffer had to conceal, %. */
  concealedPct: number;
  at: Date;
}

type Message = { probe: 'start'; run: string } | { probe: 'stop'; run: string };

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
      if (msg.probe === 'start' && !this.measuring) void this.respond(msg.run);
      if (msg.probe === 'stop' && !this.measuring) void this.teardown();
    });
  }

  /** Runs ~`clicks` probe clicks (one a second) and keeps the median one-way latency. */
  async measure(clicks = 6): Promise<LatencyResult | null> {
    if (this.measuring) return null;
    this.measuring = true;
    this.error = null;
    const run = Math.random().toString(36).slice(2, 10);
    try {
      await this.publishProbe(`${PROBE_TRACK}-${run}-i`);
      await this.send({ probe: 'start', run });
      const remote = await this.remoteProbeTrack(`${PROBE_TRACK}-${run}-r`, 10000);
      this.node = new ProbeNode(this.engine.context, this.engine.dsp, 'initiator');
      this.wire(remote);
      const before = await concealment(remote);
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
      const after = await concealment(remote);
      const concealedPct = (100 * (after.concealed - before.concealed)) / Math.max(1, after.total - before.total);
      this.result = { medianMs: median(ms), p95Ms: percentile(ms, 95), samples: ms, concealedPct, at: new Date() };
      return this.result;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      await this.send({ probe: 'stop', run }).catch(() => {});
      await this.teardown();
      this.measuring = false;
    }
  }

  private async respond(run: string): Promise<void> {
    try {
      await this.publishProbe(`${PROBE_TRACK}-${run}-r`);
      const remote = await this.remoteProbeTrack(`${PROBE_TRACK}-${run}-i`, 10000);
      this.node = new ProbeNode(this.engine.context, this.engine.dsp, 'responder');
      this.wire(remote);
    } catch {
      await this.teardown();
    }
  }

  private async publishProbe(name: string): Promise<void> {
    await this.engine.resume();
    this.dest = this.engine.context.createMediaStreamDestination();
    this.dest.channelCount = 1;
    const track = this.dest.stream.getAudioTracks()[0];
    this.published = await this.room.localParticipant.publishTrack(track, {
      name,
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

  private remoteProbeTrack(name: string, timeoutMs: number): Promise<RemoteTrack> {
    const find = () => {
      for (const p of this.room.remoteParticipants.values()) {
        for (const pub of p.trackPublications.values()) if (pub.trackName === name && pub.track) return pub.track as RemoteTrack;
      }
      return null;
    };
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onSub = (track: RemoteTrack, pub: RemoteTrackPublication, _p: RemoteParticipant) => {
        if (pub.trackName !== name) return;
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

/** Concealed and received sample counters of a remote audio track's inbound stream. */
async function concealment(track: RemoteTrack): Promise<{ concealed: number; total: number }> {
  const report = await track.getRTCStatsReport();
  let out = { concealed: 0, total: 0 };
  report?.forEach((s: RTCStats & { kind?: string; concealedSamples?: number; totalSamplesReceived?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out = { concealed: s.concealedSamples ?? 0, total: s.totalSamplesReceived ?? 0 };
  });
  return out;
}
