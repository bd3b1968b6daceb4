// The duet packet: a small header and consecutive frames' payloads. Carried by LiveKit's lossy
// data packets (Duet.svelte.ts) or inside RTP audio frames (duetRtp.worker.ts); plain code, no
// Svelte, so the worker can import it.
export type DuetCodec = 'opus' | 'pcm';

const VERSION = 2;
/** Bytes before the first payload. */
export const DUET_HEADER_BYTES = 24;
const HEADER = DUET_HEADER_BYTES;
const CODEC_ID: Record<DuetCodec, number> = { pcm: 0, opus: 1 };

/** The fixed part of a duet packet (little-endian). */
export interface DuetHeader {
  codec: DuetCodec;
  frame: number;
  /** Sequence number of the packet's first frame; the others follow one by one. */
  seq: number;
  /** Sender's page clock (nowMs scale) when the first frame's first sample was captured. */
  senderMs: number;
  /** The sender's measured one-way latency from us to them (ms; NaN unknown): our outbound figure. */
  reportMs: number;
  /** The sender finds the path too poor for duet playing. */
  poor: boolean;
  /** How many of the first payloads repeat frames an earlier packet carried (redundancy against its loss; 0 when left out). */
  repeated?: number;
  /** The sender, as a listener, asks the other side for Opus with each packet repeating the one before (RTP; DUET_ASK_REPEAT). */
  askRepeat?: boolean;
}

/** Packs a header and consecutive frames' payloads, the first with sequence number `h.seq`
 *  (with redundancy on, that first one is the frame the previous packet ended with). */
export function packDuet(h: DuetHeader, payloads: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = HEADER;
  for (const p of payloads) size += 2 + p.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint8(0, VERSION);
  v.setUint8(1, CODEC_ID[h.codec]);
  v.setUint16(2, h.frame, true);
  v.setUint32(4, h.seq >>> 0, true);
  v.setFloat64(8, h.senderMs, true);
  v.setFloat32(16, h.reportMs, true);
  v.setUint8(20, (h.poor ? 1 : 0) | (h.askRepeat ? 2 : 0));
  v.setUint8(21, payloads.length);
  v.setUint8(22, Math.min(h.repeated ?? 0, payloads.length));
  let at = HEADER;
  for (const p of payloads) {
    v.setUint16(at, p.length, true);
    out.set(p, at + 2);
    at += 2 + p.length;
  }
  return out;
}

/** Unpacks a packet; null when it is not a duet packet of this version or is cut short. */
export function unpackDuet(b: Uint8Array): { header: DuetHeader; payloads: Uint8Array[] } | null {
  if (b.length < HEADER || b[0] !== VERSION) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const codec: DuetCodec = v.getUint8(1) === 1 ? 'opus' : 'pcm';
  const count = v.getUint8(21);
  const payloads: Uint8Array[] = [];
  let at = HEADER;
  for (let i = 0; i < count; i++) {
    if (at + 2 > b.length) return null;
    const len = v.getUint16(at, true);
    if (at + 2 + len > b.length) return null;
    payloads.push(b.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return {
    header: { codec, frame: v.getUint16(2, true), seq: v.getUint32(4, true), senderMs: v.getFloat64(8, true), reportMs: v.getFloat32(16, true), poor: (v.getUint8(20) & 1) === 1, askRepeat: (v.getUint8(20) & 2) === 2, repeated: Math.min(v.getUint8(22), count) },
    payloads,
  };
}

/** Writes `n` samples of `pcm` from `offset` into `out` as 16-bit little-endian PCM (n × 2 bytes),
 *  clipped to full scale: the duet path's PCM payload. */
export function encodePcm16(pcm: Float32Array, offset: number, n: number, out: Uint8Array): void {
  for (let i = 0; i < n; i++) {
    const s = Math.max(-32768, Math.min(32767, Math.round(pcm[offset + i] * 32767)));
    out[i * 2] = s & 0xff;
    out[i * 2 + 1] = (s >> 8) & 0xff;
  }
}

/** Reads a 16-bit little-endian PCM payload into `out`; returns the samples read (at most out.length). */
export function decodePcm16(bytes: Uint8Array, out: Float32Array): number {
  const n = Math.min(out.length, bytes.length >> 1);
  for (let i = 0; i < n; i++) {
    const u = bytes[i * 2] | (bytes[i * 2 + 1] << 8);
    out[i] = (u >= 0x8000 ? u - 0x10000 : u) / 32768;
  }
  return n;
}
