// The page's half of the RTP carrier for duet frames (`?duet=pcm-120-rtp`, `opus-120-rtp`; the
// frames themselves are handled in duetRtp.worker.ts, which gets libopus compiled here). It publishes a "duet" audio track from a silent source,
// asks WebRTC for 10 ms packets on it (its floor: WebRTC's audio runs in 10 ms steps), and routes
// the other side's duet frames from its RTP receiver to the playback worklet's ring.
//
// Chromium 156 applies an encoded transform only when it is set as the sender or receiver is made:
// set on a sender that has sent, or on a receiver even one task after its `track` event, it sees
// no frame (measured here). LiveKit's SFU also reuses a receiver whose track was unpublished (a
// microphone re-published for music mode) for the next track it forwards, the duet track
// included. So, once enabled for the page (before joining), every remote audio receiver gets the
// worker's transform as it is made; frames that are not duet packets pass through unchanged. (It
// cannot be dropped later for a receiver that carries a microphone: set to null, Chromium 156
// delivers none of that receiver's frames to the decoder, measured.)
import { type LocalAudioTrack, type Room, Track } from 'livekit-client';
import type { DuetRtpControl, DuetRtpStats } from './duetRtp.worker';
import { DUET_RTP_ATTRIBUTE } from '../../../shared/api';
import { participantSidOf, withPtime } from './rtpSdp';
import type { DuetCodec } from './duetPacket';
import opusWasmUrl from '@evan/opus/wasm/simd.wasm?url';

export const DUET_RTP_TRACK = 'duet';
/** Packet time asked of WebRTC on the duet track, ms. */
export const DUET_RTP_PTIME_MS = 10;

type ScriptTransformCtor = new (worker: Worker, options?: unknown) => unknown;
function setTransform(target: RTCRtpSender | RTCRtpReceiver, worker: Worker, options: unknown): void {
  const Ctor = (globalThis as unknown as { RTCRtpScriptTransform: ScriptTransformCtor }).RTCRtpScriptTransform;
  (target as unknown as { transform: unknown }).transform = new Ctor(worker, options);
}

/** Whether this browser can carry duet frames in RTP (WebRTC Encoded Transform in a worker). */
export function duetRtpSupported(): boolean {
  return typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function' && typeof RTCPeerConnection === 'function';
}

/** Whether every other participant in the room said, when joining, that its browser reads duet
 *  frames in RTP (the participant attribute our server sets from the join request). A browser
 *  without Encoded Transform would hand our frames to its Opus decoder, so a side sends in RTP
 *  only when all the others read it; otherwise both sides use the data channel. */
export function peersReadDuetRtp(room: Room): boolean {
  return [...room.remoteParticipants.values()].every((p) => p.attributes[DUET_RTP_ATTRIBUTE] === '1');
}

/** Whether this page was readied for duet frames in RTP (enableDuetRtp, before joining). */
export function duetRtpEnabled(): boolean {
  return worker !== null;
}

/** The page's one worker for duet RTP frames (made by enableDuetRtp). */
let worker: Worker | null = null;
const statsListeners = new Set<(s: DuetRtpStats) => void>();
const errorListeners = new Set<(m: string) => void>();
/** Duet tracks being published, each with what to do with its sender as soon as it exists. */
const duetTracks = new Map<MediaStreamTrack, (sender: RTCRtpSender) => void>();
const watched = new WeakSet<RTCPeerConnection>();
const transformed = new WeakSet<RTCRtpReceiver>();

