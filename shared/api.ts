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

/** What the joining browser can receive, told to the others in the room as participant attributes
 *  (set by our server in the LiveKit token: clients may not write attributes themselves). */
export const joinCapabilities = {
  /** Duet frames in RTP (WebRTC Encoded Transform): a side sends them so only when every other side says it can read them. */
  duetRtp: z.boolean().optional(),
};
export type JoinCapabilities = { duetRtp?: boolean };
/** The participant attribute that says a browser reads duet frames in RTP ('1'). */
export const DUET_RTP_ATTRIBUTE = 'duetRtp';

export const devTokenRequest = z.object({
  room: roomName,
  name: z.string().trim().min(1, 'is required').max(60, 'must be at most 60 characters'),
  role: z.enum(ROLE),
  ...joinCapabilities,
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

/** Metronome limits, shared by the UI, the server's validation and the audio node. */
export const METRONOME_LIMITS = { minBpm: 20, maxBpm: 300, maxBeatsPerBar: 12, maxSubdivisions: 4 } as const;

export const metronomeSettings = z.object({
  bpm: z.number().min(METRONOME_LIMITS.minBpm, 'must be 20 to 300').max(METRONOME_LIMITS.maxBpm, 'must be 20 to 300'),
  beatsPerBar: z.number().int().min(1, 'must be 1 to 12').max(METRONOME_LIMITS.maxBeatsPerBar, 'must be 1 to 12'),
  subdivisions: z.number().int().min(1, 'must be 1 to 4').max(METRONOME_LIMITS.maxSubdivisions, 'must be 1 to 4'),
});
export type MetronomeSettings = z.infer<typeof metronomeSettings>;

/**
 * The lesson's shared metronome. A running metronome is a grid: a downbeat at `startAtMs` on
 * the clock of participant `clock` (the teacher who set it: performance.timeOrigin +
 * performance.now() in their page), then bars of `beatsPerBar` beats at `bpm`. A tempo change
 * is a new grid starting at the old grid's next bar line. Each side maps the grid onto its own
 * audio clock (clock offset to `clock` estimated over LiveKit data messages) and plays it locally.
 */
export interface MetronomeState extends MetronomeSettings {
  running: boolean;
  startAtMs: number | null;
  clock: string | null;
}

export const DEFAULT_METRONOME: MetronomeState = { running: false, bpm: 80, beatsPerBar: 4, subdivisions: 1, startAtMs: null, clock: null };

export const metronomeRequest = z.discriminatedUnion('running', [
  metronomeSettings.extend({ running: z.literal(true), startAtMs: z.number().positive('must be a time in ms').finite() }),
  z.object({ running: z.literal(false) }),
]);
export type MetronomeRequest = z.infer<typeof metronomeRequest>;

/** Lesson-wide state our server keeps in the LiveKit room's metadata; every client follows it. */
export interface RoomState {
  musicMode: boolean;
  /** Duet mode: both sides hear each other over the low-latency data path (implies music mode). */
  duet: boolean;
  /** How duet mode last ended: the teacher switched it off, or the teacher's side fell back to music
   *  mode because the path lost or delayed too much sound ('fallback': both sides say so); null while
   *  it plays, or if it never did. */
  duetEnded: DuetEnd | null;
  metronome: MetronomeState;
  /** Identity of the teacher who last changed it, and when (ISO time). */
  changedBy: string | null;
  changedAt: string | null;
}

export type DuetEnd = 'teacher' | 'fallback';

export const DEFAULT_ROOM_STATE: RoomState = { musicMode: false, duet: false, duetEnded: null, metronome: DEFAULT_METRONOME, changedBy: null, changedAt: null };

/** Parses room metadata written by our server; anything else reads as the default state. */
export function parseRoomState(metadata: string | undefined | null): RoomState {
  if (!metadata) return DEFAULT_ROOM_STATE;
  try {
    const v = JSON.parse(metadata) as Partial<RoomState>;
    const duet = v.duet === true;
    const duetEnded = !duet && (v.duetEnded === 'teacher' || v.duetEnded === 'fallback') ? v.duetEnded : null;
    return { ...DEFAULT_ROOM_STATE, musicMode: v.musicMode === true, duet, duetEnded, metronome: parseMetronome(v.metronome), changedBy: v.changedBy ?? null, changedAt: v.changedAt ?? null };
  } catch {
    return DEFAULT_ROOM_STATE;
  }
}

function parseMetronome(v: unknown): MetronomeState {
  const s = metronomeSettings.safeParse(v);
  if (!s.success) return DEFAULT_METRONOME;
  const m = v as Partial<MetronomeState>;
  const running = m.running === true && typeof m.startAtMs === 'number' && typeof m.clock === 'string';
  return { ...s.data, running, startAtMs: running ? m.startAtMs! : null, clock: running ? m.clock! : null };
}

export const musicModeRequest = z.object({ on: z.boolean() });
/** `reason: 'fallback'`: the teacher's side ends duet mode because the path is too poor (not a click). */
export const duetRequest = z
  .object({ on: z.boolean(), reason: z.enum(['fallback']).optional() })
  .refine((b) => !(b.on && b.reason), { message: 'A reason is given only when duet mode is switched off.', path: ['reason'] });

// ---------------------------------------------------------------------------
// Scheduling (issue 6): people, invites, lessons, occurrences, calendar feeds.

export const LANGUAGE = ['ko', 'en'] as const;
export type Language = (typeof LANGUAGE)[number];

/** True for a zone name the runtime's time-zone database knows (IANA names such as "Asia/Seoul"). */
export function isIanaZone(zone: string): boolean {
  // Intl also accepts raw offsets ("+09:00") in some runtimes; a lesson must follow a real zone's DST rules.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = z.string().max(64, 'must be at most 64 characters').refine(isIanaZone, 'must be an IANA time zone such as Asia/Seoul');
export const password = z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters');
const personName = z.string().min(1, 'is required').max(80, 'must be at most 80 characters').refine((s) => s.trim().length > 0, 'is required');
const email = z.email('must be an email address').max(254, 'must be at most 254 characters');
/** A wall-clock time in the lesson's zone, minute precision: 2026-03-26T18:00. */
export const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be a local date and time like 2026-03-26T18:00');
export const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-06-30');

export const signupRequest = z.object({ email, password, name: personName, timeZone, language: z.enum(LANGUAGE) });
export type SignupRequest = z.infer<typeof signupRequest>;

/** Teachers log in with their email; students with their email if the teacher gave one, otherwise the login name shown on their invite. */
export const loginRequest = z.object({
  login: z.string().min(1, 'is required').max(254, 'must be at most 254 characters'),
  password: z.string().min(1, 'is required').max(200, 'must be at most 200 characters'),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const createStudentRequest = z.object({ name: personName, email: email.optional(), timeZone, language: z.enum(LANGUAGE) });
export type CreateStudentRequest = z.infer<typeof createStudentRequest>;

export const acceptInviteRequest = z.object({ password });
export type AcceptInviteRequest = z.infer<typeof acceptInviteRequest>;

export const recurrence = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('once') }),
  z.object({
    kind: z.literal('weekly'),
    interval: z.number().int().min(1, 'must be 1 to 4').max(4, 'must be 1 to 4').default(1),
    /** Last day (inclusive, in the lesson's zone) on which an occurrence may start. */
    until: localDate.optional(),
    count: z.number().int().min(1, 'must be 1 to 520').max(520, 'must be 1 to 520').optional(),
  }),
]);
export type Recurrence = z.infer<typeof recurrence>;

const title = z.string().min(1, 'is required').max(120, 'must be at most 120 characters');
const notes = z.string().max(4000, 'must be at most 4000 characters');
const durationMinutes = z.number().int('must be a whole number of minutes').min(5, 'must be 5 to 480 minutes').max(480, 'must be 5 to 480 minutes');
const studentIds = z.array(z.string().min(1).max(40)).min(1, 'needs at least one student').max(8, 'may hold at most 8 students');

export const createLessonRequest = z.object({
  title,
  notes: notes.default(''),
  /** Wall-clock start in the teacher's zone (or timeZone when given). */
  start: localDateTime,
  timeZone: timeZone.optional(),
  durationMinutes,
  studentIds,
  recurrence: recurrence.default({ kind: 'once' }),
});
export type CreateLessonRequest = z.input<typeof createLessonRequest>;

/** An occurrence is named by its original start (UTC, ISO 8601, basic or extended format). */
export const occurrenceStart = z.string().min(1, 'is required').max(40, 'must be at most 40 characters');

export const updateLessonRequest = z.discriminatedUnion('scope', [
  z.object({
    scope: z.literal('series'),
    title: title.optional(),
    notes: notes.optional(),
    start: localDateTime.optional(),
    timeZone: timeZone.optional(),
    durationMinutes: durationMinutes.optional(),
    studentIds: studentIds.optional(),
    recurrence: recurrence.optional(),
    /** Whether the participants' browsers record this lesson (every occurrence). */
    autoRecord: z.boolean().optional(),
  }),
  z.object({
    scope: z.literal('occurrence'),
    occurrenceStart,
    title: title.optional(),
    notes: notes.optional(),
    /** New wall-clock start for this occurrence only, in the lesson's zone. */
    start: localDateTime.optional(),
    durationMinutes: durationMinutes.optional(),
  }),
]);
export type UpdateLessonRequest = z.infer<typeof updateLessonRequest>;

export const joinLessonRequest = z.object({ occurrenceStart, ...joinCapabilities });
export type JoinLessonRequest = z.infer<typeof joinLessonRequest>;

export const lessonRangeQuery = z.object({
  from: z.iso.datetime({ offset: true, message: 'must be an ISO date-time such as 2026-03-01T00:00:00Z' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'must be an ISO date-time such as 2026-03-31T00:00:00Z' }).optional(),
});

export interface Me {
  id: string;
  role: Role;
  name: string;
  /** What this person types to log in. */
  login: string;
  email: string | null;
  timeZone: string;
  language: Language;
  /** Secret calendar feed (webcal-able); only shown to its owner. */
  calendarFeedUrl: string;
}

export interface InviteLink {
  url: string;
  expiresAt: string;
}

export interface Student {
  id: string;
  name: string;
  email: string | null;
  login: string;
  timeZone: string;
  language: Language;
  /** invited: has not set a password yet. */
  status: 'invited' | 'active';
  inviteExpiresAt: string | null;
}

export interface CreateStudentResponse {
  student: Student;
  invite: InviteLink;
}

export interface InviteInfo {
  studentName: string;
  teacherName: string;
  login: string;
  language: Language;
  timeZone: string;
  expiresAt: string;
}

/** One person's view of an occurrence: local wall-clock times with offset (ISO 8601). */
export interface PartyTime {
  userId: string;
  name: string;
  role: Role;
  timeZone: string;
  localStart: string;
  localEnd: string;
  /** Minutes this person's local start moved compared with the previous occurrence (DST in either zone); 0 when unchanged. */
  shiftMinutes: number;
}

export interface Occurrence {
  /** `${lessonId}.${originalStart in basic UTC form}`; the join link is /lesson/<id>. */
  id: string;
  lessonId: string;
  /** Original start (UTC, ISO): names this occurrence in PATCH, cancel and join even after it was moved. */
  occurrenceStart: string;
  title: string;
  notes: string;
  start: string;
  end: string;
  durationMinutes: number;
  recurring: boolean;
  cancelled: boolean;
  /** Edited on its own (time, duration, title or notes). */
  modified: boolean;
  teacher: PartyTime;
  /** A student sees only themself here; the teacher sees everyone. */
  students: PartyTime[];
  ensembleSize: number;
  /** True when DST in either zone moved this occurrence for somebody since the previous one. */
  dstWarning: boolean;
  joinPath: string;
  roomOpensAt: string;
  roomClosesAt: string;
}

export interface OccurrenceList {
  from: string;
  to: string;
  occurrences: Occurrence[];
}

export interface LessonException {
  occurrenceStart: string;
  cancelled: boolean;
  start: string | null;
  durationMinutes: number | null;
  title: string | null;
  notes: string | null;
}

export interface Lesson {
  id: string;
  title: string;
  notes: string;
  start: string;
  timeZone: string;
  durationMinutes: number;
  recurrence: Recurrence;
  /** RFC 5545 RRULE as stored (UNTIL in local wall-clock time), null for a one-off. */
  rrule: string | null;
  teacher: { id: string; name: string; timeZone: string };
  students: { id: string; name: string; timeZone: string }[];
  exceptions: LessonException[];
  icsPath: string;
  /** Each participant's browser records the lesson (the teacher can switch it off). */
  autoRecord: boolean;
}

const OCCURRENCE_SEPARATOR = '.';

/** Builds the occurrence id used in join links (/lesson/<id>). */
export function occurrenceId(lessonId: string, basicUtcStart: string): string {
  return `${lessonId}${OCCURRENCE_SEPARATOR}${basicUtcStart}`;
}

/** Splits an occurrence id into lesson id and original start (basic UTC form, e.g. 20260326T170000Z). */
export function parseOccurrenceId(id: string): { lessonId: string; occurrenceStart: string } | null {
  const i = id.lastIndexOf(OCCURRENCE_SEPARATOR);
  if (i <= 0) return null;
  return { lessonId: id.slice(0, i), occurrenceStart: id.slice(i + 1) };
}

/** A hidden listen-only LiveKit identity for the music-safety check. */
export interface CheckTokenResponse {
  livekitUrl: string;
  token: string;
  identity: string;
}

// ---------------------------------------------------------------------------
// Recording and review (issue 7).

/** What a browser may upload: MediaRecorder's WebM/Opus (Chromium, Firefox) or MP4/AAC (Safari). */
export const RECORDING_MIME = ['audio/webm', 'audio/mp4', 'video/webm', 'video/mp4'] as const;
export type RecordingMime = (typeof RECORDING_MIME)[number];
/** audio: a person's own microphone; video: their camera (with sound); mix: the lesson as the teacher heard it (both sides). */
export const RECORDING_KIND = ['audio', 'video', 'mix'] as const;
export type RecordingKind = (typeof RECORDING_KIND)[number];

/** A practice session's key, made by the practice page when the session starts (links its recordings to the log). */
export const practiceKey = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, - or _');

/**
 * Upload-Metadata of a tus upload to /api/uploads (values are strings, as tus sends them). A lesson recording names
 * its occurrence; a practice recording names the practice session's key instead.
 */
export const uploadMetadata = z
  .object({
    /** The occurrence id, `<lessonId>.<basic UTC start>`. */
    occurrence: z.string().min(3).max(80).optional(),
    /** The practice session's key (practice recordings only). */
    practice: practiceKey.optional(),
    kind: z.enum(RECORDING_KIND),
    /** The container type without codec parameters. */
    filetype: z.enum(RECORDING_MIME),
    /** The browser's id for the recording (IndexedDB key). */
    recordingId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, - or _'),
    startedAt: z.iso.datetime({ offset: true }).optional(),
    endedAt: z.iso.datetime({ offset: true }).optional(),
    durationMs: z.coerce.number().int().min(0).max(24 * 3600_000).optional(),
    /** The teacher's clock minus the recording browser's (ms), as that browser measured it: aligns the tracks. */
    clockOffsetMs: z.coerce.number().min(-86_400_000).max(86_400_000).optional(),
  })
  .refine((m) => (m.occurrence === undefined) !== (m.practice === undefined), { path: ['occurrence'], message: 'name either a lesson occurrence or a practice session' });
export type UploadMetadata = z.infer<typeof uploadMetadata>;

export interface RecordingInfo {
  id: string;
  occurrenceId: string;
  participant: { id: string; name: string; role: Role };
  kind: RecordingKind;
  mime: string;
  size: number;
  sha256: string;
  durationMs: number | null;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string;
  /** The teacher's clock minus the recorder's (ms) when measured; null when not (the teacher's own, or no estimate yet). */
  clockOffsetMs: number | null;
  /** startedAt on the teacher's clock (startedAt + clockOffsetMs): the review page lines tracks up by it. */
  alignedStartAt: string | null;
  /** GET it (Range requests welcome): only the lesson's teacher and students may. */
  url: string;
  /** The browser's own id for it (lets a browser see that its upload arrived). */
  clientId: string;
}

export interface RecordingList {
  occurrenceId: string;
  title: string;
  recordings: RecordingInfo[];
}

/** What a clip may be: exact clips are FLAC, stream-copied ones keep the recording's container. */
export const CLIP_MIME = ['audio/flac', 'audio/webm', 'audio/mp4'] as const;
export type ClipMime = (typeof CLIP_MIME)[number];

/** Query of POST /api/occurrences/:id/clips (the body is the clip file itself, Content-Type one of CLIP_MIME). */
export const clipInput = z
  .object({
    recording: z.string().min(1).max(40),
    start: z.coerce.number().min(0).max(24 * 3600),
    end: z.coerce.number().min(0).max(24 * 3600),
    title: z.string().trim().min(1, 'is required').max(200),
    note: z.string().max(2000).default(''),
  })
  .refine((c) => c.end > c.start, { path: ['end'], message: 'must be after start' });
export type ClipInput = z.infer<typeof clipInput>;

export interface ClipInfo {
  id: string;
  occurrenceId: string;
  recordingId: string;
  startS: number;
  endS: number;
  title: string;
  note: string;
  mime: string;
  size: number;
  sha256: string;
  createdBy: { id: string; name: string };
  createdAt: string;
  /** The lesson's students see it (the teacher can take it back without deleting it). */
  shared: boolean;
  /** GET it (Range requests welcome): only the lesson's teacher and (while shared) students may. */
  url: string;
}

/** PATCH /api/clips/:id (the lesson's teacher only): any of title, note and shared. */
export const clipUpdate = z
  .object({
    title: z.string().trim().min(1, 'is required').max(200).optional(),
    note: z.string().max(2000).optional(),
    shared: z.boolean().optional(),
  })
  .strict()
  .refine((c) => c.title !== undefined || c.note !== undefined || c.shared !== undefined, { path: ['title'], message: 'send title, note or shared' });
export type ClipUpdate = z.infer<typeof clipUpdate>;

export interface ClipList {
  occurrenceId: string;
  clips: ClipInfo[];
}

/** GET /api/library: every occurrence of this person's lessons that has recordings or clips, newest first. */
export interface LibraryOccurrence {
  occurrenceId: string;
  lessonTitle: string;
  /** The occurrence's original start (UTC ISO). */
  start: string;
  students: { id: string; name: string }[];
  recordings: RecordingInfo[];
  clips: ClipInfo[];
}
export interface Library {
  occurrences: LibraryOccurrence[];
  /** Practice recordings: a student's own; a teacher's students'. Newest first. */
  practice: PracticeRecordingInfo[];
}

/** A recording the student made on the practice page (their mic, or their camera with it). */
export interface PracticeRecordingInfo {
  id: string;
  student: { id: string; name: string };
  /** The practice session's key, and the logged session's id once the log has it. */
  practiceKey: string;
  practiceSessionId: string | null;
  kind: RecordingKind;
  mime: string;
  size: number;
  sha256: string;
  durationMs: number | null;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string;
  /** GET it (Range requests welcome): the student and their teacher only. */
  url: string;
  clientId: string;
}

// ---------------------------------------------------------------------------
// Practice log (issue 8): a row per practice session of a student.

export const VIOLIN_STRINGS = ['G', 'D', 'A', 'E'] as const;
export type ViolinString = (typeof VIOLIN_STRINGS)[number];

/** The string a note is counted on: the lowest that can play it in first position (G3–C♯4 G, D4–G♯4 D, A4–D♯5 A, E5 up E). */
export function stringForMidi(midi: number): ViolinString | null {
  if (midi < 55) return null;
  if (midi < 62) return 'G';
  if (midi < 69) return 'D';
  if (midi < 76) return 'A';
  return 'E';
}

const stringStats = z.object({
  /** Mean of |cents| from the nearest equal-tempered note over the voiced readings. */
  avgAbsCents: z.number().min(0, 'must be 0 to 50').max(50, 'must be 0 to 50'),
  /** Seconds of voiced readings behind the mean. */
  seconds: z.number().min(0).max(43200),
});
export type StringStats = z.infer<typeof stringStats>;

export const practiceSessionRequest = z.object({
  startedAt: z.iso.datetime({ message: 'must be an ISO date-time such as 2026-03-26T17:00:00Z' }),
  durationSeconds: z.number().int().min(1, 'must be 1 s to 12 h').max(43200, 'must be 1 s to 12 h'),
  tempos: z.array(z.number().min(METRONOME_LIMITS.minBpm).max(METRONOME_LIMITS.maxBpm)).max(100, 'at most 100 tempos'),
  tuner: z.object({ G: stringStats.optional(), D: stringStats.optional(), A: stringStats.optional(), E: stringStats.optional() }).strict(),
  /** The page's key for this session: its practice recordings carry the same key. */
  key: practiceKey.optional(),
});
export type PracticeSessionRequest = z.infer<typeof practiceSessionRequest>;

export interface PracticeSession extends PracticeSessionRequest {
  id: string;
  studentId: string;
  /** Rounded duration, for display. */
  minutes: number;
  createdAt: string;
}

// ---------------------------------------------------------------------------
// Preview videos (issue 9): the teacher uploads a video for a student, a lesson or the whole studio; the browser
// packages it for streaming (HLS by stream copy) when the codecs allow, else the original file is kept.

/** Containers a teacher may upload as they are (the fallback when the codecs cannot be segmented). */
export const VIDEO_FILE_MIME = ['video/mp4', 'video/webm', 'video/quicktime'] as const;
export type VideoFileMime = (typeof VIDEO_FILE_MIME)[number];
/** The upload is a packaged HLS stream (shared/videoBundle.ts): playlist and segments in one file. */
export const VIDEO_BUNDLE_MIME = 'application/x-muse-hls-bundle';
/** hls-ts: MPEG-TS segments (H.264/AAC); hls-fmp4: fragmented MP4 segments (VP9/Opus); file: the original, Range. */
export const VIDEO_FORMATS = ['hls-ts', 'hls-fmp4', 'file'] as const;
export type VideoFormat = (typeof VIDEO_FORMATS)[number];
export const VIDEO_AUDIENCE = ['student', 'lesson', 'studio'] as const;
export type VideoAudience = (typeof VIDEO_AUDIENCE)[number];

/** Upload-Metadata of a tus upload of a preview video (purpose=video; values are strings, as tus sends them). */
export const videoUploadMetadata = z
  .object({
    purpose: z.literal('video'),
    title: z.string().trim().min(1, 'is required').max(200),
    piece: z.string().trim().max(200).default(''),
    notes: z.string().max(2000).default(''),
    audience: z.enum(VIDEO_AUDIENCE),
    /** The student's or the lesson's id; empty for the whole studio. */
    target: z.string().max(40).default(''),
    format: z.enum(VIDEO_FORMATS),
    filetype: z.enum([...VIDEO_FILE_MIME, VIDEO_BUNDLE_MIME]),
    durationMs: z.coerce.number().int().min(0).max(24 * 3600_000).optional(),
    /** The browser's id for this upload: sent twice, stored once. */
    clientId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, - or _'),
  })
  .refine((m) => m.audience === 'studio' || m.target.length > 0, { path: ['target'], message: 'names the student or lesson' })
  .refine((m) => (m.format === 'file') === (m.filetype !== VIDEO_BUNDLE_MIME), { path: ['filetype'], message: 'does not match the format' });
export type VideoUploadMetadata = z.infer<typeof videoUploadMetadata>;

export interface VideoInfo {
  id: string;
  title: string;
  piece: string;
  notes: string;
  audience: VideoAudience;
  /** Who or what it is for, as the viewer may see it (the student's name, the lesson's title, or empty). */
  targetId: string;
  targetName: string;
  format: VideoFormat;
  /** Of the original (file) or of the segments (video/mp2t, video/mp4). */
  mime: string;
  size: number;
  durationMs: number | null;
  segments: number;
  createdAt: string;
  /** What to play: the HLS playlist, or the file itself (Range requests welcome). */
  url: string;
}

export interface VideoList {
  videos: VideoInfo[];
}

/** POST /api/videos/:id/watches: a stretch of watching, sent by a student's player when it pauses or closes. */
export const videoWatchRequest = z.object({
  startedAt: z.iso.datetime({ message: 'must be an ISO date-time such as 2026-03-26T17:00:00Z' }),
  seconds: z.number().min(1, 'must be 1 s to 12 h').max(43200, 'must be 1 s to 12 h'),
});
export type VideoWatchRequest = z.infer<typeof videoWatchRequest>;

export interface VideoWatch {
  id: string;
  studentId: string;
  videoId: string;
  videoTitle: string;
  startedAt: string;
  seconds: number;
}
