// Lesson recordings: who may upload into and read from an occurrence, storing a finished upload atomically,
// and listing what an occurrence holds.
import { createHash } from 'node:crypto';
import { mkdirSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { occurrenceId, type RecordingInfo, type RecordingMime, type Role, type UploadMetadata } from '../../../shared/api';
import { HttpError } from '../errors';
import type { Ctx } from './context';
import { participantOccurrence } from './lessons';
import type { UserRow } from './people';
import { newId } from './secrets';

export interface RecordingRow {
  id: string;
  lesson_id: string;
  occurrence_start: string;
  participant_id: string;
  client_id: string;
  kind: 'audio' | 'video' | 'mix';
  mime: string;
  size: number;
  sha256: string;
  duration_ms: number | null;
  started_at: string | null;
  ended_at: string | null;
  created_at: string;
  clock_offset_ms: number | null;
  aligned_start_at: string | null;
}

const EXT: Record<RecordingMime, string> = { 'audio/webm': 'webm', 'video/webm': 'webm', 'audio/mp4': 'm4a', 'video/mp4': 'mp4' };

export const recordingsDir = (ctx: Ctx) => path.join(ctx.config.dataDir, 'recordings');
export const uploadsDir = (ctx: Ctx) => path.join(ctx.config.dataDir, 'uploads');

export function recordingPath(ctx: Ctx, row: Pick<RecordingRow, 'id' | 'mime'>): string {
  return path.join(recordingsDir(ctx), `${row.id}.${EXT[row.mime as RecordingMime] ?? 'bin'}`);
}

const notFound = () => new HttpError(404, 'recording_not_found', 'There is no such recording, or it is not from one of your lessons.');

/** May this user upload into this occurrence? Its teacher and its students may; everyone else gets 404. */
export function authorizeUpload(ctx: Ctx, user: UserRow, occurrence: string, kind?: string): { lessonId: string; key: string } {
  const { lesson, key } = participantOccurrence(ctx, user, occurrence);
  // The lesson as heard is recorded in the teacher's browser only.
  if (kind === 'mix' && lesson.teacher_id !== user.id) throw new HttpError(403, 'teacher_only', 'Only the teacher’s browser records the lesson as heard (both sides).');
  return { lessonId: lesson.id, key };
}

/** The first bytes of a WebM (EBML) or MP4 (ftyp box) file: a mislabelled upload is refused. */
export function looksLike(mime: RecordingMime, head: Buffer): boolean {
  if (mime.endsWith('/webm')) return head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3;
  return head.length >= 8 && head.toString('latin1', 4, 8) === 'ftyp';
}

/** The start on the teacher's clock: the browser's start plus its measured offset (or as it is, without one). */
export function alignedStart(startedAt: string | undefined, offsetMs: number | undefined): string | null {
  if (!startedAt) return null;
  return offsetMs === undefined ? new Date(startedAt).toISOString() : new Date(Date.parse(startedAt) + offsetMs).toISOString();
}

/** Hashes an uploaded file from the bytes on disk (fsynced) and checks it is the type it claims; a mislabelled file is removed. */
export async function checkUpload(source: string, filetype: RecordingMime): Promise<{ size: number; sha256: string }> {
  const handle = await fsp.open(source, 'r+');
  let size = 0;
  let head = Buffer.alloc(0);
  const hash = createHash('sha256');
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
      hash.update(chunk);
      size += chunk.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (!looksLike(filetype, head)) {
    await fsp.rm(source, { force: true });
    throw new HttpError(415, 'not_a_recording', `The uploaded file is not ${filetype}. Upload the recording as the browser made it.`);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Renames a checked upload into recordings/ (atomic on one file system) and fsyncs the folder. */
export async function placeRecording(ctx: Ctx, source: string, row: Pick<RecordingRow, 'id' | 'mime'>): Promise<void> {
  const dir = recordingsDir(ctx);
  mkdirSync(dir, { recursive: true });
  await fsp.rename(source, recordingPath(ctx, row));
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * Moves a finished upload into recordings/ and records it: the hash is computed from the bytes on disk, the file
 * is fsynced, then renamed (atomic on one file system) and the folder fsynced, and only then is the row written.
 * A second upload of the same browser recording keeps the first and drops the new file.
 */
export async function storeUpload(ctx: Ctx, source: string, owner: UserRow, meta: UploadMetadata & { occurrence: string }): Promise<RecordingRow> {
  const { lessonId, key } = authorizeUpload(ctx, owner, meta.occurrence, meta.kind);
  const existing = ctx.db.prepare('SELECT * FROM recordings WHERE participant_id = ? AND client_id = ?').get(owner.id, meta.recordingId) as RecordingRow | undefined;
  if (existing) {
    await fsp.rm(source, { force: true });
    return existing;
  }
  const { size, sha256 } = await checkUpload(source, meta.filetype);
  const row: RecordingRow = {
    id: newId('r'),
    lesson_id: lessonId,
    occurrence_start: key,
    participant_id: owner.id,
    client_id: meta.recordingId,
    kind: meta.kind,
    mime: meta.filetype,
    size,
    sha256,
    duration_ms: meta.durationMs ?? null,
    started_at: meta.startedAt ?? null,
    ended_at: meta.endedAt ?? null,
    created_at: ctx.now().toISOString(),
    clock_offset_ms: meta.clockOffsetMs ?? null,
    aligned_start_at: alignedStart(meta.startedAt, meta.clockOffsetMs),
  };
  await placeRecording(ctx, source, row);
  ctx.db
    .prepare(`INSERT INTO recordings (id, lesson_id, occurrence_start, participant_id, client_id, kind, mime, size, sha256, duration_ms, started_at, ended_at, created_at, clock_offset_ms, aligned_start_at)
              VALUES (@id, @lesson_id, @occurrence_start, @participant_id, @client_id, @kind, @mime, @size, @sha256, @duration_ms, @started_at, @ended_at, @created_at, @clock_offset_ms, @aligned_start_at)`)
    .run(row);
  return row;
}

export function recordingInfo(ctx: Ctx, r: RecordingRow): RecordingInfo {
  const p = ctx.db.prepare('SELECT id, name, role FROM users WHERE id = ?').get(r.participant_id) as { id: string; name: string; role: Role };
  return {
    id: r.id,
    occurrenceId: occurrenceId(r.lesson_id, r.occurrence_start),
    participant: p,
    kind: r.kind,
    mime: r.mime,
    size: r.size,
    sha256: r.sha256,
    durationMs: r.duration_ms,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    createdAt: r.created_at,
    clockOffsetMs: r.clock_offset_ms,
    alignedStartAt: r.aligned_start_at,
    url: `/api/recordings/${r.id}/file`,
    clientId: r.client_id,
  };
}

/** Recordings of one occurrence, for its teacher and students (404 for anyone else). */
export function listRecordings(ctx: Ctx, user: UserRow, occurrence: string): { title: string; recordings: RecordingInfo[] } {
  const { lesson, key } = participantOccurrence(ctx, user, occurrence);
  const rows = ctx.db.prepare('SELECT * FROM recordings WHERE lesson_id = ? AND occurrence_start = ? ORDER BY started_at, created_at').all(lesson.id, key) as RecordingRow[];
  return { title: lesson.title, recordings: rows.map((r) => recordingInfo(ctx, r)) };
}

/** One recording, if the user is its lesson's teacher or a student of it; 404 otherwise (a guessed id tells nothing). */
export function readableRecording(ctx: Ctx, user: UserRow, id: string): RecordingRow {
  const row = ctx.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as RecordingRow | undefined;
  if (!row) throw notFound();
  try {
    participantOccurrence(ctx, user, occurrenceId(row.lesson_id, row.occurrence_start));
  } catch {
    throw notFound();
  }
  return row;
}

export function uploadFilePath(ctx: Ctx, uploadId: string): string {
  return path.join(uploadsDir(ctx), uploadId);
}

export function newUploadId(): string {
  return newId('u');
}

/** Files of a lesson's recordings; the rows go with the lesson (ON DELETE CASCADE), the files are removed after. */
export function lessonRecordingFiles(ctx: Ctx, lessonId: string): string[] {
  const rows = ctx.db.prepare('SELECT id, mime FROM recordings WHERE lesson_id = ?').all(lessonId) as Pick<RecordingRow, 'id' | 'mime'>[];
  // Clips of the lesson's recordings go with it too (clips/<id>.<ext>, as services/clips.ts names them).
  const clips = ctx.db.prepare('SELECT id, mime FROM clips WHERE lesson_id = ?').all(lessonId) as Pick<RecordingRow, 'id' | 'mime'>[];
  const clipExt: Record<string, string> = { 'audio/flac': 'flac', 'audio/webm': 'webm', 'audio/mp4': 'm4a' };
  return [
    ...rows.map((r) => recordingPath(ctx, r)),
    ...clips.map((c) => path.join(ctx.config.dataDir, 'clips', `${c.id}.${clipExt[c.mime] ?? 'bin'}`)),
  ];
}
