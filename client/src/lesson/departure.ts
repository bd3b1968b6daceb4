// Why a person left the lesson, as the other side's screen should tell it: gone on purpose, or
// dropped by their network and likely to come back.
import { DisconnectReason } from 'livekit-client';

/** How long a person whose connection timed out stays on the other side's screen as "connection dropped"
 *  (their tile, not "waiting for the other side to join"): long enough for a router restart. */
export const DROPPED_KEEP_MS = 180_000;

/** Why LiveKit removed a participant: only these mean the person (or the school) meant them to go,
 *  or that their new connection replaced the old one (duplicate identity). Anything else (above all
 *  a connection timeout: the SFU closes a participant ~20 s after its network went silent) means
 *  they are likely to come back. */
const LEFT_ON_PURPOSE = new Set<DisconnectReason>([
  DisconnectReason.CLIENT_INITIATED,
  DisconnectReason.DUPLICATE_IDENTITY,
  DisconnectReason.PARTICIPANT_REMOVED,
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.ROOM_CLOSED,
  DisconnectReason.USER_REJECTED,
  DisconnectReason.USER_UNAVAILABLE,
]);

/** Whether a participant LiveKit removed for `reason` meant to go (no "connection dropped" tile for them). */
export function leftOnPurpose(reason: DisconnectReason | undefined): boolean {
  return reason !== undefined && LEFT_ON_PURPOSE.has(reason);
}
