// POST /api/dev/rooms/token — a LiveKit token for an open development room.
import { Router, type Request } from 'express';
import { devTokenRequest, type JoinResponse } from '../../../shared/api';
import type { Config } from '../config';
import { fromZod } from '../errors';
import { mintToken } from '../livekit/tokens';
import { log } from '../log';
import { authorizeDevJoin } from '../services/access';

export function roomRoutes(config: Config): Router {
  const router = Router();
  router.post('/dev/rooms/token', async (req: Request, res) => {
    const parsed = devTokenRequest.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error, 'join request');
    const grant = authorizeDevJoin(config, parsed.data);
    const minted = await mintToken(config, grant);
    log.info('room.token', { room: grant.room, identity: grant.identity, role: grant.role });
    const body: JoinResponse = {
      livekitUrl: config.publicLiveKitUrl,
      token: minted.token,
      room: grant.room,
      identity: grant.identity,
      role: grant.role,
      expiresAt: minted.expiresAt.toISOString(),
    };
    res.json(body);
  });
  return router;
}
