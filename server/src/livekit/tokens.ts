// Mints LiveKit access tokens: one room, one identity, short TTL, only the grants a lesson needs.
import { AccessToken } from 'livekit-server-sdk';
import type { Role } from '../../../shared/api';
import type { Config } from '../config';

export interface TokenRequest {
  room: string;
  identity: string;
  name: string;
  role: Role;
  /** Lets the holder mute and remove others: the lesson's teacher only. */
  roomAdmin?: boolean;
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
    attributes: { role: req.role },
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
