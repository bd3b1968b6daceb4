// Duet mode: both sides hear each other through a path built for playing together, not the
// WebRTC audio track. Microphone → capture worklet (frames of 2.5–10 ms) → SharedArrayBuffer
// ring → Opus (WebCodecs, short frames) or 16-bit PCM → LiveKit lossy data packets through the
// same SFU → decode → ring → playback worklet with the wasm jitter buffer → the output.
// With `carrier: 'rtp'` the frames ride RTP on a "duet" audio track instead (duetRtp.ts): the
// capture ring is read and the playback ring written by a worker, not this page thread.
import { type DataChannelKind, type DataPacket_Kind, type RemoteParticipant, type Room, RoomEvent } from 'livekit-client';
import type { AudioEngine } from '../audio/engine';
import { ProbeNode } from '../audio/ProbeNode';
import { createDuetRing, DUET_CAPTURE_FRAMES, DuetStat, type DuetRing, duetRing, DUET_MAX_FRAME, ringAvailable, ringDropped, ringPeek, ringRelease, ringWrite, RING_WRITE_INDEX } from '../audio/duetRing';
import { type ClockSync, nowMs } from './ClockSync.svelte';
import { duetInboundMs } from './duetLatency';
import { DUET_RTP_TRACK, DuetRtp, duetRtpEnabled, duetRtpSupported, peersReadDuetRtp } from './duetRtp';
import type { DuetRtpStats } from './duetRtp.worker';
import { decodePcm16, type DuetCodec, encodePcm16, packDuet, unpackDuet } from './duetPacket';
import { LossyPacketWriter, readLossyUserPacket } from './lossyPacket';

export { type DuetCodec, type DuetHeader, packDuet, unpackDuet } from './duetPacket';

export interface DuetOptions {
  codec: DuetCodec;
  /** Samples per frame at 48 kHz: 120, 240 or 480 (2.5, 5, 10 ms). */
  frame: number;
  /** Opus bitrate, bits/s. */
  bitrate: number;
  /** Against loss on the data channel: the previous frame rides in each packet. */
  redundancy: boolean;
  /** Read duet packets straight off the data channel (false: through LiveKit's DataReceived event,
   *  the bench's baseline for this). */
  directReceive: boolean;
  /** Quantile of the transit spread the receiver's jitter buffer covers (JitterOptions.quantile). */
  quantile: number;
  /** Move from Tight to Steady by itself when Tight repairs too much (DUET_AUTO_STEADY; the
   *  benchmark turns it off to measure Tight as it is). */
  autoSteady: boolean;
  /** What carries the frames: RTP on a "duet" audio track (WebRTC Encoded Transform in a worker;
   *  see duetRtp.ts; PCM, or Opus from libopus in that worker with the previous packet's frames
   *  repeated in each, `?duet=opus-120-rtp`), or LiveKit's lossy data packets (browsers without
   *  Encoded Transform, and `?duet=pcm-120-data`; Opus there is WebCodecs on the page thread). */
  carrier: 'data' | 'rtp';
  /** When an RTP packet leaves: 'capture', as soon as the capture worklet has written a frame (the
   *  duet track's sound is written by the worker itself, a MediaStreamTrackGenerator; Chromium),
   *  or 'tick', at WebRTC's own 10 ms audio steps (a silent Web Audio source; every browser with
   *  Encoded Transform, and what a browser without the generator uses). */
  rtpPacing: 'capture' | 'tick';
  /** RTP: each packet a second time 3–15 ms later (duetRtp.worker.ts, REPEAT_*). Off: over the
   *  simulated Seoul link it concealed more, not less (6.6 % against 4.4 %, 99 against 88 ms), and
   *  cost ~5 points of a core on loopback (bench:duet `-rep`, session 9). */
  rtpRepeat: boolean;
}

// 2.5 ms frames: lower delay than 5 ms in every bench:duet run so far; RTP: as fast as the data
// channel on loopback and far less lost over the simulated Seoul link (README, Duet mode).
export const DUET_DEFAULTS: DuetOptions = { codec: 'pcm', frame: 120, bitrate: 128_000, redundancy: true, directReceive: true, quantile: 0.995, autoSteady: true, carrier: 'rtp', rtpPacing: 'capture', rtpRepeat: false };

/** What carries a duet's frames in this room now: RTP (PCM, or Opus made in its worker) only from a page readied
 *  for it before joining, and only when every other participant reads it (duetRtp.ts); the other
 *  side makes the same choice from the same facts. */
export function duetCarrier(o: Pick<DuetOptions, 'carrier'>, room: Room): DuetOptions['carrier'] {
  return o.carrier === 'rtp' && duetRtpEnabled() && peersReadDuetRtp(room) ? 'rtp' : 'data';
}

/** Whether a page joining with these options carries duet frames in RTP when the others read it
 *  (and so reads them itself, and says so when joining): not `-data`, in a browser with
 *  WebRTC Encoded Transform. */
export function wantsDuetRtp(options: Partial<DuetOptions>): boolean {
  const o = { ...DUET_DEFAULTS, ...options };
  return o.carrier === 'rtp' && duetRtpSupported();
}

/** How much of the arrival jitter the listener's buffer covers: 'tight' plays late frames as
 *  repairs for the lowest delay, 'steady' waits for nearly all of them. Steady is the default: in
 *  bench:duet's same-run comparisons (loopback, RTP, 2.5 ms PCM frames) it cost 1.4–7 ms more
 *  (median 11.9–23.2 ms, inside issue 5's 25 ms) and repaired 0–65 times a minute, where Tight
 *  repaired 87–385 times (an audible crackle several times a second). Tight stays a choice. */
