import { DisconnectReason } from 'livekit-client';
import { leftOnPurpose } from './departure';

// Every reason LiveKit can give, classified by hand: a reason a newer livekit-client adds fails the
// first test until it is put in one list or the other.
const ON_PURPOSE = ['CLIENT_INITIATED', 'DUPLICATE_IDENTITY', 'PARTICIPANT_REMOVED', 'ROOM_DELETED', 'ROOM_CLOSED', 'USER_REJECTED', 'USER_UNAVAILABLE'];
const MAY_COME_BACK = ['UNKNOWN_REASON', 'SERVER_SHUTDOWN', 'STATE_MISMATCH', 'JOIN_FAILURE', 'MIGRATION', 'SIGNAL_CLOSE', 'SIP_TRUNK_FAILURE', 'CONNECTION_TIMEOUT', 'MEDIA_FAILURE', 'AGENT_ERROR'];

const reasons = Object.entries(DisconnectReason).filter((e): e is [string, DisconnectReason] => typeof e[1] === 'number');

test('every disconnect reason of this livekit-client is classified', () => {
  expect(reasons.length).toBeGreaterThanOrEqual(15);
  const unclassified = reasons.map(([name]) => name).filter((n) => !ON_PURPOSE.includes(n) && !MAY_COME_BACK.includes(n));
  expect(unclassified).toEqual([]);
});

test.each(reasons)('%s: left on purpose only if the person or the school meant it', (name, reason) => {
  expect(leftOnPurpose(reason)).toBe(ON_PURPOSE.includes(name));
});

test('a removal with no reason given keeps the person on screen as dropped', () => {
  expect(leftOnPurpose(undefined)).toBe(false);
});

test('a connection timeout (the SFU closing a silent participant) is not leaving', () => {
  expect(leftOnPurpose(DisconnectReason.CONNECTION_TIMEOUT)).toBe(false);
  expect(leftOnPurpose(DisconnectReason.CLIENT_INITIATED)).toBe(true);
});
