// Duet frames carried inside RTP (issue 5, `?duet=pcm-120-rtp`). The duet track is an ordinary
// LiveKit audio track whose encoded frames this worker rewrites (WebRTC Encoded Transform):
//
//   send: at each of WebRTC's Opus frames the frame's bytes are replaced by a duet packet holding
//         every PCM frame the capture worklet has written since (read from its SharedArrayBuffer
//         ring); no frame waiting, no packet. WebRTC makes a frame each time this worker writes
//         into the duet track (pace(), as soon as frames are captured; Chromium's
//         MediaStreamTrackGenerator), or else every 10 ms of a silent Web Audio source.
//   recv: every remote audio frame passes through here (see duetRtp.ts for why every one); a duet
//         packet (it starts with RTP_MAGIC) is read before WebRTC's jitter buffer, its frames go
//         straight into the playback worklet's ring, and nothing is passed on to WebRTC's decoder;
//         any other frame is passed on unchanged.
//
// With `?duet=opus-120-rtp` the frames are Opus (libopus in wasm, client/src/audio/opusWasm.ts,
// restricted low delay, encoded and decoded here): ~41 bytes a 2.5 ms frame instead of 240, so each
// packet also carries the frames of the packet before it, and one lost packet costs no repair.
//
// So the frames ride RTP over UDP (no SCTP: no congestion window halved by a loss, no reordering
// declared loss) and neither page thread handles them. Stats go to the page four times a second.
import { DUET_MAX_FRAME, duetRing, type DuetRing, RING_WRITE_INDEX, ringAvailable, ringPeek, ringRelease, ringWrite } from '../audio/duetRing';
import { decodePcm16, type DuetCodec, DUET_HEADER_BYTES, encodePcm16, packDuet, unpackDuet } from './duetPacket';
import { instantiateOpus, type OpusFrameDecoder, type OpusFrameEncoder, type OpusWasm, warmOpus } from '../audio/opusWasm';

/** Bytes of duet packet one RTP packet carries at most: WebRTC's packets stay under 1200 bytes
 *  with RTP header, extensions and SRTP tag. 4 PCM frames of 2.5 ms (10 ms) fit. */
export const RTP_MAX_PAYLOAD = 1000;
/** The first bytes of a duet packet in RTP ("MuDt"): an Opus frame starting so is 1 in 2^32, and must then also parse as a whole duet packet. */
export const RTP_MAGIC = [0x4d, 0x75, 0x44, 0x74] as const;
function isDuet(b: Uint8Array): boolean {
  return b.length > RTP_MAGIC.length && b[0] === RTP_MAGIC[0] && b[1] === RTP_MAGIC[1] && b[2] === RTP_MAGIC[2] && b[3] === RTP_MAGIC[3];
}
/** Captured frames waiting beyond this many (a stalled sender) are given up, oldest first. */
const MAX_BACKLOG_MS = 30;
/** Captured frames older than this when their packet leaves are given up: no listener's buffer
 *  waits that long (frames from before a full ring, when the worker or the publish was slow). */
const MAX_STALE_MS = 200;