export type DuetBuffer = 'tight' | 'steady';
export const DUET_BUFFER_QUANTILE: Record<DuetBuffer, number> = { tight: 0.97, steady: 0.995 };
const BUFFER_KEY = 'muse.duetBuffer';
/** This browser's buffer choice (each side chooses for what it hears). */
export function storedDuetBuffer(): DuetBuffer {
  try {
    const v = globalThis.localStorage?.getItem(BUFFER_KEY);
    return v === 'steady' || v === 'tight' ? v : 'steady';
  } catch {
    return 'steady';
  }
}

/** Concealed share of the output (over the last 4 s) above which a listener on Tight is moved to
 *  Steady. By construction Tight plays ~3 % of frames late (its 97th percentile), and each lost
 *  packet of a long link adds its 10 ms: over the simulated Seoul link Tight concealed 3.5–5.8 %
 *  in bench:duet, at or over DUET_POOR_CONCEALED, Steady 2.0–2.5 % for 5–14 ms more. */
export const DUET_AUTO_STEADY = 0.03;

/** Concealed share of the output over the last 4 s on Steady above which a listener in RTP asks the
 *  other side for Opus with each packet repeating the one before (for the rest of the duet): over
 *  the emulated Seoul link (2 % loss) Steady concealed 2.3–2.7 % with PCM and 0.32 % with Opus and
 *  the repeat, at the same delay; on loopback Steady concealed 0.05–0.48 %, where there is nothing
 *  to recover (bench:duet, session 10). */
export const DUET_ASK_REPEAT = 0.01;
/** Stats ticks (4 a second) before a listener may ask for repeats: its first seconds are the buffer
 *  finding its delay, whose repairs are not loss. Without it every loopback run of bench:duet's
 *  Steady row asked at the first chance (3.6–4.1 s) though nothing was lost, and went to Opus. */
export const DUET_ASK_WARMUP_TICKS = 32;

/** Concealed share of the output (over the last few seconds) above which duet playing is pointless. */
export const DUET_POOR_CONCEALED = 0.05;
/** Jitter-buffer delay above which duet playing is pointless, ms. */
export const DUET_POOR_BUFFER_MS = 40;

/** Options from a `?duet=opus-240` / `pcm-120` / `pcm-120-data` URL parameter (a troubleshooting
 *  switch, and what the benchmark uses). */
export function duetOptionsFrom(param: string | null): Partial<DuetOptions> {
  const m = /^(opus|pcm)(?:-(120|240|480))?(?:-(rtp|rtptick|data))?$/.exec(param ?? '');
  if (!m) return {};
  // Opus was measured with 5 ms frames only: that stays its frame unless one is named.
  const carrier = m[3] === 'rtptick' ? { carrier: 'rtp' as const, rtpPacing: 'tick' as const } : m[3] ? { carrier: m[3] as DuetOptions['carrier'] } : {};
  return { codec: m[1] as DuetCodec, ...(m[2] ? { frame: Number(m[2]) } : m[1] === 'opus' ? { frame: 240 } : {}), ...carrier };
}

/** Seconds of duet mode with not one packet from the other side after which the path counts as poor. */
export const DUET_SILENT_S = 5;

