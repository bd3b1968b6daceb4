// A LiveKit user data packet (livekit.DataPacket { kind: LOSSY, user: UserPacket }) written by
// hand, for duet mode's hundreds of packets a second. Room.localParticipant.publishData builds
// message objects, serialises them through protobuf-es and runs several awaits per packet; on a
// 2-core machine that was a large share of a page thread that also has to deliver the audio in
// time. The bytes are those protobuf-es writes for the same message (client/tests/unit/
// lossyPacket.test.ts checks them against @livekit/protocol), so the SFU reads them as its own.

const enc = new TextEncoder();

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** A lossy user packet: `payload` under `topic`, from `identity`. */
export class LossyPacketWriter {
  private readonly identity: Uint8Array;
  private readonly topic: Uint8Array;

  constructor(identity: string, topic: string) {
    this.identity = enc.encode(identity);
    this.topic = enc.encode(topic);
  }

  write(payload: Uint8Array): Uint8Array<ArrayBuffer> {
    // UserPacket, fields in number order as protobuf-es writes them: payload (2), topic (4), participant_identity (5).
    const idLen = this.identity.length ? 1 + varintLength(this.identity.length) + this.identity.length : 0;
    // proto3 leaves out empty fields.
    const payloadLen = payload.length ? 1 + varintLength(payload.length) + payload.length : 0;
    const user = payloadLen + 1 + varintLength(this.topic.length) + this.topic.length + idLen;
    // DataPacket: kind (1) = LOSSY, user (2).
    const out = new Uint8Array(2 + 1 + varintLength(user) + user);
    let at = 0;
    out[at++] = 0x08;
    out[at++] = 0x01;
    out[at++] = 0x12;
    at = writeVarint(out, at, user);
    if (payloadLen) {
      out[at++] = 0x12;
      at = writeVarint(out, at, payload.length);
      out.set(payload, at);
      at += payload.length;
    }
    out[at++] = 0x22;
    at = writeVarint(out, at, this.topic.length);
    out.set(this.topic, at);
    at += this.topic.length;
    if (idLen) {
      out[at++] = 0x2a;
      at = writeVarint(out, at, this.identity.length);
      out.set(this.identity, at);
    }
    return out;
  }
}

const dec = new TextDecoder();

export interface LossyUserPacket {
  /** The sender's identity: the DataPacket's (set by the SFU), else the UserPacket's. */
  identity: string;
  topic: string;
  /** A view into the received bytes (not a copy). */
  payload: Uint8Array;
}

/** Reads a varint at `at`; returns [value, next offset], or null past the end. */
function readVarint(b: Uint8Array, at: number): [number, number] | null {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= b.length) return null;
    const x = b[at++];
    n += (x & 0x7f) * mul;
    if (x < 0x80) return [n, at];
    mul *= 128;
  }
  return null;
}

/** Calls `field(number, start, end)` for each length-delimited field of the message in
 *  b[from, to); skips the others. False when the bytes are not a well-formed message. */
function walk(b: Uint8Array, from: number, to: number, field: (num: number, start: number, end: number) => void): boolean {
  let at = from;
  while (at < to) {
    const key = readVarint(b, at);
    if (!key) return false;
    at = key[1];
    const num = Math.floor(key[0] / 8);
    switch (key[0] & 7) {
      case 0: {
        const v = readVarint(b, at);
        if (!v) return false;
        at = v[1];
        break;
      }
      case 1:
        at += 8;
        break;
      case 2: {
        const len = readVarint(b, at);
        if (!len || len[1] + len[0] > to) return false;
        field(num, len[1], len[1] + len[0]);
        at = len[1] + len[0];
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        return false;
    }
  }
  return at === to;
}

/** Reads a LiveKit DataPacket carrying a UserPacket (as the SFU forwards one), without building
 *  protobuf objects: its topic, sender and payload. Null for any other packet (speaker updates,
 *  encrypted packets, RPC, streams…), which the caller hands on to LiveKit. */
export function readLossyUserPacket(b: Uint8Array): LossyUserPacket | null {
  const user = { start: -1, end: -1 };
  let identity = '';
  // DataPacket: user (2), participant_identity (4), destination_identities (5), participant_sid (17);
  // any other length-delimited field is another kind of packet (speaker update, RPC, encrypted…).
  let other = false;
  if (!walk(b, 0, b.length, (num, s, e) => {
    if (num === 2) {
      user.start = s;
      user.end = e;
    }
    else if (num === 4) identity = dec.decode(b.subarray(s, e));
    else if (num !== 5 && num !== 17) other = true;
  }) || user.start < 0 || other) return null;
  const us = user.start;
  const ue = user.end;
  const got = { topic: null as string | null, payload: b.subarray(us, us), identity: '' };
  // UserPacket: payload (2), topic (4), participant_identity (5); sid (1), destination sids (3) and identities (6) ignored.
  if (!walk(b, us, ue, (num, s, e) => {
    if (num === 2) got.payload = b.subarray(s, e);
    else if (num === 4) got.topic = dec.decode(b.subarray(s, e));
    else if (num === 5) got.identity = dec.decode(b.subarray(s, e));
  }) || got.topic === null) return null;
  return { identity: identity || got.identity, topic: got.topic, payload: got.payload };
}
