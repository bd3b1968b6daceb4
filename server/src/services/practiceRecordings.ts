// Practice recordings: what a student records on the practice page goes into their library, linked to their
// practice log by the session's key. Only students make them; the student and their teacher see them.
import { promises as fsp } from 'node:fs';
import type { PracticeRecordingInfo, UploadMetadata } from '../../../shared/api';
import { HttpError } from '../errors';
import type { Ctx } from './context';
import { getUser, type UserRow } from './people';
import { checkUpload, placeRecording, recordingPath } from './recordings';
import { newId } from './secrets';

export interface PracticeRecordingRow {
  id: string;
  student_id: string;
  practice_key: string;
  client_id: string;
  kind: 'audio' | 'video';
  mime: string;
  size: number;
  sha256: string;
  duration_ms: number | null;
  started_at: string | null;
  ended_at: string | null;
  created_at: string;
}

const notFound = () => new HttpError(404, 'recording_not_found', 'There is no such recording, or it is not yours or your student’s.');

/** Practice recordings are kept for students (a teacher practises without a log). */
export function authorizePracticeUpload(user: UserRow, kind?: string): void {
  if (kind === 'mix') throw new HttpError(400, 'invalid_input', 'A practice recording is the microphone (audio) or the camera (video).', { kind: 'must be audio or video' });
  if (user.role !== 'student') throw new HttpError(403, 'students_only', 'Practice recordings are kept for students. Record in a lesson, or download from the practice page.');
}

/** Stores a finished practice upload (hash, fsync, rename, then the row), as lesson recordings are stored. */
export async function storePracticeUpload(ctx: Ctx, source: string, owner: UserRow, meta: UploadMetadata & { practice: string }): Promise<PracticeRecordingRow> {
  authorizePracticeUpload(owner, meta.kind);
  const existing = ctx.db.prepare('SELECT * FROM practice_recordings WHERE student_id = ? AND client_id = ?').get(owner.id, meta.recordingId) as PracticeRecordingRow | undefined;
  if (existing) {
    await fsp.rm(source, { force: true });
    return existing;
  }
  const { size, sha256 } = await checkUpload(source, meta.filetype);
  const row: PracticeRecordingRow = {
    id: newId('r'),
    student_id: owner.id,
    practice_key: meta.practice,
    client_id: meta.recordingId,
    kind: meta.kind === 'video' ? 'video' : 'audio',
    mime: meta.filetype,
    size,
    sha256,
    duration_ms: meta.durationMs ?? null,
    started_at: meta.startedAt ?? null,
    ended_at: meta.endedAt ?? null,
    created_at: ctx.now().toISOString(),
  };
  await placeRecording(ctx, source, row);
  ctx.db
    .prepare(`INSERT INTO practice_recordings (id, student_id, practice_key, client_id, kind, mime, size, sha256, duration_ms, started_at, ended_at, created_at)
              VALUES (@id, @student_id, @practice_key, @client_id, @kind, @mime, @size, @sha256, @duration_ms, @started_at, @ended_at, @created_at)`)
    .run(row);
  return row;
}

function info(ctx: Ctx, r: PracticeRecordingRow): PracticeRecordingInfo {
  const student = ctx.db.prepare('SELECT id, name FROM users WHERE id = ?').get(r.student_id) as { id: string; name: string };
  const session = ctx.db.prepare('SELECT id FROM practice_sessions WHERE student_id = ? AND client_key = ?').get(r.student_id, r.practice_key) as { id: string } | undefined;
  return {
    id: r.id,
    student,
    practiceKey: r.practice_key,
    practiceSessionId: session?.id ?? null,
    kind: r.kind,
    mime: r.mime,
    size: r.size,
    sha256: r.sha256,
    durationMs: r.duration_ms,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    createdAt: r.created_at,
    url: `/api/practice/recordings/${r.id}/file`,
    clientId: r.client_id,
  };
}

/** A student's own practice recordings, or a teacher's students', newest first. */
export function practiceRecordingsFor(ctx: Ctx, viewer: UserRow): PracticeRecordingInfo[] {
  const rows = (viewer.role === 'student'
    ? ctx.db.prepare('SELECT * FROM practice_recordings WHERE student_id = ? ORDER BY started_at DESC, created_at DESC').all(viewer.id)
    : ctx.db.prepare(`SELECT p.* FROM practice_recordings p JOIN users u ON u.id = p.student_id
                      WHERE u.teacher_id = ? ORDER BY p.started_at DESC, p.created_at DESC`).all(viewer.id)) as PracticeRecordingRow[];
  return rows.map((r) => info(ctx, r));
}

/** One practice recording, for the student who made it or their teacher; 404 for anyone else. */
export function readablePracticeRecording(ctx: Ctx, viewer: UserRow, id: string): PracticeRecordingRow {
  const row = ctx.db.prepare('SELECT * FROM practice_recordings WHERE id = ?').get(id) as PracticeRecordingRow | undefined;
  if (!row) throw notFound();
  const student = getUser(ctx, row.student_id);
  if (!student || (student.id !== viewer.id && student.teacher_id !== viewer.id)) throw notFound();
  return row;
}

export const practiceRecordingPath = (ctx: Ctx, row: PracticeRecordingRow) => recordingPath(ctx, row);
