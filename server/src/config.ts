// Server configuration from the environment, validated once at start-up.
import path from 'node:path';
import { z } from 'zod';

/** Development credentials, shared by the server and the livekit-server it starts; production sets its own. */
export const DEV_LIVEKIT_API_KEY = 'devkey';
export const DEV_LIVEKIT_API_SECRET = 'muse-dev-secret-change-me-in-production-0123';

const bool = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

const schema = z.object({
  MUSE_HOST: z.string().default('127.0.0.1'),
  MUSE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MUSE_PUBLIC_LIVEKIT_URL: z.string().default('ws://127.0.0.1:7880'),
  MUSE_LIVEKIT_API_URL: z.string().default('http://127.0.0.1:7880'),
  MUSE_LIVEKIT_API_KEY: z.string().min(1).default(DEV_LIVEKIT_API_KEY),
  MUSE_LIVEKIT_API_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_LIVEKIT_API_SECRET),
  MUSE_DEV_ROOMS: bool.default(false),
  MUSE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
  MUSE_DATA_DIR: z.string().default('data'),
  MUSE_CLIENT_DIR: z.string().default('client/dist'),
  MUSE_PUBLIC_URL: z.url().optional(),
  MUSE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  MUSE_ROOM_OPEN_MINUTES: z.coerce.number().int().min(0).max(120).default(10),
  MUSE_ROOM_GRACE_MINUTES: z.coerce.number().int().min(0).max(240).default(15),
  MUSE_INVITE_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  MUSE_SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  MUSE_LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
  MUSE_LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  MUSE_RECORDING_MAX_MB: z.coerce.number().int().min(1).max(100_000).default(2048),
  MUSE_VIDEO_MAX_MB: z.coerce.number().int().min(1).max(100_000).default(2048),
});

export interface Config {
  host: string;
  port: number;
  publicLiveKitUrl: string;
  /** Where our server reaches LiveKit's RoomService (HTTP). */
  liveKitApiUrl: string;
  liveKitApiKey: string;
  liveKitApiSecret: string;
  /** Open rooms joinable by anyone with the link: development and tests only. */
  devRooms: boolean;
  tokenTtlSeconds: number;
  /** SQLite database and (later) lesson files live here. */
  dataDir: string;
  clientDir: string;
  /** Base of links we hand out (invites, calendar feeds); taken from the request when unset. */
  publicUrl: string | null;
  /** Server secret for room names and feed tokens; generated once and kept in the database when unset. */
  secret: string | null;
  roomOpenMinutes: number;
  roomGraceMinutes: number;
  inviteDays: number;
  sessionDays: number;
  loginMaxAttempts: number;
  loginWindowMinutes: number;
  /** Largest recording one upload may carry (bytes). */
  recordingMaxBytes: number;
  /** Largest preview video (packaged or original) one upload may carry (bytes). */
  videoMaxBytes: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${lines}. Fix these environment variables and start again.`);
  }
  const c = parsed.data;
  return {
    host: c.MUSE_HOST,
    port: c.MUSE_PORT,
    publicLiveKitUrl: c.MUSE_PUBLIC_LIVEKIT_URL,
    liveKitApiUrl: c.MUSE_LIVEKIT_API_URL,
    liveKitApiKey: c.MUSE_LIVEKIT_API_KEY,
    liveKitApiSecret: c.MUSE_LIVEKIT_API_SECRET,
    devRooms: c.MUSE_DEV_ROOMS,
    tokenTtlSeconds: c.MUSE_TOKEN_TTL_SECONDS,
    dataDir: path.resolve(c.MUSE_DATA_DIR),
    clientDir: path.resolve(c.MUSE_CLIENT_DIR),
    publicUrl: c.MUSE_PUBLIC_URL ? c.MUSE_PUBLIC_URL.replace(/\/+$/, '') : null,
    secret: c.MUSE_SECRET ?? null,
    roomOpenMinutes: c.MUSE_ROOM_OPEN_MINUTES,
    roomGraceMinutes: c.MUSE_ROOM_GRACE_MINUTES,
    inviteDays: c.MUSE_INVITE_DAYS,
    sessionDays: c.MUSE_SESSION_DAYS,
    loginMaxAttempts: c.MUSE_LOGIN_MAX_ATTEMPTS,
    loginWindowMinutes: c.MUSE_LOGIN_WINDOW_MINUTES,
    recordingMaxBytes: c.MUSE_RECORDING_MAX_MB * 1024 * 1024,
    videoMaxBytes: c.MUSE_VIDEO_MAX_MB * 1024 * 1024,
  };
}
