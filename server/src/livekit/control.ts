// Control tokens: our server's signed statement "this identity, in this room, with this role",
// handed out with the LiveKit token and presented back on calls that change the lesson
// (music mode). Signed with the LiveKit API secret, valid for the length of a lesson.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ROLE, type Role } from '../../../shared/api';
import type { Config } from '../config';
import { HttpError } from '../errors';

const CONTROL_TTL_SECONDS = 6 * 3600;

const claims = z.object({ room: z.string(), identity: z.string(), role: z.enum(ROLE), exp: z.number() });
export type ControlClaims = z.infer<typeof claims>;

function sign(config: Config, payload: string): string {
  return createHmac('sha256', `muse-control:${config.liveKitApiSecret}`).update(payload).digest('base64url');
}

export function mintControlToken(config: Config, who: { room: string; identity: string; role: Role }, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...who, exp: Math.floor(now / 1000) + CONTROL_TTL_SECONDS })).toString('base64url');
  return `${payload}.${sign(config, payload)}`;
}

/** The claims of the request's `Authorization: Bearer` control token, or a 401. */
export function verifyControlToken(config: Config, header: string | undefined, now = Date.now()): ControlClaims {
  const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
  const [payload, mac] = token.split('.');
  const unauthorized = new HttpError(401, 'unauthorized', 'This call needs the control token you received when joining the lesson. Join the lesson again.');
  if (!payload || !mac) throw unauthorized;
  const expected = Buffer.from(sign(config, payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw unauthorized;
  let parsed: ControlClaims;
  try {
    parsed = claims.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw unauthorized;
  }
  if (parsed.exp * 1000 < now) throw new HttpError(401, 'expired', 'Your lesson session has expired. Join the lesson again.');
  return parsed;
}
