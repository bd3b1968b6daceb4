// Duet mode's hand-written LiveKit data packets must be the bytes LiveKit's own protobuf code
// writes, or the SFU would not forward them.
import { ActiveSpeakerUpdate, DataPacket, DataPacket_Kind, RpcRequest, SpeakerInfo, UserPacket } from '@livekit/protocol';
import { LossyPacketWriter, readLossyUserPacket } from '../../src/lesson/lossyPacket';

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

describe('readLossyUserPacket', () => {
  const payload = new Uint8Array(300).map((_, i) => (i * 13 + 5) & 0xff);

  test('reads a packet as the SFU forwards it: identity and sid set on the DataPacket, the UserPacket with its own sid', () => {
    const forwarded = new DataPacket({
      kind: DataPacket_Kind.LOSSY,
      participantIdentity: 'teacher-1',
      participantSid: 'PA_abc',
      destinationIdentities: ['student-2'],
      value: { case: 'user', value: new UserPacket({ participantSid: 'PA_abc', participantIdentity: 'teacher-1', payload, topic: 'duet', destinationIdentities: ['student-2'] }) },
    }).toBinary();
    const p = readLossyUserPacket(forwarded);
    expect(p && { identity: p.identity, topic: p.topic, payload: [...p.payload] }).toEqual({ identity: 'teacher-1', topic: 'duet', payload: [...payload] });
  });

  test('reads what LossyPacketWriter writes, and a Korean identity', () => {
    const p = readLossyUserPacket(new LossyPacketWriter('한국어-학생', 'duet').write(payload));
    expect(p && { identity: p.identity, topic: p.topic, n: p.payload.length }).toEqual({ identity: '한국어-학생', topic: 'duet', n: 300 });
  });

  test('the DataPacket identity wins over the UserPacket one; an empty payload reads as empty', () => {
    const bytes = new DataPacket({ kind: DataPacket_Kind.LOSSY, participantIdentity: 'from-sfu', value: { case: 'user', value: new UserPacket({ participantIdentity: 'claimed', topic: 'duet' }) } }).toBinary();
    expect(readLossyUserPacket(bytes)).toMatchObject({ identity: 'from-sfu', topic: 'duet' });
    expect(readLossyUserPacket(bytes)!.payload.length).toBe(0);
  });

  test('other packets are not ours: speaker updates, RPC, a user packet without a topic, and truncated bytes', () => {
    const speaker = new DataPacket({ kind: DataPacket_Kind.LOSSY, value: { case: 'speaker', value: new ActiveSpeakerUpdate({ speakers: [new SpeakerInfo({ sid: 'PA_x', level: 0.5, active: true })] }) } }).toBinary();
    const rpc = new DataPacket({ kind: DataPacket_Kind.RELIABLE, participantIdentity: 'a', value: { case: 'rpcRequest', value: new RpcRequest({ id: '1', method: 'm', payload: 'x' }) } }).toBinary();
    const noTopic = new DataPacket({ kind: DataPacket_Kind.LOSSY, participantIdentity: 'a', value: { case: 'user', value: new UserPacket({ payload }) } }).toBinary();
    const whole = new LossyPacketWriter('teacher-1', 'duet').write(payload);
    expect(readLossyUserPacket(speaker)).toBeNull();
    expect(readLossyUserPacket(rpc)).toBeNull();
    expect(readLossyUserPacket(noTopic)).toBeNull();
    expect(readLossyUserPacket(whole.subarray(0, whole.length - 3))).toBeNull();
    expect(readLossyUserPacket(whole.subarray(0, 10))).toBeNull();
  });
});