export interface DuetRtpSendOptions {
  side: 'send';
  ring: SharedArrayBuffer;
  frame: number;
  /** Send each packet a second time when WebRTC makes a frame with nothing new captured, 3–15 ms
   *  after the first (DuetOptions.rtpRepeat, off by default: see there). */
  repeat: boolean;
  /** 'opus': each frame Opus-encoded here, at `bitrate`, and the previous packet's frames repeated
   *  at the head of each packet (they fit; PCM's do not). */
  codec: DuetCodec;
  bitrate: number;
}
/** Opus complexity: 5 costs 10 % less than 10 with the same round-trip SNR on bench:opus's violin. */
const OPUS_COMPLEXITY = 5;
/** Frames of the previous packet repeated at the head of an Opus packet, at most. */
const OPUS_REPEAT_MAX = 8;
/** A repeat leaves no sooner than this after its packet (losses close together are often one burst)… */
const REPEAT_MIN_GAP_MS = 3;
/** …and no later than this (after that the receiver has played or concealed its frames). */
const REPEAT_MAX_AGE_MS = 15;
/** With capture pacing, the pacer asks for the repeat this long after a packet if no frame came. */
const REPEAT_AFTER_MS = 5;
export interface DuetRtpRecvOptions {
  side: 'recv';
  /** The sender's LiveKit participant SID (from the stream id), or null. */
  participantSid: string | null;
}
/** Page → worker: the capture clock (senderMs = clockMs + frame / 48) and what to report in each packet. */
export interface DuetRtpControl {
  /** The playback worklet's ring while a duet runs (counters start again), null after. */
  playRing?: SharedArrayBuffer | null;
  clockMs?: number;
  /** Browser tests only: the share of arriving duet packets to drop (Duet.dropInbound). */
  dropIn?: number;
  reportMs?: number;
  poor?: boolean;
  /** The duet track's writable (a MediaStreamTrackGenerator's) and the capture ring: write into
   *  the track each time a frame is captured, so that WebRTC sends at once (null: stop). */
  pacer?: { writable: WritableStream<AudioData>; ring: SharedArrayBuffer; repeat: boolean } | null;
  /** libopus compiled on the page (the worker has no fetch of its own to rely on): Opus duet packets can be made and read. */
  opus?: WebAssembly.Module;
  /** This side, as a listener, asks the other for Opus with repeats (said in every packet it sends). */
  askRepeat?: boolean;
}
/** Worker → page, four times a second. */
export interface DuetRtpStats {
  packetsOut: number;
  framesOut: number;
  framesGivenUp: number;
  /** Wait from the last captured sample of each sent frame to its send, ms (this period). */
  sendLags: number[];
  packetsIn: number;
  framesIn: number;
  /** Arrival (this worker's clock) minus the sender's stamp, ms, per frame this period; clock offset not applied. */
  rawTransits: number[];
  /** The participant SID of the last duet packet's sender. */
  from: string | null;
  reportMs: number;
  poor: boolean;
  /** Other audio frames passed on to WebRTC's decoder. */
  passedOn: number;
  /** Writes into the duet track made at captured frames (DuetRtpControl.pacer). */
  paced: number;
  /** Writes into the duet track begun (one more than `paced` while a write waits). */
  pacerWrites: number;
  /** Encoded frames the send transform was given (each becomes a packet, a repeat, or nothing). */
  sendFrames: number;
  /** Packets sent a second time (DuetRtpSendOptions.repeat). */
  packetsRepeated: number;
  /** Frames that arrived again (a repeat, or WebRTC's own retransmission): already played or on their way. */
  framesDuplicate: number;
  /** Frames first heard from the repeated head of a later packet (Opus): their own packet was lost or late. */
  framesRecovered: number;
  /** Opus packets that could not be read (no libopus here yet, or a decoder error). */
  undecodable: number;
  /** Packets sent as Opus (the codec asked for, or the other side asked for repeats). */
  opusOut: number;
  /** Time spent encoding frames here (PCM or Opus), ms in all, and how many frames. */
  encodeMsTotal: number;
  framesEncoded: number;
  /** Time spent decoding frames here, ms in all, and how many frames. */
  decodeMsTotal: number;
  framesDecoded: number;
  /** Longest time this worker spent on one outgoing packet, and longest wait between two incoming
   *  duet packets, since the last report, ms (where a late burst comes from: this thread or before it). */
  sendBusyMaxMs: number;
  recvGapMaxMs: number;
  /** Time this worker took to instantiate libopus and warm it up (once, as the page joined), ms; NaN until done. */
  opusWarmMs: number;
}

interface EncodedFrame {
  data: ArrayBuffer;
}
interface Transformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: DuetRtpSendOptions | DuetRtpRecvOptions;
}

