// Duet mode's hand-written LiveKit data packets must be the bytes LiveKit's own protobuf code
// writes, or the SFU would not forward them.
import { DataPacket, DataPacket_Kind, UserPacket } from '@livekit/protocol';
import { LossyPacketWriter } from '../../src/lesson/lossyPacket';

function reference(identity: string, topic: string, payload: Uint8Array): Uint8Array {
  return new DataPacket({ kind: DataPacket_Kind.LOSSY, value: { case: 'user', value: new UserPacket({ participantIdentity: identity, payload, topic }) } }).toBinary();
}

describe('LossyPacketWriter', () => {
  test.each([
    ['teacher-1', 'duet', 0],
    ['teacher-1', 'duet', 1],
    ['student', 'duet', 127],
    ['student', 'duet', 128],
    ['한국어-학생', 'duet', 490],
    ['s', 'duet', 16384 + 3],
  ])('%s / %s with %i payload bytes: the bytes LiveKit writes', (identity, topic, size) => {
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i++) payload[i] = (i * 37 + 11) & 0xff;
    const ours = new LossyPacketWriter(identity, topic).write(payload);
    const ref = reference(identity, topic, payload);
    // Where the bytes first differ (-1: nowhere), rather than two long hex strings.
    const firstDiff = Array.from({ length: Math.max(ours.length, ref.length) }, (_, i) => i).find((i) => ours[i] !== ref[i]) ?? -1;
    expect({ length: ours.length, firstDiff }).toEqual({ length: ref.length, firstDiff: -1 });
  });

  test('what LiveKit reads back: a lossy user packet with our payload, topic and identity', () => {
    const payload = new Uint8Array([1, 2, 3, 250]);
    const p = DataPacket.fromBinary(new LossyPacketWriter('teacher-1', 'duet').write(payload));
    expect(p.kind).toBe(DataPacket_Kind.LOSSY);
    expect(p.value.case).toBe('user');
    const u = p.value.value as UserPacket;
    expect([...u.payload]).toEqual([...payload]);
    expect(u.topic).toBe('duet');
    expect(u.participantIdentity).toBe('teacher-1');
  });
});