export const DUET_TOPIC = 'duet';
/** Most frames one packet carries (a main thread that woke late sends its backlog in a few packets, not one per frame). */
export const DUET_MAX_BATCH = 16;
/** Payload bytes above which a batch is closed (big messages are split by SCTP, and one lost piece loses all). */
const MAX_BATCH_BYTES = 6000;
/** Encoded frames kept waiting for the data channel before the oldest are given up, ~1 s of 5 ms frames. */
const MAX_PENDING = 200;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export class Duet {
  running = $state(false);
  /** One-way latency from the other side to here (mouth to ear, estimated), ms. */
  inboundMs = $state<number | null>(null);
  /** One-way latency from here to the other side, as they measured it, ms. */
  outboundMs = $state<number | null>(null);
  /** What the jitter buffer adds now, ms. */
  bufferMs = $state<number | null>(null);
  /** Share of the output that was concealment over the last few seconds. */
  concealedRatio = $state(0);
  /** This side or the other finds the path too poor for duet playing. */
  poor = $state(false);
  /** The listener's buffer choice (see DuetBuffer). */
  buffer = $state<DuetBuffer>('steady');
  /** This duet moved itself from Tight to Steady (DUET_AUTO_STEADY); the page says so. */
  autoSteady = $state(false);
  /** The listener chose a buffer during this duet: no automatic move after that. */
  private chosenHere = false;
  theyFindItPoor = $state(false);
  /** Packets received (plain fields: set per packet, hundreds of times a second, so they are not
   *  reactive; readStats copies what the page shows four times a second). */
  packetsIn = 0;
  private lastReportMs = NaN;
  private lastTheyPoor = false;
  /** Why starting failed. */
  error = $state<string | null>(null);
  /** Browser tests only: the share of arriving packets to drop, as a path with that much loss would. */
  get dropInbound(): number {
    return this.dropShare;
  }
  set dropInbound(share: number) {
    this.dropShare = share;
    this.rtp?.control({ dropIn: share });
  }
  private dropShare = 0;
  /** Output tap (tests and meters): what the playback worklet plays. */
  analyser: AnalyserNode | null = null;
  readonly codec: DuetCodec;
  /** ms spent encoding, per frame (median of recent frames; the RTP carrier: mean over the duet, in its worker). */
  encodeMs = $state<number | null>(null);
  /** RTP carrier: mean time to decode one received frame in the worker, ms. */
  rtpDecodeMs: number | null = null;
  /** RTP: time this page's worker took to instantiate libopus and warm it up, ms (null: not in this duet). */
  private opusWarmMs: number | null = null;
  /** RTP: the worker's last two reports (half a second): longest time on one outgoing packet, longest wait between two incoming, ms. */
  private workerGaps: [number, number][] = [];

  private readonly o: DuetOptions;
  private captureSab: SharedArrayBuffer | null = null;
  private playRing: DuetRing | null = null;
  private statsView: Float64Array | null = null;
  private capture: AudioWorkletNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private playback: AudioWorkletNode | null = null;
  private encoder: AudioEncoder | null = null;
  private decoder: AudioDecoder | null = null;
  /** Frames handed to the Opus encoder, oldest first, until their output comes back. */
  private encoding: { timestamp: number; seq: number; senderMs: number; t0: number }[] = [];
  /** Packets given to the Opus decoder, oldest first, until their output comes back. */
  private decodeMeta: { seq: number; t0: number }[] = [];
  /** Encoded frames not yet sent, oldest first (consecutive sequence numbers). */
  private pending: { seq: number; senderMs: number; bytes: Uint8Array }[] = [];
  /** The last frame sent, repeated at the head of the next packet. */
  private lastSent: { seq: number; senderMs: number; bytes: Uint8Array } | null = null;
  private captureRing: DuetRing | null = null;
  /** Sender counters: packets and frames sent, frames given up because the channel stayed full. */
  private packetsOut = 0;
  private framesOut = 0;
  private framesGivenUp = 0;
  private heldForChannel = 0;
  private framesIn = 0;
  private seen = new Int32Array(64).fill(-1);
  private transits: number[] = [];
  private encodeTimes: number[] = [];
  /** Recent frames' wait between capture (last sample) and the sending thread, ms. */
  private sendLags: number[] = [];
  /** Recent frames' time in the Opus decoder (decode() to its output), ms. */
  private decodeLags: number[] = [];
  private writer: LossyPacketWriter | null = null;
  /** Packets written straight onto the lossy data channel (the rest went through publishData). */
  private sentDirect = 0;
  private bytesSent = 0;
  private bytesSentAt = { bytes: 0, ms: 0 };
  /** Bytes a second written straight onto the channel, over the last stats period. */
  private byteRate = 0;
  /** Sequence number of the last Opus frame given to the decoder. */
  private lastDecoded: number | null = null;
  /** Opus frames that arrived after a newer one had been decoded. */
  private overtaken = 0;
  private history: { concealed: number; output: number }[] = [];
  /** readStats() calls in this duet (4 a second), and how far into the duet this listener asked for repeats (s). */
  private statTicks = 0;
  private askedAtS = NaN;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastFrom: string | null = null;
  /** The RTP carrier, when it carries the frames. */
  private rtp: DuetRtp | null = null;
  private startedAt = 0;
  /** The carrier asked for (DuetOptions.carrier), before the room's browsers were taken into account. */
  private readonly askedCarrier: DuetOptions['carrier'];
  /** Whether the room's participants now call for the other carrier (someone joined, or left, whose
   *  browser reads duet RTP differently): both sides must use one, so this duet must start again. */
  carrierStale(): boolean {
    return this.room.remoteParticipants.size > 0 && duetCarrier({ ...this.o, carrier: this.askedCarrier }, this.room) !== this.o.carrier;
  }
  /** What carries this side's frames (DuetOptions.carrier, as resolved for this browser). */
  get carrier(): DuetOptions['carrier'] {
    return this.o.carrier;
  }
  /** When this side's RTP packets leave (DuetOptions.rtpPacing as this browser can do it), or null on the data channel. */
  get rtpPacing(): DuetOptions['rtpPacing'] | null {
    return this.rtp?.pacing ?? null;
  }
  /** Writes into the duet track made at captured frames (capture pacing). */
  private paced = 0;
  /** RTP: writes into the duet track begun, and encoded frames the send transform was given. */
  private pacerWrites = 0;
  /** RTP Opus: frames first heard from a later packet's repeated head; packets that could not be decoded. */
  private framesRecovered = 0;
  private undecodable = 0;
  private opusOut = 0;
  /** This listener asked the other side for Opus with repeats (DUET_ASK_REPEAT); kept for the rest of the duet. */
  askingRepeat = $state(false);
  private sendFrames = 0;
  /** RTP: packets sent twice, and frames that arrived again (redundancy). */
  private packetsRepeated = 0;
  private framesDuplicate = 0;
  private readonly onData = (payload: Uint8Array, p?: RemoteParticipant, _k?: DataPacket_Kind, topic?: string) => {
    if (topic === DUET_TOPIC && p) this.receive(payload, p.identity);
  };

  constructor(
    private readonly room: Room,
    private readonly engine: AudioEngine,
    private readonly clocks: ClockSync | null,
    options: Partial<DuetOptions> = {},
  ) {
    // A quantile given (the benchmark's rows) names the buffer it is closest to, so what the page
    // shows and does (the ask for repeats is Steady's) follows what plays.
    this.buffer = options.quantile === undefined ? storedDuetBuffer() : options.quantile >= DUET_BUFFER_QUANTILE.steady ? 'steady' : 'tight';
    this.o = { ...DUET_DEFAULTS, quantile: DUET_BUFFER_QUANTILE[this.buffer], ...options };
    this.askedCarrier = this.o.carrier;
    this.o.carrier = duetCarrier(this.o, room);
    this.codec = this.o.codec;
  }

  /** Starts sending `mic` and playing what arrives. */
  async start(mic: MediaStreamTrack): Promise<void> {
    if (this.running) return;
    if (!crossOriginIsolated) {
      this.error = 'This page is not cross-origin isolated, so duet mode cannot share memory with the audio thread. Reload the page.';
      return;
    }
    const ctx = this.engine.context;
    // Opus in RTP is libopus in the RTP worker; on the data channel, WebCodecs on this thread.
    if (this.o.codec === 'opus' && this.o.carrier !== 'rtp') await this.openOpus();
    this.captureSab = createDuetRing(DUET_CAPTURE_FRAMES);
    this.captureRing = duetRing(this.captureSab);
    const playSab = createDuetRing();
    this.playRing = duetRing(playSab);
    const stats = new SharedArrayBuffer(DuetStat.Length * 8);
    this.statsView = new Float64Array(stats);
    this.playback = new AudioWorkletNode(ctx, 'muse-duet-playback', {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [2],
      processorOptions: { module: this.engine.dsp, ring: playSab, stats, frame: this.o.frame, quantile: this.o.quantile },
    });
    this.playback.connect(ctx.destination);
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 16384;
    this.analyser.smoothingTimeConstant = 0;
    this.playback.connect(this.analyser);
    this.source = ctx.createMediaStreamSource(new MediaStream([mic]));
    this.capture = new AudioWorkletNode(ctx, 'muse-duet-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { ring: this.captureSab, frame: this.o.frame },
    });
    this.source.connect(this.capture);
    this.running = true;
    this.startedAt = performance.now();
    if (this.o.carrier === 'rtp') {
      this.rtp = new DuetRtp(this.room, ctx, this.captureSab, playSab, this.o.frame, this.o.rtpPacing, this.o.rtpRepeat, this.o.codec, this.o.bitrate, (st) => this.onRtpStats(st), (m) => (this.error = m));
      this.rtp.control({ clockMs: this.captureClockMs(), dropIn: this.dropShare });
      try {
        await this.rtp.start();
      } catch (err) {
        this.error = `The duet track could not be published: ${err instanceof Error ? err.message : String(err)}. Leave and rejoin the lesson.`;
      }
    } else {
      this.room.on(RoomEvent.DataReceived, this.onData);
      if (this.o.directReceive) this.tapChannels();
      void this.pump();
    }
    this.timer = setInterval(() => this.readStats(), 250);
  }

  /** Follows a new microphone track (music mode re-publishes it). */
  follow(mic: MediaStreamTrack): void {
    if (!this.capture || this.source?.mediaStream.getAudioTracks()[0] === mic) return;
    this.source?.disconnect();
    this.source = this.engine.context.createMediaStreamSource(new MediaStream([mic]));
    this.source.connect(this.capture);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.room.off(RoomEvent.DataReceived, this.onData);
    this.untapChannels();
    void this.rtp?.stop();
    this.rtp = null;
    if (this.timer) clearInterval(this.timer);
    this.capture?.port.postMessage('stop');
    this.playback?.port.postMessage('stop');
    this.source?.disconnect();
    this.capture?.disconnect();
    this.playback?.disconnect();
    this.analyser?.disconnect();
    if (this.encoder?.state !== 'closed') this.encoder?.close();
    if (this.decoder?.state !== 'closed') this.decoder?.close();
    this.encoder = null;
    this.decoder = null;
  }

  private async openOpus(): Promise<void> {
    const frameDuration = Math.round((this.o.frame / 48000) * 1e6);
    const base: AudioEncoderConfig = { codec: 'opus', sampleRate: 48000, numberOfChannels: 1, bitrate: this.o.bitrate, opus: { frameDuration, complexity: 5 } };
    // Opus's restricted low-delay mode (CELT only) drops the 4 ms of lookahead the speech modes
    // keep; browsers that do not know the option yet get the plain configuration.
    const lowDelay: AudioEncoderConfig = { ...base, opus: { ...base.opus, application: 'lowdelay', signal: 'music' } as OpusEncoderConfig };
    const supported = async (c: AudioEncoderConfig) => typeof AudioEncoder !== 'undefined' && (await AudioEncoder.isConfigSupported(c).catch(() => ({ supported: false }))).supported === true;
    const config = (await supported(lowDelay)) ? lowDelay : base;
    this.opusMode = config === lowDelay ? 'lowdelay' : 'audio';
    const ok = config === lowDelay || (await supported(base));
    if (!ok) throw new Error(`This browser cannot encode Opus with ${(this.o.frame / 48).toFixed(1)} ms frames (WebCodecs). Use the PCM option on a fast network.`);
    this.encoder = new AudioEncoder({
      output: (chunk) => {
        // Outputs come in input order; the encoder may stamp them itself, so match by order
        // and skip inputs that produced nothing (a timestamp more than half a frame behind).
        const half = ((this.o.frame / 48000) * 1e6) / 2;
        while (this.encoding.length > 1 && this.encoding[0].timestamp + half < chunk.timestamp) this.encoding.shift();
        const meta = this.encoding.shift();
        if (!meta) return;
        const bytes = new Uint8Array(chunk.byteLength);
        chunk.copyTo(bytes);
        this.noteEncode(performance.now() - meta.t0);
        this.queue(meta.seq, meta.senderMs, bytes);
        this.flush();
      },
      error: (e) => (this.error = `Opus encoder: ${e.message}`),
    });
    this.encoder.configure(config);
  }

  private openDecoder(): AudioDecoder {
    const d = new AudioDecoder({
      output: (data) => {
        // One output per packet, in input order. The output's timestamp is the decoder's own
        // running count (Chromium: first input's timestamp + samples decoded), so after a lost
        // packet it no longer names its input: matching by timestamp dropped the frames after a
        // loss and labelled every later one with an older sequence number (seen in Chromium 156).
        const meta = this.decodeMeta.shift();
        if (meta === undefined || !this.playRing) return data.close();
        const seq = meta.seq;
        this.noteLag(this.decodeLags, performance.now() - meta.t0);
        const n = Math.min(DUET_MAX_FRAME, data.numberOfFrames);
        const pcm = this.scratch.subarray(0, n);
        data.copyTo(pcm, { planeIndex: 0, format: 'f32-planar' });
        data.close();
        ringWrite(this.playRing, seq, pcm, n, 0);
      },
      error: (e) => (this.error = `Opus decoder: ${e.message}`),
    });
    d.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 1 });
    return d;
  }

  private readonly scratch = new Float32Array(DUET_MAX_FRAME);
  /** Opus application the encoder runs in ('lowdelay' where the browser offers it). */
  opusMode: 'lowdelay' | 'audio' | null = null;

  /** Moves captured frames to the encoder as the capture worklet writes them. Each wake-up takes
   *  every frame waiting (a late timer on a loaded machine means a backlog, never a loss). */
  private async pump(): Promise<void> {
    const ring = this.captureRing!;
    const ctx = this.engine.context;
    while (this.running) {
      while (ringAvailable(ring) > 0) {
        const slot = ringPeek(ring);
        const seq = ring.meta[slot * 2] >>> 0;
        const n = ring.meta[slot * 2 + 1];
        const frame = ring.stamp[slot];
        // The frame's first sample on the page clock: when the audio thread handled it.
        const senderMs = performance.timeOrigin + this.engine.perfTimeAtFrame(frame) - (ctx.outputLatency || 0) * 1000;
        const pcm = ring.data.subarray(slot * DUET_MAX_FRAME, slot * DUET_MAX_FRAME + n);
        const t0 = performance.now();
        // How long the frame waited for this thread after its last sample was captured.
        this.noteLag(this.sendLags, t0 - (this.engine.perfTimeAtFrame(frame + n) - (ctx.outputLatency || 0) * 1000));
        if (this.encoder) {
          const timestamp = Math.round((frame / 48000) * 1e6);
          this.encoding.push({ timestamp, seq, senderMs, t0 });
          const data = new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: n, numberOfChannels: 1, timestamp, data: pcm.slice() });
          this.encoder.encode(data);
          data.close();
        } else {
          const bytes = new Uint8Array(n * 2);
          encodePcm16(pcm, 0, n, bytes);
          this.noteEncode(performance.now() - t0);
          this.queue(seq, senderMs, bytes);
        }
        ringRelease(ring);
      }
      this.flush();
      const w = Atomics.load(ring.ctl, RING_WRITE_INDEX);
      const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync(ring.ctl, RING_WRITE_INDEX, w, 100);
      if (wait.async) await wait.value;
    }
  }

  private noteLag(into: number[], ms: number): void {
    into.push(ms);
    if (into.length > 400) into.shift();
  }

  private noteEncode(ms: number): void {
    this.encodeTimes.push(ms);
    if (this.encodeTimes.length > 200) this.encodeTimes.shift();
  }

  private queue(seq: number, senderMs: number, bytes: Uint8Array): void {
    this.pending.push({ seq, senderMs, bytes });
    if (this.pending.length > MAX_PENDING) this.framesGivenUp += this.pending.splice(0, this.pending.length - MAX_PENDING).length;
  }

  /** The lossy data channel has room. Above its low threshold LiveKit's own lossy sends are dropped
   *  silently, so we wait there rather than lose frames. LiveKit tunes that threshold to ~100 ms of
   *  the bytes *it* sent; ours bypass it (see send()), so the gate also allows ~100 ms of ours. */
  private channelHasRoom(): boolean {
    const dc = this.room.engine?.dataChannelForKind(1 as DataChannelKind);
    return !dc || dc.bufferedAmount <= Math.max(dc.bufferedAmountLowThreshold, this.byteRate / 10, 8192);
  }

  /** Sends what is waiting, several frames per packet, as long as the data channel takes it. */
  private flush(): void {
    while (this.pending.length > 0) {
      if (!this.channelHasRoom()) {
        this.heldForChannel++;
        return; // the next frame from the capture ring wakes the pump again within a frame
      }
      const batch: { seq: number; senderMs: number; bytes: Uint8Array }[] = [];
      const prev = this.lastSent;
      // The previous frame rides along so that one lost packet costs nothing.
      if (this.o.redundancy && prev && prev.seq + 1 === this.pending[0].seq) batch.push(prev);
      let bytes = 0;
      while (this.pending.length > 0 && batch.length < DUET_MAX_BATCH && (bytes === 0 || bytes + this.pending[0].bytes.length <= MAX_BATCH_BYTES)) {
        const f = this.pending.shift()!;
        // A gap (frames given up): start a new packet at the gap.
        if (batch.length > 0 && batch[batch.length - 1].seq + 1 !== f.seq) {
          this.pending.unshift(f);
          break;
        }
        batch.push(f);
        bytes += f.bytes.length;
      }
      const first = batch[0];
      const packet = packDuet(
        { codec: this.codec, frame: this.o.frame, seq: first.seq, senderMs: first.senderMs, reportMs: this.inboundMs ?? NaN, poor: this.poorHere() },
        batch.map((f) => f.bytes),
      );
      this.lastSent = batch[batch.length - 1];
      this.packetsOut++;
      this.framesOut += batch.length - (batch[0] === prev ? 1 : 0);
      this.send(packet);
    }
  }

  /** Sends a duet packet as a LiveKit lossy user packet: written by hand straight onto the lossy
   *  data channel once it is open (see lossyPacket.ts), through publishData until then (which also
   *  opens the channel when the publisher connection has not negotiated it yet). */
  private send(packet: Uint8Array<ArrayBuffer>): void {
    const dc = this.room.engine?.dataChannelForKind(1 as DataChannelKind);
    if (dc?.readyState === 'open') {
      this.writer ??= new LossyPacketWriter(this.room.localParticipant.identity, DUET_TOPIC);
      try {
        const bytes = this.writer.write(packet);
        dc.send(bytes);
        this.bytesSent += bytes.length;
        this.sentDirect++;
        return;
      } catch {
        // The channel closed under us (a reconnect): LiveKit's own path waits for the new one.
      }
    }
    void this.room.localParticipant.publishData(packet, { reliable: false, topic: DUET_TOPIC }).catch(() => {});
  }

  private receive(bytes: Uint8Array, from: string): void {
    const p = unpackDuet(bytes);
    if (!p || !this.playRing) return;
    if (this.dropShare > 0 && Math.random() < this.dropShare) return; // test hook: a lossy path
    const h = p.header;
    this.lastFrom = from;
    this.packetsIn++;
    this.lastTheyPoor = h.poor;
    if (Number.isFinite(h.reportMs)) this.lastReportMs = h.reportMs;
    const offset = this.clocks?.offsetTo(from)?.offsetMs ?? null;
    const frameMs = (h.frame / 48000) * 1000;
    const now = nowMs();
    for (let i = 0; i < p.payloads.length; i++) {
      const seq = (h.seq + i) >>> 0;
      if (this.seen[seq & 63] === (seq | 0)) continue; // a duplicate (the repeated previous frame): decoded already
      this.framesIn++;
      // Their time T is our time T − offset; each frame's transit, backlog included.
      if (offset !== null) this.transits.push(now - (h.senderMs + i * frameMs - offset));
      this.decode(h.codec, seq, p.payloads[i], h.frame);
    }
    if (this.transits.length > 200) this.transits.splice(0, this.transits.length - 200);
  }

  private decode(codec: DuetCodec, seq: number, payload: Uint8Array, frame: number): void {
    if (this.seen[seq & 63] === (seq | 0)) return; // a duplicate: decoded already
    this.seen[seq & 63] = seq | 0;
    if (codec === 'pcm') {
      const n = decodePcm16(payload, this.scratch);
      ringWrite(this.playRing!, seq, this.scratch, n, 0);
      return;
    }
    // Opus is decoded in sequence order only: the decoder is stateful, so a frame decoded after a
    // newer one would be predicted from the wrong past (a click). A frame overtaken by a newer one
    // is given up, and the jitter buffer conceals it.
    if (this.lastDecoded !== null && ((seq - this.lastDecoded) | 0) <= 0) {
      this.overtaken++;
      return;
    }
    this.lastDecoded = seq;
    this.decoder ??= this.openDecoder();
    const timestamp = Math.round(((seq * frame) / 48000) * 1e6);
    this.decodeMeta.push({ seq, t0: performance.now() });
    this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp, data: payload }));
  }

  private poorHere(): boolean {
    return this.concealedRatio > DUET_POOR_CONCEALED || (this.bufferMs ?? 0) > DUET_POOR_BUFFER_MS || this.nothingArrives();
  }

  /** Duet mode has run for DUET_SILENT_S with not one packet from the other side (a path that
   *  carries nothing: without this the poor-path verdict, which needs packets, never came). */
  private nothingArrives(): boolean {
    return this.running && this.packetsIn === 0 && performance.now() - this.startedAt > DUET_SILENT_S * 1000;
  }

  /** LiveKit's lossy data channels whose messages we see first (see tapChannels). */
  private taps: { dc: RTCDataChannel; original: RTCDataChannel['onmessage']; handler: (ev: MessageEvent) => void }[] = [];
  /** Packets read straight off a data channel (the rest came through LiveKit's DataReceived event). */
  private receivedDirect = 0;

  /** Reads duet packets straight off LiveKit's lossy data channels and hands every other message to
   *  LiveKit's own handler, as before. LiveKit's receive path takes an async lock, decodes each
   *  packet into protobuf objects and emits it through the engine, the room and the participant,
   *  hundreds of times a second in duet mode (measured: 3–7 points of a core less per browser,
   *  bench:duet's pcm-240-livekit row). Subscriber and publisher channels both (LiveKit listens on both). Called again at
   *  each stats period, so channels made anew by a reconnect are tapped too; until then packets
   *  come through the DataReceived event. */
  private tapChannels(): void {
    const engine = this.room.engine;
    if (!engine) return;
    for (const sub of [true, false]) {
      const dc = engine.dataChannelForKind(1 as DataChannelKind, sub);
      if (!dc || this.taps.some((t) => t.dc === dc && dc.onmessage === t.handler)) continue;
      const original = dc.onmessage;
      const handler = (ev: MessageEvent) => {
        if (ev.data instanceof ArrayBuffer) {
          const p = readLossyUserPacket(new Uint8Array(ev.data));
          if (p && p.topic === DUET_TOPIC && this.room.remoteParticipants.has(p.identity)) {
            this.receivedDirect++;
            this.receive(p.payload, p.identity);
            return;
          }
        }
        original?.call(dc, ev);
      };
      dc.onmessage = handler;
      this.taps = this.taps.filter((t) => t.dc !== dc);
      this.taps.push({ dc, original, handler });
    }
  }

  private untapChannels(): void {
    for (const t of this.taps) if (t.dc.onmessage === t.handler) t.dc.onmessage = t.original;
    this.taps = [];
  }

  /** This browser's audio output latency (device and context), ms: part of what "To you" shows. */
  private outputMs(): number {
    const ctx = this.engine.context;
    return ((ctx.outputLatency || 0) + (ctx.baseLatency || 0)) * 1000;
  }

  /** The sender's page clock (nowMs scale) at capture frame 0: a frame's stamp is this + frame / 48 ms. */
  private captureClockMs(): number {
    return performance.timeOrigin + this.engine.outputOffsetMs() - (this.engine.context.outputLatency || 0) * 1000;
  }

  /** The RTP carrier's worker reports (four times a second). */
  private onRtpStats(st: DuetRtpStats): void {
    this.packetsOut = st.packetsOut;
    this.paced = st.paced;
    this.pacerWrites = st.pacerWrites;
    this.framesRecovered = st.framesRecovered;
    this.undecodable = st.undecodable;
    this.opusOut = st.opusOut;
    // Per frame, over this duet (the worker's counters start with it).
    if (st.framesEncoded > 0) this.encodeMs = st.encodeMsTotal / st.framesEncoded;
    if (st.framesDecoded > 0) this.rtpDecodeMs = st.decodeMsTotal / st.framesDecoded;
    if (Number.isFinite(st.opusWarmMs)) this.opusWarmMs = st.opusWarmMs;
    this.workerGaps.push([st.sendBusyMaxMs, st.recvGapMaxMs]);
    if (this.workerGaps.length > 2) this.workerGaps.shift();
    this.sendFrames = st.sendFrames;
    this.packetsRepeated = st.packetsRepeated;
    this.framesDuplicate = st.framesDuplicate;
    this.framesOut = st.framesOut;
    this.framesGivenUp = st.framesGivenUp;
    this.packetsIn = st.packetsIn;
    this.framesIn = st.framesIn;
    for (const l of st.sendLags) this.noteLag(this.sendLags, l);
    // The sender: named by the receiver's stream id, or (a receiver LiveKit made before it knew
    // whose track it would carry) the one other participant publishing a duet track.
    const remotes = [...this.room.remoteParticipants.values()];
    const from = st.packetsIn === 0 ? undefined : st.from ? remotes.find((p) => p.sid === st.from)?.identity : remotes.find((p) => [...p.trackPublications.values()].some((t) => t.trackName === DUET_RTP_TRACK))?.identity;
    if (from) {
      this.lastFrom = from;
      this.lastTheyPoor = st.poor;
      if (Number.isFinite(st.reportMs)) this.lastReportMs = st.reportMs;
      // Their time T is our time T − offset (see receive()).
      const offset = this.clocks?.offsetTo(from)?.offsetMs ?? null;
      if (offset !== null) for (const r of st.rawTransits) this.transits.push(r + offset);
      if (this.transits.length > 200) this.transits.splice(0, this.transits.length - 200);
    }
  }

  private readStats(): void {
    const s = this.statsView;
    if (!s) return;
    this.statTicks++;
    if (this.running && this.o.directReceive && !this.rtp) this.tapChannels();
    const t = performance.now();
    if (this.bytesSentAt.ms > 0 && t > this.bytesSentAt.ms) this.byteRate = ((this.bytesSent - this.bytesSentAt.bytes) * 1000) / (t - this.bytesSentAt.ms);
    this.bytesSentAt = { bytes: this.bytesSent, ms: t };
    this.theyFindItPoor = this.lastTheyPoor;
    if (Number.isFinite(this.lastReportMs)) this.outboundMs = this.lastReportMs;
    this.bufferMs = s[DuetStat.Received] > 0 ? s[DuetStat.BufferMs] : null;
    this.history.push({ concealed: s[DuetStat.Concealed], output: s[DuetStat.Output] });
    if (this.history.length > 16) this.history.shift();
    const a = this.history[0];
    const b = this.history[this.history.length - 1];
    this.concealedRatio = b.output > a.output ? (b.concealed - a.concealed) / (b.output - a.output) : 0;
    if (this.bufferMs !== null) {
      this.inboundMs = duetInboundMs(this.transits, this.bufferMs, this.outputMs()) ?? this.inboundMs;
    }
    if (this.encodeTimes.length) this.encodeMs = median(this.encodeTimes);
    // Tight repairing too much over the last 4 s (a full history): Steady, once, and the page says so.
    if (this.o.autoSteady && this.buffer === 'tight' && !this.chosenHere && this.history.length >= 16 && this.concealedRatio > DUET_AUTO_STEADY) {
      this.setBuffer('steady');
      this.autoSteady = true;
      // The repairs of Tight would still fill the window: judge the path on Steady's own.
      this.history = this.history.slice(-1);
      this.concealedRatio = 0;
    }
    // Steady still repairing: most of it is loss on the way (Steady waits out the jitter), which
    // Opus with repeats recovers. Asked once, kept: with the repeats the share drops below it.
    if (this.rtp && !this.askingRepeat && this.buffer === 'steady' && this.statTicks >= DUET_ASK_WARMUP_TICKS && this.history.length >= 16 && this.concealedRatio > DUET_ASK_REPEAT) {
      this.askingRepeat = true;
      this.askedAtS = this.statTicks / 4;
    }
    this.poor = (this.packetsIn > 50 && (this.poorHere() || this.theyFindItPoor)) || this.nothingArrives();
    this.rtp?.control({ clockMs: this.captureClockMs(), reportMs: this.inboundMs ?? NaN, poor: this.poorHere(), askRepeat: this.askingRepeat });
  }

  /** The listener's own choice (the page's Tight / Steady buttons): applied and remembered in this
   *  browser, and no automatic move for the rest of this duet. */
  chooseBuffer(mode: DuetBuffer): void {
    this.chosenHere = true;
    this.autoSteady = false;
    this.setBuffer(mode);
    try {
      localStorage.setItem(BUFFER_KEY, mode);
    } catch {
      // Private mode without storage: the choice lasts for this duet only.
    }
  }

  /** Changes how much jitter this side's buffer covers, at once and without a gap. */
  setBuffer(mode: DuetBuffer): void {
    this.buffer = mode;
    this.o.quantile = DUET_BUFFER_QUANTILE[mode];
    this.playback?.port.postMessage({ quantile: this.o.quantile });
  }

  /** Counters of the jitter buffer, for tests and the benchmark. */
  bufferStats(): Record<string, number> {
    const s = this.statsView;
    if (!s) return {};
    return {
      bufferMs: s[DuetStat.BufferMs], targetMs: s[DuetStat.TargetMs], concealed: s[DuetStat.Concealed], output: s[DuetStat.Output],
      lost: s[DuetStat.Lost], late: s[DuetStat.Late], underruns: s[DuetStat.Underruns], received: s[DuetStat.Received], duplicates: s[DuetStat.Duplicates], skips: s[DuetStat.Skips], resyncs: s[DuetStat.Resyncs], episodes: s[DuetStat.Episodes], quantile: s[DuetStat.Quantile],
      packetsIn: this.packetsIn, framesIn: this.framesIn, packetsOut: this.packetsOut, paced: this.paced, pacerWrites: this.pacerWrites, sendFrames: this.sendFrames, rtpPublishMs: this.rtp ? (this.rtp.publishMs ?? -1) : NaN, packetsRepeated: this.packetsRepeated, framesDuplicate: this.framesDuplicate, framesRecovered: this.framesRecovered, undecodable: this.undecodable, opusOut: this.opusOut, askingRepeat: this.askingRepeat ? 1 : 0, askedAtS: this.askedAtS, sentDirect: this.sentDirect, receivedDirect: this.receivedDirect, framesOut: this.framesOut,
      heldForChannel: this.heldForChannel, framesGivenUp: this.framesGivenUp, captureDropped: this.captureRing ? ringDropped(this.captureRing) : 0, playDropped: this.playRing ? ringDropped(this.playRing) : 0,
      encodeMs: this.encodeMs ?? NaN, rtpDecodeMs: this.rtpDecodeMs ?? NaN, opusWarmMs: this.opusWarmMs ?? NaN, sendBusyMaxMs: Math.max(0, ...this.workerGaps.map((g) => g[0])), recvGapMaxMs: Math.max(0, ...this.workerGaps.map((g) => g[1])), ...this.transitSpread(), ...this.sendLagSpread(),
      // What the panel shows as "To you", and the output latency in it.
      shownInboundMs: this.inboundMs ?? NaN, outputMs: this.outputMs(),
    };
  }

  /** Wait between capture and the sending thread (recent frames: median and 97th percentile), time
   *  in the Opus decoder (median), ms; and Opus frames given up because a newer one was decoded. */
  sendLagSpread(): { sendLagP50Ms: number; sendLagP97Ms: number; decodeP50Ms: number; overtaken: number } {
    const t = [...this.sendLags].sort((a, b) => a - b);
    const d = [...this.decodeLags].sort((a, b) => a - b);
    return {
      sendLagP50Ms: t.length ? t[t.length >> 1] : NaN,
      sendLagP97Ms: t.length ? t[Math.floor(t.length * 0.97)] : NaN,
      decodeP50Ms: d.length ? d[d.length >> 1] : NaN,
      overtaken: this.overtaken,
    };
  }

  /** Transit over the page clocks (recent frames): fastest, and the median and 97th percentile over it, ms. */
  transitSpread(): { transitMinMs: number; transitP50Ms: number; transitP97Ms: number } {
    const t = [...this.transits].sort((a, b) => a - b);
    if (!t.length) return { transitMinMs: NaN, transitP50Ms: NaN, transitP97Ms: NaN };
    return { transitMinMs: t[0], transitP50Ms: t[t.length >> 1] - t[0], transitP97Ms: t[Math.floor(t.length * 0.97)] - t[0] };
  }

  /** Puts the latency probe in place of the microphone and the speakers (the benchmark): its clicks
   *  go out through the duet path and what the duet path plays comes back into it. */
  attachProbe(role: 'initiator' | 'responder'): ProbeNode | null {
    if (!this.capture || !this.playback) return null;
    const probe = new ProbeNode(this.engine.context, this.engine.dsp, role);
    this.source?.disconnect();
    probe.node.connect(this.capture);
    this.playback.connect(probe.node);
    return probe;
  }

  /** What the playback worklet plays (the other side, as heard in duet mode): meters and tuners tap it. */
  get output(): AudioNode | null {
    return this.playback;
  }

  /** Identity of the last sender heard. */
  get partner(): string | null {
    return this.lastFrom;
  }
}