const scope = self as unknown as {
  onrtctransform: ((ev: { transformer: Transformer }) => void) | null;
  onmessage: ((ev: MessageEvent<DuetRtpControl>) => void) | null;
  postMessage(m: DuetRtpStats): void;
};

let clockMs = NaN;
let reportMs = NaN;
let poor = false;
let dropIn = 0;
let play: DuetRing | null = null;
const fresh = (): DuetRtpStats => ({ packetsOut: 0, framesOut: 0, framesGivenUp: 0, sendLags: [], packetsIn: 0, framesIn: 0, rawTransits: [], from: null, reportMs: NaN, poor: false, passedOn: 0, paced: 0, pacerWrites: 0, sendFrames: 0, packetsRepeated: 0, framesDuplicate: 0, framesRecovered: 0, undecodable: 0, opusOut: 0, encodeMsTotal: 0, framesEncoded: 0, decodeMsTotal: 0, framesDecoded: 0, opusWarmMs: NaN, sendBusyMaxMs: 0, recvGapMaxMs: 0 });
/** See DuetRtpStats.opusWarmMs. */
let opusWarmMs = NaN;
let stats = fresh();
const seen = new Int32Array(64).fill(-1);

scope.onmessage = (ev) => {
  const c = ev.data;
  if (c.playRing !== undefined) {
    play = c.playRing ? duetRing(c.playRing) : null;
    stats = fresh();
    seen.fill(-1);
    peerAsksRepeat = false;
  }
  if (c.clockMs !== undefined) clockMs = c.clockMs;
  if (c.dropIn !== undefined) dropIn = c.dropIn;
  if (c.reportMs !== undefined) reportMs = c.reportMs;
  if (c.poor !== undefined) poor = c.poor;
  if (c.opus && !opusModule) opusModule = c.opus; // the same libopus each time: instantiated once
  // libopus instantiated and run at once (the page sends it as it joins, before any duet): made at
  // the first Opus packet instead, it held this worker 5–180 ms (measured) in the middle of a duet.
  if (c.opus) opus();
  if (c.askRepeat !== undefined) askRepeat = c.askRepeat;
  if (c.pacer !== undefined) {
    pacerRun++;
    if (c.pacer) void pace(c.pacer.writable, duetRing(c.pacer.ring), c.pacer.repeat, pacerRun);
  }
};

let opusModule: WebAssembly.Module | null = null;
/** This side asks for repeats (DuetRtpControl.askRepeat); the other side asked (a packet said so): from then on this duet sends Opus with repeats. */
let askRepeat = false;
let peerAsksRepeat = false;
let opusLib: OpusWasm | null = null;
/** libopus, once the page has sent it (one instance for every encoder and decoder here). */
function opus(): OpusWasm | null {
  if (!opusLib && opusModule) {
    const t0 = performance.now();
    try {
      const lib = instantiateOpus(opusModule);
      warmOpus(lib, { bitrate: 128_000, complexity: OPUS_COMPLEXITY, frame: 120 });
      opusLib = lib;
      opusWarmMs = performance.now() - t0;
    } catch (err) {
      // Not usable here: PCM goes on (Opus packets are counted undecodable), and the next module the page sends is tried.
      opusModule = null;
      console.warn('libopus could not be instantiated in the duet RTP worker', { error: String(err) });
    }
  }
  return opusLib;
}

/** Counts pacers: a pacer whose number is no longer this one stops. */
let pacerRun = 0;
/** 10 ms of silence at 48 kHz: what the duet track "sounds" like (its encoded frames are replaced). */
const SILENCE = new Float32Array(480);

/** Writes 10 ms of silence into the duet track each time the capture worklet has written new
 *  frames: WebRTC encodes each write at once (it does not pace audio to real time) and send()
 *  below replaces the encoded frame with the frames captured since the last packet. So a packet
 *  leaves as soon as its frames exist, not at WebRTC's next 10 ms step (with a silent Web Audio
 *  source, 0–10 ms later). The track's RTP clock runs ahead of real time; nothing reads it. */
