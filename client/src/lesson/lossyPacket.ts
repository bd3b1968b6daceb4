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
