// Room calls: a LiveKit token for an open development room, and the teacher's music-mode switch.
import { Router, type Request } from 'express';
import { type CheckTokenResponse, DEFAULT_METRONOME, devTokenRequest, duetRequest, metronomeRequest, musicModeRequest, roomName, type JoinCapabilities, type JoinResponse, type MetronomeState, type RoomState } from '../../../shared/api';
import type { ControlClaims } from '../livekit/control';
import type { Config } from '../config';
import { fromZod, HttpError } from '../errors';
import { mintControlToken, verifyControlToken } from '../livekit/control';
import { RoomStateStore } from '../livekit/rooms';
import { mintCheckToken, mintToken } from '../livekit/tokens';
import { log } from '../log';
import { authorizeDevJoin, type JoinGrant } from '../services/access';

/** The JoinResponse for a granted join: LiveKit token plus our control token. */
export async function joinResponse(config: Config, grant: JoinGrant, caps: JoinCapabilities = {}): Promise<JoinResponse> {
  const minted = await mintToken(config, { ...grant, duetRtp: caps.duetRtp === true });
  return {
    livekitUrl: config.publicLiveKitUrl,
    token: minted.token,
    controlToken: mintControlToken(config, grant),
    room: grant.room,
    identity: grant.identity,
    role: grant.role,
    expiresAt: minted.expiresAt.toISOString(),
  };
}

export function roomRoutes(config: Config): Router {
  const router = Router();
  const rooms = new RoomStateStore(config);

  router.post('/dev/rooms/token', async (req: Request, res) => {
    const parsed = devTokenRequest.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error, 'join request');
    const grant = authorizeDevJoin(config, parsed.data);
    log.info('room.token', { room: grant.room, identity: grant.identity, role: grant.role, duetRtp: parsed.data.duetRtp === true });
    res.json(await joinResponse(config, grant, parsed.data));
  });

  /** The control token's claims when they are the teacher's for `:room`; 4xx otherwise. */
  function teacherOf(req: Request<{ room: string }>, what: string): ControlClaims & { room: string } {
    const room = roomName.safeParse(req.params.room);
    if (!room.success) throw new HttpError(400, 'invalid_input', 'The room name is not valid.', { room: room.error.issues[0].message });
    const who = verifyControlToken(config, req.get('authorization'));
    if (who.room !== room.data) throw new HttpError(403, 'forbidden', 'Your lesson token is for another room.');
    if (who.role !== 'teacher') throw new HttpError(403, 'teacher_only', `Only the teacher can ${what}.`);
    return who;
  }

  // Only the lesson's teacher switches music mode; every client follows the room metadata.
  router.post('/rooms/:room/music-mode', async (req: Request<{ room: string }>, res) => {
    const who = teacherOf(req, 'switch music mode');
    const body = musicModeRequest.safeParse(req.body ?? {});
    if (!body.success) throw fromZod(body.error, 'music mode request');
    // Leaving music mode ends duet mode too (duet plays with music mode's capture settings).
    const state: RoomState = await rooms.update(who.room, { musicMode: body.data.on, ...(body.data.on ? {} : { duet: false }), changedBy: who.identity, changedAt: new Date().toISOString() });
    log.info('room.music_mode', { room: who.room, by: who.identity, on: body.data.on });
    res.json(state);
  });

  // Duet mode: both sides play together over the data path. Switching it on turns music mode on
  // (its capture settings: no processing); switching it off leaves music mode on.
  router.post('/rooms/:room/duet', async (req: Request<{ room: string }>, res) => {
    const who = teacherOf(req, 'switch duet mode');
    const body = duetRequest.safeParse(req.body ?? {});
    if (!body.success) throw fromZod(body.error, 'duet request');
    const duetEnded = body.data.on ? null : (body.data.reason ?? 'teacher');
    const state: RoomState = await rooms.update(who.room, { duet: body.data.on, duetEnded, ...(body.data.on ? { musicMode: true } : {}), changedBy: who.identity, changedAt: new Date().toISOString() });
    log.info('room.duet', { room: who.room, by: who.identity, on: body.data.on, ...(duetEnded ? { ended: duetEnded } : {}) });
    res.json(state);
  });

  // The shared metronome: the teacher's grid, on the teacher's clock (see MetronomeState).
  router.post('/rooms/:room/metronome', async (req: Request<{ room: string }>, res) => {
    const who = teacherOf(req, 'control the shared metronome');
    const body = metronomeRequest.safeParse(req.body ?? {});
    if (!body.success) throw fromZod(body.error, 'metronome request');
    const b = body.data;
    const current = (await rooms.get(who.room)).metronome;
    const metronome: MetronomeState = b.running
      ? { running: true, bpm: b.bpm, beatsPerBar: b.beatsPerBar, subdivisions: b.subdivisions, startAtMs: b.startAtMs, clock: who.identity }
      : { ...DEFAULT_METRONOME, bpm: current.bpm, beatsPerBar: current.beatsPerBar, subdivisions: current.subdivisions };
    const state: RoomState = await rooms.update(who.room, { metronome, changedBy: who.identity, changedAt: new Date().toISOString() });
    log.info('room.metronome', { room: who.room, by: who.identity, running: metronome.running, bpm: metronome.bpm });
    res.json(state);
  });
  // Either participant may run the music-safety check: a hidden listener for their own test tone.
  router.post('/rooms/:room/check-token', async (req: Request<{ room: string }>, res) => {
    const room = roomName.safeParse(req.params.room);
    if (!room.success) throw new HttpError(400, 'invalid_input', 'The room name is not valid.', { room: room.error.issues[0].message });
    const who = verifyControlToken(config, req.get('authorization'));
    if (who.room !== room.data) throw new HttpError(403, 'forbidden', 'Your lesson token is for another room.');
    const minted = await mintCheckToken(config, who);
    const body: CheckTokenResponse = { livekitUrl: config.publicLiveKitUrl, token: minted.token, identity: minted.identity };
    res.json(body);
  });
  return router;
}