async function pace(writable: WritableStream<AudioData>, ring: DuetRing, repeat: boolean, run: number): Promise<void> {
  const writer = writable.getWriter();
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
  let seen = Atomics.load(ring.ctl, RING_WRITE_INDEX);
  let timestamp = 0;
  // A packet went out and no frame has been captured since: after REPEAT_AFTER_MS, one more write,
  // which send() turns into the repeat of that packet.
  let repeatDue = false;
  // Frames wait in the ring with no new one since the last write: the first wake, when the frames
  // captured while the track was being published are there, and any wake after a quiet 100 ms.
  // A full ring's write index stands still (the worklet drops new frames), and only a packet
  // empties it: without this write a publish slower than the ring (640 ms, seen on a loaded
  // machine) left this side sending nothing at all.
  let waiting = ringAvailable(ring) > 0;
  const write = async () => {
    stats.pacerWrites++;
    // The generator's sink takes the AudioData (and closes it once WebRTC has it).
    await writer.write(new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: SILENCE.length, numberOfChannels: 1, timestamp, data: SILENCE }));
    timestamp += 10_000;
  };
  try {
    while (run === pacerRun) {
      const w = Atomics.load(ring.ctl, RING_WRITE_INDEX);
      if (w === seen && !waiting) {
        const r = waitAsync(ring.ctl, RING_WRITE_INDEX, w, repeatDue ? REPEAT_AFTER_MS : 100);
        const woke = r.async ? await r.value : r.value;
        if (woke === 'timed-out' && repeatDue && run === pacerRun) {
          repeatDue = false;
          await write();
        } else if (woke === 'timed-out') waiting = ringAvailable(ring) > 0;
        continue;
      }
      seen = w;
      waiting = false;
      await write();
      stats.paced++;
      repeatDue = repeat;
    }
  } catch {
    // The track was stopped (the duet ended, or LiveKit unpublished it): nothing more to write.
  } finally {
    writer.releaseLock();
  }
}

setInterval(() => {
  scope.postMessage({ ...stats, sendLags: stats.sendLags.splice(0), rawTransits: stats.rawTransits.splice(0), opusWarmMs });
  stats.sendBusyMaxMs = 0;
  stats.recvGapMaxMs = 0;
}, 250);

const now = () => performance.timeOrigin + performance.now();