/** Readies the page for duet frames in RTP: call before joining (see the top of this file). */
export function enableDuetRtp(): boolean {
  if (worker) return true;
  if (!duetRtpSupported()) return false;
  worker = new Worker(new URL('./duetRtp.worker.ts', import.meta.url), { type: 'module', name: 'muse-duet-rtp' });
  worker.onmessage = (ev: MessageEvent<DuetRtpStats>) => {
    for (const l of statsListeners) l(ev.data);
  };
  worker.onerror = (ev) => {
    for (const l of errorListeners) l(`The duet RTP worker failed: ${ev.message || 'it could not be loaded'}. Reload the page.`);
  };
  const w = worker;
  // Compiled now, as the lesson is joined, and handed to the worker, which instantiates and warms it
  // up at once: neither a duet's start nor a switch to Opus in the middle of one waits for it.
  loadOpus().then(
    (opus) => w.postMessage({ opus } satisfies DuetRtpControl),
    (err: unknown) => console.warn('libopus could not be loaded ahead of a duet', { error: String(err) }),
  );
  const proto = RTCPeerConnection.prototype;
  const addTransceiver = proto.addTransceiver;
  proto.addTransceiver = function (this: RTCPeerConnection, trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit) {
    const t = addTransceiver.call(this, trackOrKind, init);
    if (typeof trackOrKind !== 'string') duetTracks.get(trackOrKind)?.(t.sender);
    // LiveKit's pre-made receive sections (its publisher connection's recvonly placeholders)
    // carry remote tracks later: their receivers are caught here, as they are made.
    else if (trackOrKind === 'audio' && !transformed.has(t.receiver)) {
      transformed.add(t.receiver);
      setTransform(t.receiver, w, { side: 'recv', participantSid: null });
    }
    return t;
  };
  const setRemoteDescription = proto.setRemoteDescription as (d: RTCSessionDescriptionInit) => Promise<void>;
  proto.setRemoteDescription = function (this: RTCPeerConnection, desc?: RTCSessionDescriptionInit) {
    if (!watched.has(this)) {
      watched.add(this);
      // Runs inside setRemoteDescription, as each receiver is made (or handed a new track).
      this.addEventListener('track', (ev) => {
        if (ev.track.kind !== 'audio' || transformed.has(ev.receiver)) return;
        transformed.add(ev.receiver);
        setTransform(ev.receiver, w, { side: 'recv', participantSid: participantSidOf(ev.streams[0]?.id) });
      });
    }
    if (desc?.type === 'answer' && desc.sdp && duetTracks.size > 0) {
      const mids = this.getTransceivers()
        .filter((t) => t.sender.track && duetTracks.has(t.sender.track) && t.mid !== null)
        .map((t) => t.mid!);
      if (mids.length) desc = { type: 'answer', sdp: withPtime(desc.sdp, mids, DUET_RTP_PTIME_MS) };
    }
    return setRemoteDescription.call(this, desc as RTCSessionDescriptionInit);
  } as typeof proto.setRemoteDescription;
  return true;
}

/** Chromium's MediaStreamTrackGenerator (Breakout Box): an audio track whose sound is written as
 *  AudioData into its `writable`, which may be transferred to a worker. */
type TrackGeneratorCtor = new (init: { kind: 'audio' }) => MediaStreamTrack & { writable: WritableStream<AudioData> };
function trackGenerator(): TrackGeneratorCtor | null {
  const g = (globalThis as { MediaStreamTrackGenerator?: TrackGeneratorCtor }).MediaStreamTrackGenerator;
  return typeof g === 'function' ? g : null;
}

let opusModule: Promise<WebAssembly.Module> | null = null;
/** libopus in wasm (from our own server), compiled once per page on this thread: the worker reads
 *  Opus duet packets with it (whichever codec this side sends) and makes them for `opus-…-rtp`. */
function loadOpus(): Promise<WebAssembly.Module> {
  opusModule ??= WebAssembly.compileStreaming(fetch(opusWasmUrl)).catch(async () => {
    const res = await fetch(opusWasmUrl);
    if (!res.ok) throw new Error(`libopus could not be loaded (HTTP ${res.status})`);
    return WebAssembly.compile(await res.arrayBuffer());
  });
  opusModule.catch(() => (opusModule = null)); // a failed load may be tried again by the next duet
  return opusModule;
}

/** Whether this browser can send a duet packet as soon as a frame is captured (DuetOptions.rtpPacing 'capture'). */
export function duetRtpCapturePacingSupported(): boolean {
  return trackGenerator() !== null;
}

/** One duet's use of the RTP carrier: its published track, and the rings the worker reads and writes. */
export class DuetRtp {
  private source: ConstantSourceNode | null = null;
  private published: LocalAudioTrack | null = null;
  /** How packets are timed here: 'capture' needs MediaStreamTrackGenerator, else 'tick'. */
  readonly pacing: 'capture' | 'tick';
  /** How long LiveKit took to publish the duet track, ms (null until it has). */
  publishMs: number | null = null;

