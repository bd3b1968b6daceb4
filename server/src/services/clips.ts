// Clips: passages of a lesson recording cut by the teacher on the review page and shared with the lesson's
// students. Only the teacher creates them; the teacher and the students list and play them; nobody else sees them.
import { createHash } from 'node:crypto';
import { mkdirSync, promises as fsp, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { occurrenceId, type ClipInfo, type ClipInput, type ClipUpdate, type ClipMime, type Library, type LibraryOccurrence } from '../../../shared/api';
import { HttpError } from '../errors';
import type { Ctx } from './context';
import { participantOccurrence } from './lessons';
import type { UserRow } from './people';
import { practiceRecordingsFor } from './practiceRecordings';
import { looksLike, recordingInfo, type RecordingRow } from './recordings';
import { newId } from './secrets';

export interface ClipRow {
  id: string;
  lesson_id: string;
  occurrence_start: string;
  recording_id: string;
  start_s: number;
  end_s: number;
  title: string;
  note: string;
  mime: string;
  size: number;
  sha256: string;
  created_by: string;
  created_at: string;
  /** 1: the lesson's students see it. */
  shared: number;
}

const EXT: Record<ClipMime, string> = { 'audio/flac': 'flac', 'audio/webm': 'webm', 'audio/mp4': 'm4a' };

export const clipsDir = (ctx: Ctx) => path.join(ctx.config.dataDir, 'clips');
export const clipPath = (ctx: Ctx, row: Pick<ClipRow, 'id' | 'mime'>) => path.join(clipsDir(ctx), `${row.id}.${EXT[row.mime as ClipMime] ?? 'bin'}`);

const notFound = () => new HttpError(404, 'clip_not_found', 'There is no such clip, or it is not from one of your lessons.');

/** FLAC starts with "fLaC"; WebM and MP4 as recordings do. */
function clipLooksLike(mime: ClipMime, head: Buffer): boolean {
  if (mime === 'audio/flac') return head.length >= 4 && head.toString('latin1', 0, 4) === 'fLaC';
  return looksLike(mime, head);
}

async function syncDir(dir: string): Promise<void> {
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * Stores a clip of one of the occurrence's recordings: only the lesson's teacher may (its students get 403, anyone
 * else 404). The file is written to a temporary name, fsynced, renamed into clips/ and the folder fsynced; only
 * then is the row written, with the sha256 of the bytes received.
 */
export async function createClip(ctx: Ctx, user: UserRow, occurrence: string, input: ClipInput, mime: ClipMime, body: Buffer): Promise<ClipRow> {
  const { lesson, key } = participantOccurrence(ctx, user, occurrence);
  if (lesson.teacher_id !== user.id) throw new HttpError(403, 'forbidden', 'Only the teacher can save and share clips. Ask your teacher.');
  const rec = ctx.db.prepare('SELECT id FROM recordings WHERE id = ? AND lesson_id = ? AND occurrence_start = ?').get(input.recording, lesson.id, key) as Pick<RecordingRow, 'id'> | undefined;
  if (!rec) throw new HttpError(400, 'invalid_input', 'The request has invalid or missing fields: recording.', { recording: 'is not a recording of this lesson' });
  if (body.length === 0) throw new HttpError(400, 'invalid_input', 'Send the clip file as the request body.', { body: 'is empty' });
  if (!clipLooksLike(mime, body.subarray(0, 16))) throw new HttpError(415, 'not_a_clip', `The file is not ${mime}. Send the clip as the review page made it.`);
  const row: ClipRow = {
    id: newId('c'),
    lesson_id: lesson.id,
    occurrence_start: key,
    recording_id: rec.id,
    start_s: input.start,
    end_s: input.end,
    title: input.title,
    note: input.note,
    mime,
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    created_by: user.id,
    created_at: ctx.now().toISOString(),
    shared: 1,
  };
  const dir = clipsDir(ctx);
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${row.id}.part`);
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, clipPath(ctx, row));
  await syncDir(dir);
  ctx.db
    .prepare(`INSERT INTO clips (id, lesson_id, occurrence_start, recording_id, start_s, end_s, title, note, mime, size, sha256, created_by, created_at, shared)
              VALUES (@id, @lesson_id, @occurrence_start, @recording_id, @start_s, @end_s, @title, @note, @mime, @size, @sha256, @created_by, @created_at, @shared)`)
    .run(row);
  return row;
}

export function clipInfo(ctx: Ctx, c: ClipRow): ClipInfo {
  const by = ctx.db.prepare('SELECT id, name FROM users WHERE id = ?').get(c.created_by) as { id: string; name: string };
  return {
    id: c.id,
    occurrenceId: occurrenceId(c.lesson_id, c.occurrence_start),
    recordingId: c.recording_id,
    startS: c.start_s,
    endS: c.end_s,
    title: c.title,
    note: c.note,
    mime: c.mime,
    size: c.size,
    sha256: c.sha256,
    createdBy: by,
    createdAt: c.created_at,
    shared: c.shared === 1,
    url: `/api/clips/${c.id}/file`,
  };
}

/** Clips of one occurrence, for its teacher and students (404 for anyone else). */
export function listClips(ctx: Ctx, user: UserRow, occurrence: string): ClipInfo[] {
  const { lesson, key } = participantOccurrence(ctx, user, occurrence);
  const rows = ctx.db.prepare('SELECT * FROM clips WHERE lesson_id = ? AND occurrence_start = ? AND (shared = 1 OR ? = 1) ORDER BY created_at, id').all(lesson.id, key, Number(lesson.teacher_id === user.id)) as ClipRow[];
  return rows.map((c) => clipInfo(ctx, c));
}

/** One clip and whether the user teaches its lesson, if they may see it: its teacher, or a student of it while it is shared; 404 otherwise. */
function visibleClip(ctx: Ctx, user: UserRow, id: string): { row: ClipRow; teaches: boolean } {
  const row = ctx.db.prepare('SELECT * FROM clips WHERE id = ?').get(id) as ClipRow | undefined;
  if (!row) throw notFound();
  let teaches: boolean;
  try {
    teaches = participantOccurrence(ctx, user, occurrenceId(row.lesson_id, row.occurrence_start)).lesson.teacher_id === user.id;
  } catch {
    throw notFound();
  }
  if (!teaches && row.shared !== 1) throw notFound();
  return { row, teaches };
}

/** One clip, if the user is its lesson's teacher or (while it is shared) a student of it; 404 otherwise. */
export function readableClip(ctx: Ctx, user: UserRow, id: string): ClipRow {
  return visibleClip(ctx, user, id).row;
}

/** A clip its lesson's teacher may change: a student who sees it gets 403, everyone else 404. */
function ownClip(ctx: Ctx, user: UserRow, id: string): ClipRow {
  const { row, teaches } = visibleClip(ctx, user, id);
  if (!teaches) throw new HttpError(403, 'forbidden', 'Only the teacher can change or delete a clip. Ask your teacher.');
  return row;
}

/** Renames, re-notes, shares or unshares a clip (the lesson's teacher only). */
export function updateClip(ctx: Ctx, user: UserRow, id: string, change: ClipUpdate): ClipRow {
  const row = ownClip(ctx, user, id);
  const next: ClipRow = {
    ...row,
    title: change.title ?? row.title,
    note: change.note ?? row.note,
    shared: change.shared === undefined ? row.shared : Number(change.shared),
  };
  ctx.db.prepare('UPDATE clips SET title = @title, note = @note, shared = @shared WHERE id = @id').run(next);
  return next;
}

const deletingPath = (ctx: Ctx, row: Pick<ClipRow, 'id' | 'mime'>) => path.join(clipsDir(ctx), `.${path.basename(clipPath(ctx, row))}.deleting`);

/**
 * Deletes a clip (the lesson's teacher only), file and row together: the file is first renamed aside (atomic), the
 * row deleted, and only after that commit is the file unlinked. If the row cannot be deleted the file is put back;
 * a crash in between is settled on the next start by recoverClipDeletes.
 */
export async function deleteClip(ctx: Ctx, user: UserRow, id: string): Promise<ClipRow> {
  const row = ownClip(ctx, user, id);
  const file = clipPath(ctx, row);
  const aside = deletingPath(ctx, row);
  await fsp.rename(file, aside).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  try {
    ctx.db.prepare('DELETE FROM clips WHERE id = ?').run(row.id);
  } catch (err) {
    await fsp.rename(aside, file).catch(() => undefined);
    throw err;
  }
  await fsp.rm(aside, { force: true });
  await syncDir(clipsDir(ctx)).catch(() => undefined);
  return row;
}

/** On start: a clip file left renamed aside by a crash mid-delete goes back if its row is still there, else away. */
export function recoverClipDeletes(ctx: Ctx): number {
  let settled = 0;
  let names: string[];
  try {
    names = readdirSync(clipsDir(ctx));
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = /^\.((c[0-9a-f]+)\.[a-z0-9]+)\.deleting$/.exec(name);
    if (!m) continue;
    const aside = path.join(clipsDir(ctx), name);
    const alive = ctx.db.prepare('SELECT 1 FROM clips WHERE id = ?').get(m[2]);
    if (alive) renameSync(aside, path.join(clipsDir(ctx), m[1]));
    else rmSync(aside, { force: true });
    settled++;
  }
  return settled;
}

/** "20260302T100000Z" → "2026-03-02T10:00:00.000Z". */
function isoOfKey(key: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(key);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])).toISOString() : key;
}

/**
 * The library: recordings and clips of every lesson this person teaches or attends as a student, by occurrence,
 * newest first. Only lessons they see (teacher_id, or lesson_students for a student) are read at all.
 */
export function library(ctx: Ctx, user: UserRow): Library {
  const lessons = ctx.db
    .prepare(`SELECT id, title FROM lessons WHERE teacher_id = @u
              UNION SELECT l.id, l.title FROM lessons l JOIN lesson_students s ON s.lesson_id = l.id WHERE s.student_id = @u AND @role = 'student'`)
    .all({ u: user.id, role: user.role }) as { id: string; title: string }[];
  const out = new Map<string, LibraryOccurrence>();
  for (const l of lessons) {
    const students = ctx.db.prepare('SELECT u.id, u.name FROM lesson_students s JOIN users u ON u.id = s.student_id WHERE s.lesson_id = ? ORDER BY u.name').all(l.id) as { id: string; name: string }[];
    const entry = (key: string): LibraryOccurrence => {
      const id = occurrenceId(l.id, key);
      let e = out.get(id);
      if (!e) out.set(id, (e = { occurrenceId: id, lessonTitle: l.title, start: isoOfKey(key), students, recordings: [], clips: [] }));
      return e;
    };
    for (const r of ctx.db.prepare('SELECT * FROM recordings WHERE lesson_id = ? ORDER BY started_at, created_at').all(l.id) as RecordingRow[]) entry(r.occurrence_start).recordings.push(recordingInfo(ctx, r));
    const teaches = Number(user.role === 'teacher' && (ctx.db.prepare('SELECT teacher_id FROM lessons WHERE id = ?').get(l.id) as { teacher_id: string }).teacher_id === user.id);
    for (const c of ctx.db.prepare('SELECT * FROM clips WHERE lesson_id = ? AND (shared = 1 OR ? = 1) ORDER BY created_at, id').all(l.id, teaches) as ClipRow[]) entry(c.occurrence_start).clips.push(clipInfo(ctx, c));
  }
  return { occurrences: [...out.values()].sort((a, b) => b.start.localeCompare(a.start)), practice: practiceRecordingsFor(ctx, user) };
}