async function send(t: Transformer, o: DuetRtpSendOptions): Promise<void> {
  const ring = duetRing(o.ring);
  // PCM: as many frames as fit. Opus frames vary in size: up to 30 ms of new ones, within the budget below.
  const pcmPerPacket = Math.max(1, Math.floor((RTP_MAX_PAYLOAD - RTP_MAGIC.length - DUET_HEADER_BYTES) / (o.frame * 2 + 2)));
  const opusPerPacket = Math.ceil((30 * 48) / o.frame);
  const budget = RTP_MAX_PAYLOAD - RTP_MAGIC.length - DUET_HEADER_BYTES;
  let encoder: OpusFrameEncoder | null = null;
  /** Opus: the last packet's new frames (sequence number of the first, their payloads), repeated at the head of the next. */
  let prevSeq = 0;
  const prev: Uint8Array[] = [];
  const maxBacklog = Math.ceil((MAX_BACKLOG_MS * 48) / o.frame);
  const reader = t.readable.getReader();
  const writer = t.writable.getWriter();
  const payloads: Uint8Array[] = [];
  let sent = false;
  /** A copy of the last packet (marker included: the frame's own bytes are handed over when it is
   *  written), its length, when it was sent, and whether it went twice. */
  const last = new Uint8Array(RTP_MAX_PAYLOAD + RTP_MAGIC.length);
  let lastLength = 0;
  let lastAt = 0;
  let repeated = true;
  for (;;) {
    const { value: f, done } = await reader.read();
    if (done) return;
    const busyFrom = performance.now();
    stats.sendFrames++;
    let waiting = ringAvailable(ring);
    for (; waiting > maxBacklog; waiting--) {
      ringRelease(ring);
      // Before the first packet these are frames captured while the track was being published.
      if (sent) stats.framesGivenUp++;
    }
    // No clock to stamp frames with yet: send nothing rather than WebRTC's Opus.
    if (!Number.isFinite(clockMs)) continue;
    if (waiting === 0) {
      // Nothing new captured: the last packet once more (a copy: the frame keeps its own bytes),
      // if it is not too fresh nor too old for the copy to help; otherwise nothing.
      const age = now() - lastAt;
      if (o.repeat && lastLength > 0 && !repeated && age >= REPEAT_MIN_GAP_MS && age <= REPEAT_MAX_AGE_MS) {
        f.data = last.slice(0, lastLength).buffer;
        repeated = true;
        stats.packetsRepeated++;
        await writer.write(f);
      }
      continue;
    }
    // Opus when asked for here, or once the listener on the other side asked for repeats.
    const opusNow = o.codec === 'opus' || (peerAsksRepeat && opus() !== null);
    const perPacket = opusNow ? opusPerPacket : pcmPerPacket;
    if (opusNow && !encoder) {
      const lib = opus();
      if (!lib) {
        // libopus has not reached this worker yet: these frames cannot be sent.
        for (; waiting > 0; waiting--) ringRelease(ring);
        continue;
      }
      encoder = lib.encoder({ bitrate: o.bitrate, complexity: OPUS_COMPLEXITY, frame: o.frame });
    }
    payloads.length = 0;
    let firstSeq = 0;
    let firstStamp = 0;
    let bytesUsed = 0;
    const at = now();
    while (payloads.length < perPacket && ringAvailable(ring) > 0) {
      const slot = ringPeek(ring);
      const seq = ring.meta[slot * 2] >>> 0;
      const n = ring.meta[slot * 2 + 1];
      const age = at - (clockMs + (ring.stamp[slot] + n) / 48);
      if (age > MAX_STALE_MS && payloads.length === 0) {
        ringRelease(ring);
        if (sent) stats.framesGivenUp++;
        continue;
      }
      if (payloads.length > 0 && seq !== (firstSeq + payloads.length) >>> 0) break; // a gap: next packet
      if (payloads.length === 0) {
        firstSeq = seq;
        firstStamp = ring.stamp[slot];
      }
      let bytes: Uint8Array;
      const t0 = performance.now();
      if (opusNow && encoder) {
        if (n !== o.frame) {
          ringRelease(ring);
          continue;
        }
        bytes = encoder.packet(encoder.encode(ring.data, slot * DUET_MAX_FRAME)).slice();
        stats.encodeMsTotal += performance.now() - t0;
        stats.framesEncoded++;
        if (bytesUsed + 2 + bytes.length > budget) {
          // No room (a burst of large frames): the encoder has moved past this frame, so it is
          // given up rather than encoded twice; the next packet starts after the gap.
          ringRelease(ring);
          stats.framesGivenUp++;
          break;
        }
      } else {
        bytes = new Uint8Array(n * 2);
        encodePcm16(ring.data, slot * DUET_MAX_FRAME, n, bytes);
        stats.encodeMsTotal += performance.now() - t0;
        stats.framesEncoded++;
      }
      bytesUsed += 2 + bytes.length;
      payloads.push(bytes);
      stats.sendLags.push(age);
      ringRelease(ring);
    }
    if (payloads.length === 0) continue; // every waiting frame was stale: nothing to send
    let head = 0;
    if (opusNow && encoder) {
      // The previous packet's frames first, as many as fit, when they run on into these.
      if (prev.length > 0 && ((prevSeq + prev.length) >>> 0) === firstSeq) {
        for (let i = prev.length - 1; i >= 0 && head < OPUS_REPEAT_MAX && bytesUsed + 2 + prev[i].length <= budget; i--) {
          bytesUsed += 2 + prev[i].length;
          head++;
        }
      }
      const fresh = payloads.slice();
      if (head > 0) payloads.unshift(...prev.slice(prev.length - head));
      prev.length = 0;
      prev.push(...fresh);
      prevSeq = firstSeq;
    }
    const packet = packDuet(
      { codec: opusNow ? 'opus' : 'pcm', frame: o.frame, seq: (firstSeq - head) >>> 0, senderMs: clockMs + (firstStamp - head * o.frame) / 48, reportMs, poor, repeated: head, askRepeat },
      payloads,
    );
    const out = new Uint8Array(RTP_MAGIC.length + packet.length);
    out.set(RTP_MAGIC);
    out.set(packet, RTP_MAGIC.length);
    f.data = out.buffer;
    stats.packetsOut++;
    stats.framesOut += payloads.length - head;
    if (opusNow) stats.opusOut++;
    sent = true;
    last.set(out);
    lastLength = out.length;
    lastAt = now();
    repeated = false;
    stats.sendBusyMaxMs = Math.max(stats.sendBusyMaxMs, performance.now() - busyFrom);
    await writer.write(f);
  }
}

