// A load-generator process for bench:load: it hosts some of the benchmark's participants as
// @livekit/rtc-node clients. Each publishes its own violin-like tone as real Opus and listens to its
// partner through the SFU (ContinuityMeter). The parent (scripts/bench-load.ts) forks several of
// these so one JavaScript thread is not the limit, and drives them with the messages in messages.ts.
import { AudioFrame, AudioSource, AudioStream, dispose, LocalAudioTrack, type RemoteTrack, Room, RoomEvent, TrackKind, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { ContinuityMeter } from '../lib/ContinuityMeter';
import { ViolinTone } from '../lib/ViolinTone';
import type { FromHost, ParticipantResult, ParticipantSpec, PublishSettings, SdkStats, ToHost } from './messages';

const RATE = 48000;
/**
 * PCM moves between JavaScript and the SDK in 40 ms blocks: every block is one FFI round trip with
 * protobuf on the JavaScript thread, and at 10 ms blocks that thread, not WebRTC, limits the load
 * generator. WebRTC still encodes 10 ms at a time; the receiver still counts 10 ms frames.
 */
const BLOCK_MS = 40;
const BLOCK = (RATE * BLOCK_MS) / 1000;
const BLOCKS_PER_LOOP = 1000 / BLOCK_MS;

const send = (m: FromHost) => process.send?.(m);

type RtcStats = Awaited<ReturnType<Room['getRtcStats']>>['publisherStats'][number];

interface Counters {
  at: number;
  packetsReceived: number;
  packetsLost: number;
  concealedSamples: number;
  totalSamples: number;
  bytesSent: number;
  jitterMs: number;
  sendCodec: string;
  upstreamLost: number;
}

/**
 * Sums the audio RTP figures of one participant's session stats. Both lists are read for both
 * directions: with LiveKit's single-peer-connection mode the "publisher" connection also receives.
 */
function counters(pub: RtcStats[], sub: RtcStats[]): Counters {
  const all = [...pub, ...sub];
  const c: Counters = { at: performance.now(), packetsReceived: 0, packetsLost: 0, concealedSamples: 0, totalSamples: 0, bytesSent: 0, jitterMs: 0, sendCodec: '', upstreamLost: 0 };
  const codecs = new Map<string, string>();
  for (const s of all) {
    if (s.stats.case === 'codec') {
      const k = s.stats.value.codec;
      codecs.set(s.stats.value.rtc?.id ?? '', `${k?.mimeType ?? '?'}/${k?.channels ?? '?'} ${k?.sdpFmtpLine ?? ''}`);
    }
  }
  for (const s of all) {
    if (s.stats.case === 'outboundRtp' && s.stats.value.stream?.kind === 'audio') {
      c.bytesSent += Number(s.stats.value.sent?.bytesSent ?? 0n);
      c.sendCodec = codecs.get(s.stats.value.stream.codecId ?? '') ?? c.sendCodec;
    }
    if (s.stats.case === 'remoteInboundRtp' && s.stats.value.stream?.kind === 'audio') c.upstreamLost += Number(s.stats.value.received?.packetsLost ?? 0n);
  }
  for (const s of all) {
    if (s.stats.case === 'inboundRtp' && s.stats.value.stream?.kind === 'audio') {
      const v = s.stats.value;
      c.packetsReceived += Number(v.received?.packetsReceived ?? 0n);
      c.packetsLost += Number(v.received?.packetsLost ?? 0n);
      c.concealedSamples += Number(v.inbound?.concealedSamples ?? 0n);
      c.totalSamples += Number(v.inbound?.totalSamplesReceived ?? 0n);
      c.jitterMs = Math.max(c.jitterMs, (v.received?.jitter ?? 0) * 1000);
    }
  }
  return c;
}

class Participant {
  readonly room = new Room();
  readonly meter: ContinuityMeter;
  private source: AudioSource | null = null;
  private sending = false;
  private playing: Promise<void> = Promise.resolve();
  private heard!: Promise<void>;
  private statsAtStart: Counters | null = null;
  joinMs = 0;

  constructor(readonly spec: ParticipantSpec, private readonly publish: PublishSettings) {
    this.meter = new ContinuityMeter({ expectedHz: spec.partnerHz, candidatesHz: spec.candidatesHz });
  }

  async join(url: string): Promise<void> {
    const t0 = performance.now();
    let heard!: () => void;
    this.heard = new Promise<void>((r) => (heard = r));
    this.meter.reset(t0);
    this.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant) => {
      if (track.kind !== TrackKind.KIND_AUDIO || participant.identity !== this.spec.partnerIdentity) return;
      void this.listen(track, heard);
    });
    await this.room.connect(url, this.spec.token, { autoSubscribe: true, dynacast: false });
    const { channels, maxBitrate, dtx, red } = this.publish;
    this.source = new AudioSource(RATE, channels, 4 * BLOCK_MS);
    const track = LocalAudioTrack.createAudioTrack('violin', this.source);
    const options = new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE, dtx, red, audioEncoding: { maxBitrate: BigInt(maxBitrate) } });
    await this.room.localParticipant!.publishTrack(track, options);
    this.playing = this.play();
    await this.heard;
    this.joinMs = performance.now() - t0;
  }

  /** Plays one second of the tone in a loop (it closes seamlessly: whole periods, whole vibrato cycles). */
  private async play(): Promise<void> {
    const { channels } = this.publish;
    const loop = new Int16Array(RATE * channels);
    const tone = new ViolinTone(this.spec.freqHz, { vibratoHz: 5 });
    // ViolinTone moves its vibrato once per call: 10 ms steps, as the loop's closing needs whole cycles.
    for (let i = 0; i < 100; i++) tone.fill(loop.subarray(((i * RATE) / 100) * channels), channels, RATE / 100);
    const frame = AudioFrame.create(RATE, channels, BLOCK);
    this.sending = true;
    let i = 0;
    while (this.sending && this.source) {
      frame.data.set(loop.subarray(i * BLOCK * channels, (i + 1) * BLOCK * channels));
      i = (i + 1) % BLOCKS_PER_LOOP;
      try {
        await this.source.captureFrame(frame);
      } catch {
        return; // closed while leaving
      }
    }
  }

  private async listen(track: RemoteTrack, heard: () => void): Promise<void> {
    const stream = new AudioStream(track, { sampleRate: RATE, numChannels: this.publish.channels, frameSizeMs: BLOCK_MS });
    const reader = stream.getReader();
    let first = true;
    for (;;) {
      const { done, value: f } = await reader.read();
      if (done) return;
      if (first) {
        first = false;
        heard();
      }
      this.meter.push(f.data, f.channels, performance.now());
    }
  }

  async stats(): Promise<Counters | null> {
    try {
      const s = await this.room.getRtcStats();
      return counters(s.publisherStats, s.subscriberStats);
    } catch {
      return null;
    }
  }

  async startMeasuring(): Promise<void> {
    this.statsAtStart = await this.stats();
    this.meter.reset(performance.now());
  }

  async result(): Promise<ParticipantResult> {
    const continuity = this.meter.report(performance.now());
    const end = await this.stats();
    const a = this.statsAtStart;
    let sdk: SdkStats | null = null;
    if (a && end) {
      sdk = {
        packetsReceived: end.packetsReceived - a.packetsReceived,
        packetsLost: end.packetsLost - a.packetsLost,
        concealedSamples: end.concealedSamples - a.concealedSamples,
        totalSamples: end.totalSamples - a.totalSamples,
        jitterMs: end.jitterMs,
        sentKbps: ((end.bytesSent - a.bytesSent) * 8) / (end.at - a.at),
        sendCodec: end.sendCodec,
        upstreamLost: end.upstreamLost - a.upstreamLost,
      };
    }
    return { identity: this.spec.identity, continuity, sdk, joinMs: this.joinMs };
  }

  async leave(): Promise<void> {
    // Let the last captureFrame finish before the source and the FFI go away.
    this.sending = false;
    await this.playing;
    await this.source?.close().catch(() => {});
    await this.room.disconnect().catch(() => {});
  }
}

let participants: Participant[] = [];

process.on('message', (m: ToHost) => {
  void (async () => {
    try {
      if (m.type === 'join') {
        participants = m.participants.map((p) => new Participant(p, m.publish));
        await Promise.all(participants.map((p) => p.join(m.url)));
        send({ type: 'joined' });
      } else if (m.type === 'measure') {
        await Promise.all(participants.map((p) => p.startMeasuring()));
        send({ type: 'measuring' });
      } else if (m.type === 'report') {
        send({ type: 'report', results: await Promise.all(participants.map((p) => p.result())) });
      } else if (m.type === 'leave') {
        await Promise.all(participants.map((p) => p.leave()));
        await dispose().catch(() => {});
        send({ type: 'left' });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 200).unref();
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) });
    }
  })();
});

// The parent went away (Ctrl-C, crash): do not linger as an orphan holding rooms open.
process.on('disconnect', () => setTimeout(() => process.exit(0), 500).unref());
