// API schemas shared by the server (validation) and the client (types): one place, imported by both.
import { z } from 'zod';

export const ROLE = ['teacher', 'student'] as const;
export type Role = (typeof ROLE)[number];

/** Room names: what our server generates and what LiveKit accepts in a URL path. */
export const roomName = z
  .string()
  .min(3, 'must be at least 3 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, - and _');

export const devTokenRequest = z.object({
  room: roomName,
  name: z.string().trim().min(1, 'is required').max(60, 'must be at most 60 characters'),
  role: z.enum(ROLE),
});
export type DevTokenRequest = z.infer<typeof devTokenRequest>;

export interface JoinResponse {
  /** Proves this identity and role to our server during the call (music mode, later the metronome). */
  controlToken: string;
  /** WebSocket URL of the LiveKit SFU, as the browser must reach it. */
  livekitUrl: string;
  token: string;
  room: string;
  identity: string;
  role: Role;
  /** When the token stops being accepted for a new connection (ISO time). */
  expiresAt: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

export interface ClientConfig {
  devRooms: boolean;
}

/** Lesson-wide state our server keeps in the LiveKit room's metadata; every client follows it. */
export interface RoomState {
  musicMode: boolean;
  /** Identity of the teacher who last changed it, and when (ISO time). */
  changedBy: string | null;
  changedAt: string | null;
}

export const DEFAULT_ROOM_STATE: RoomState = { musicMode: false, changedBy: null, changedAt: null };

/** Parses room metadata written by our server; anything else reads as the default state. */
export function parseRoomState(metadata: string | undefined | null): RoomState {
  if (!metadata) return DEFAULT_ROOM_STATE;
  try {
    const v = JSON.parse(metadata) as Partial<RoomState>;
    return { ...DEFAULT_ROOM_STATE, musicMode: v.musicMode === true, changedBy: v.changedBy ?? null, changedAt: v.changedAt ?? null };
  } catch {
    return DEFAULT_ROOM_STATE;
  }
}

export const musicModeRequest = z.object({ on: z.boolean() });