async function receive(t: Transformer, o: DuetRtpRecvOptions): Promise<void> {
  const scratch = new Float32Array(DUET_MAX_FRAME);
  const reader = t.readable.getReader();
  const writer = t.writable.getWriter();
  /** This receiver's Opus decoder (its sender's frames, in order), made at its first Opus packet. */
  let decoder: OpusFrameDecoder | null = null;
  let decoderFrame = 0;
  let lastIn = 0;
  for (;;) {
    const { value: f, done } = await reader.read();
    if (done) return;
    const b = new Uint8Array(f.data);
    if (!isDuet(b)) {
      stats.passedOn++;
      await writer.write(f);
      continue;
    }
    const p = unpackDuet(b.subarray(RTP_MAGIC.length));
    const ring = play;
    if (!p || !ring) continue; // no duet playing here: dropped
    if (dropIn > 0 && Math.random() < dropIn) continue; // test hook: a lossy path
    const h = p.header;
    const at = performance.now();
    if (lastIn > 0) stats.recvGapMaxMs = Math.max(stats.recvGapMaxMs, at - lastIn);
    lastIn = at;
    if (h.codec === 'opus' && (!decoder || decoderFrame !== h.frame)) {
      const lib = opus();
      if (!lib) {
        stats.undecodable++;
        continue;
      }
      decoder?.dispose();
      decoder = lib.decoder(h.frame);
      decoderFrame = h.frame;
    }
    const arrived = now();
    const frameMs = h.frame / 48;
    stats.packetsIn++;
    if (o.participantSid) stats.from = o.participantSid;
    stats.reportMs = h.reportMs;
    stats.poor = h.poor;
    if (h.askRepeat) peerAsksRepeat = true;
    for (let i = 0; i < p.payloads.length; i++) {
      const seq = (h.seq + i) >>> 0;
      if (seen[seq & 63] === (seq | 0)) {
        stats.framesDuplicate++;
        continue;
      }
      seen[seq & 63] = seq | 0;
      stats.framesIn++;
      if (i < (h.repeated ?? 0)) stats.framesRecovered++;
      stats.rawTransits.push(arrived - (h.senderMs + i * frameMs));
      let n: number;
      const t0 = performance.now();
      if (h.codec === 'opus') {
        try {
          n = decoder!.decode(p.payloads[i], scratch);
        } catch {
          stats.undecodable++;
          continue;
        }
      } else n = decodePcm16(p.payloads[i], scratch);
      stats.decodeMsTotal += performance.now() - t0;
      stats.framesDecoded++;
      ringWrite(ring, seq, scratch, n, 0);
    }
    // Not passed on: WebRTC's decoder would read a duet packet as Opus.
  }
}

scope.onrtctransform = (ev) => {
  const t = ev.transformer;
  void (t.options.side === 'send' ? send(t, t.options) : receive(t, t.options));
};
