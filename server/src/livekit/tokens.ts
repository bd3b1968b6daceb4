// Mints LiveKit access tokens: one room, one identity, short TTL, only the grants a lesson needs.
import { AccessToken } from 'livekit-server-sdk';
import { DUET_RTP_ATTRIBUTE, type Role } from '../../../shared/api';
import type { Config } from '../config';

export interface TokenRequest {
  room: string;
  identity: string;
  name: string;
  role: Role;
  /** Lets the holder mute and remove others: the lesson's teacher only. */
  roomAdmin?: boolean;
  /** The browser reads duet frames in RTP (it said so when asking to join): the others may send them so. */
  duetRtp?: boolean;
}

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

export async function mintToken(config: Config, req: TokenRequest, now = new Date()): Promise<MintedToken> {
  const ttl = config.tokenTtlSeconds;
  const at = new AccessToken(config.liveKitApiKey, config.liveKitApiSecret, {
    identity: req.identity,
    name: req.name,
    ttl,
    attributes: { role: req.role, ...(req.duetRtp === true ? { [DUET_RTP_ATTRIBUTE]: '1' } : {}) },
  });
  at.addGrant({
    room: req.room,
    roomJoin: true,
    canPublish: true,
    canSubscribe: true,
    canPublishData: true,
    // Only our server sets names, roles and room state; clients may not rewrite them.
    canUpdateOwnMetadata: false,
    roomAdmin: req.roomAdmin === true,
  });
  return { token: await at.toJwt(), expiresAt: new Date(now.getTime() + ttl * 1000) };
}

/**
 * A hidden, listen-only identity beside a participant, for the music-safety check: it subscribes
 * to that participant's test track, so the test tone goes through the real SFU and comes back.
 * Hidden participants do not appear to anyone else in the room.
 */
export async function mintCheckToken(config: Config, who: { room: string; identity: string }, now = new Date()): Promise<MintedToken & { identity: string }> {
  const ttl = 120;
  const identity = `${who.identity}~check`;
  const at = new AccessToken(config.liveKitApiKey, config.liveKitApiSecret, { identity, ttl });
  at.addGrant({ room: who.room, roomJoin: true, hidden: true, canPublish: false, canSubscribe: true, canPublishData: false, canUpdateOwnMetadata: false });
  return { token: await at.toJwt(), expiresAt: new Date(now.getTime() + ttl * 1000), identity };
}