  constructor(
    private readonly room: Room,
    private readonly ctx: AudioContext,
    private readonly captureRing: SharedArrayBuffer,
    private readonly playRing: SharedArrayBuffer,
    private readonly frame: number,
    pacing: 'capture' | 'tick',
    /** Each packet sent twice, 3–15 ms apart (DuetOptions.rtpRepeat). */
    private readonly repeat: boolean,
    /** What this side's frames are sent as ('opus': libopus in the worker, each packet repeating the one before). */
    private readonly codec: DuetCodec,
    private readonly bitrate: number,
    private readonly onStats: (s: DuetRtpStats) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.pacing = pacing === 'capture' && duetRtpCapturePacingSupported() ? 'capture' : 'tick';
  }

  async start(): Promise<void> {
    if (!worker) throw new Error('duet frames in RTP were not enabled before joining');
    statsListeners.add(this.onStats);
    errorListeners.add(this.onError);
    const w = worker;
    // libopus reached the worker as the page joined, unless it was still compiling: then it comes
    // with the play ring, in one message (a ring sent first had the other side's first Opus packets
    // arrive while libopus was still being compiled: 12 packets thrown away in one CI run).
    let opus: WebAssembly.Module | undefined;
    try {
      opus = await loadOpus();
    } catch (err) {
      // PCM goes on without it (an Opus packet from the other side is then counted undecodable); Opus cannot.
      if (this.codec === 'opus') throw err;
    }
    this.control({ playRing: this.playRing, opus });
    // The track's own sound is never heard: each of its encoded frames is replaced by duet frames.
    let track: MediaStreamTrack;
    const Generator = trackGenerator();
    let generator: InstanceType<TrackGeneratorCtor> | null = null;
    if (this.pacing === 'capture' && Generator) {
      generator = new Generator({ kind: 'audio' });
      track = generator;
    } else {
      this.source = this.ctx.createConstantSource();
      this.source.offset.value = 0;
      const dest = this.ctx.createMediaStreamDestination();
      this.source.connect(dest);
      this.source.start();
      track = dest.stream.getAudioTracks()[0];
    }
    let sending = false;
    duetTracks.set(track, (sender) => {
      setTransform(sender, w, { side: 'send', ring: this.captureRing, frame: this.frame, repeat: this.repeat, codec: this.codec, bitrate: this.bitrate });
      sending = true;
    });
    const asked = performance.now();
    const pub = await this.room.localParticipant.publishTrack(track, { name: DUET_RTP_TRACK, source: Track.Source.Unknown, dtx: false, red: false, stopMicTrackOnMute: false });
    this.published = (pub.track as LocalAudioTrack | undefined) ?? null;
    this.publishMs = performance.now() - asked;
    if (!sending) throw new Error('LiveKit published the duet track without adding a transceiver for it');
    if (generator) {
      // From now on the worker writes 10 ms of silence into the track each time the capture
      // worklet has written frames, so WebRTC encodes (and the worker's transform sends) at once
      // instead of at its next 10 ms step; the writable goes to the worker, no page thread in the
      // way. Only once published: writes made before WebRTC reads the track were seen to stall
      // the writable for good (a loaded page, publishing slower than the first ~60 writes).
      w.postMessage({ pacer: { writable: generator.writable, ring: this.captureRing, repeat: this.repeat } } satisfies DuetRtpControl, [generator.writable as unknown as Transferable]);
    }
  }

  control(c: DuetRtpControl): void {
    worker?.postMessage(c);
  }

  async stop(): Promise<void> {
    this.control({ playRing: null, pacer: null });
    statsListeners.delete(this.onStats);
    errorListeners.delete(this.onError);
    const track = this.published;
    this.published = null;
    if (track) {
      duetTracks.delete(track.mediaStreamTrack);
      await this.room.localParticipant.unpublishTrack(track, true).catch(() => {});
    }
    this.source?.stop();
    this.source?.disconnect();
  }
}
