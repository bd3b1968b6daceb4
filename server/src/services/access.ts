// Who may join which room: open development rooms here (MUSE_DEV_ROOMS=1 only);
// scheduled lessons are authorized by authorizeLessonJoin in services/lessons.ts.
import { randomBytes } from 'node:crypto';
import type { DevTokenRequest, Role } from '../../../shared/api';
import type { Config } from '../config';
import { HttpError } from '../errors';

export interface JoinGrant {
  room: string;
  identity: string;
  name: string;
  role: Role;
  /** The lesson's teacher may mute or remove participants. */
  roomAdmin?: boolean;
}

/** Grants a join to an open development room, or refuses when dev rooms are off. */
export function authorizeDevJoin(config: Config, req: DevTokenRequest): JoinGrant {
  if (!config.devRooms) {
    throw new HttpError(404, 'not_found', 'Open rooms are switched off on this server. Join your lesson from the dashboard instead.');
  }
  // A fresh identity per join: two tabs with the same name never kick each other out.
  const identity = `${req.role}-${randomBytes(6).toString('hex')}`;
  return { room: req.room, identity, name: req.name, role: req.role };
}
