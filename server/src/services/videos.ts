// Preview videos: who may upload and watch them, storing a finished upload atomically (an HLS bundle unpacked and
// checked, or the original file sniffed), listing them, and the watching log.
import { createHash } from 'node:crypto';
import { mkdirSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  type VideoAudience,
  type VideoFileMime,
  type VideoFormat,
  type VideoInfo,
  type VideoUploadMetadata,
  type VideoWatch,
  type VideoWatchRequest,
} from '../../../shared/api';
import { bundleIndexLength, parseBundleIndex, PLAYLIST_NAME, type BundleEntry } from '../../../shared/videoBundle';
import { HttpError } from '../errors';
import type { Ctx } from './context';
import { ownLesson } from './lessons';
import { getUser, type UserRow } from './people';
import { practiceStudent } from './practice';
import { newId } from './secrets';

export interface VideoRow {
  id: string;
  teacher_id: string;
  client_id: string;
  title: string;
  piece: string;
  notes: string;
  audience: VideoAudience;
  student_id: string | null;
  lesson_id: string | null;
  format: VideoFormat;
  mime: string;
  size: number;
  sha256: string;
  duration_ms: number | null;
  segments: number;
  created_at: string;
}

const FILE_EXT: Record<VideoFileMime, string> = { 'video/mp4': 'mp4', 'video/webm': 'webm', 'video/quicktime': 'mov' };
/** Content types of what an HLS folder holds. */
export const HLS_TYPES: Record<string, string> = { m3u8: 'application/vnd.apple.mpegurl', ts: 'video/mp2t', m4s: 'video/mp4', mp4: 'video/mp4' };

export const videosDir = (ctx: Ctx) => path.join(ctx.config.dataDir, 'videos');
export const videoDir = (ctx: Ctx, id: string) => path.join(videosDir(ctx), id);
export const originalName = (row: Pick<VideoRow, 'mime'>) => `original.${FILE_EXT[row.mime as VideoFileMime] ?? 'bin'}`;

const notFound = () => new HttpError(404, 'video_not_found', 'There is no such video, or it is not from your studio.');
const refused = (message: string) => new HttpError(415, 'not_a_video', message);

/** Checks who may upload a video for whom: a teacher, for their own student, their own lesson, or their studio. */
export function authorizeVideoUpload(ctx: Ctx, user: UserRow, meta: Pick<VideoUploadMetadata, 'audience' | 'target'>): { studentId: string | null; lessonId: string | null } {
  if (user.role !== 'teacher') throw new HttpError(403, 'teachers_only', 'Only teachers can upload preview videos. Ask your teacher.');
  if (meta.audience === 'student') {
    const s = getUser(ctx, meta.target);
    if (!s || s.teacher_id !== user.id) throw new HttpError(404, 'student_not_found', 'There is no such student on your list. Pick one of your students.', { target: 'is not one of your students' });
    return { studentId: s.id, lessonId: null };
  }
  if (meta.audience === 'lesson') return { studentId: null, lessonId: ownLesson(ctx, user, meta.target).id };
  return { studentId: null, lessonId: null };
}

/**
 * The video if this user may watch it: its teacher; a student of that teacher it is assigned to (directly, through
 * one of their lessons, or to the whole studio). A student of the studio it is not assigned to gets 403; everyone
 * else 404, so a guessed id tells nothing.
 */
export function watchableVideo(ctx: Ctx, user: UserRow, id: string): VideoRow {
  const row = ctx.db.prepare('SELECT * FROM videos WHERE id = ?').get(id) as VideoRow | undefined;
  if (!row) throw notFound();
  if (row.teacher_id === user.id) return row;
  if (user.role !== 'student' || user.teacher_id !== row.teacher_id) throw notFound();
  if (assignedTo(ctx, user, row)) return row;
  throw new HttpError(403, 'not_assigned', 'Your teacher has not shared this video with you. Ask them to assign it to you.');
}

function assignedTo(ctx: Ctx, student: UserRow, row: VideoRow): boolean {
  if (row.audience === 'studio') return true;
  if (row.audience === 'student') return row.student_id === student.id;
  return !!ctx.db.prepare('SELECT 1 FROM lesson_students WHERE lesson_id = ? AND student_id = ?').get(row.lesson_id, student.id);
}

export function videoInfo(ctx: Ctx, r: VideoRow): VideoInfo {
  let targetId = '';
  let targetName = '';
  if (r.student_id) {
    targetId = r.student_id;
    targetName = getUser(ctx, r.student_id)?.name ?? '';
  } else if (r.lesson_id) {
    targetId = r.lesson_id;
    targetName = (ctx.db.prepare('SELECT title FROM lessons WHERE id = ?').get(r.lesson_id) as { title: string } | undefined)?.title ?? '';
  }
  return {
    id: r.id,
    title: r.title,
    piece: r.piece,
    notes: r.notes,
    audience: r.audience,
    targetId,
    targetName,
    format: r.format,
    mime: r.mime,
    size: r.size,
    durationMs: r.duration_ms,
    segments: r.segments,
    createdAt: r.created_at,
    url: r.format === 'file' ? `/api/videos/${r.id}/file` : `/api/videos/${r.id}/hls/${PLAYLIST_NAME}`,
  };
}

/** A teacher's own videos; a student's assigned ones; newest first. */
export function listVideos(ctx: Ctx, user: UserRow): VideoInfo[] {
  const owner = user.role === 'teacher' ? user.id : user.teacher_id;
  const rows = ctx.db.prepare('SELECT * FROM videos WHERE teacher_id = ? ORDER BY created_at DESC, id').all(owner) as VideoRow[];
  return rows.filter((r) => user.role === 'teacher' || assignedTo(ctx, user, r)).map((r) => videoInfo(ctx, r));
}

async function fsyncPath(p: string): Promise<void> {
  const h = await fsp.open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** The first bytes of an MP4/QuickTime file (a top-level box) or a WebM file (EBML with DocType webm). */
export function sniffFile(mime: VideoFileMime, head: Buffer): boolean {
  if (mime === 'video/webm') return head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3 && head.subarray(0, 64).includes('webm', 0, 'latin1');
  if (head.length < 12) return false;
  const box = head.toString('latin1', 4, 8);
  return mime === 'video/mp4' ? box === 'ftyp' : ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip'].includes(box);
}

/** An MPEG-TS segment: whole 188-byte packets, each starting with the sync byte 0x47. */
export function isTransportStream(b: Buffer): boolean {
  if (b.length === 0 || b.length % 188 !== 0) return false;
  for (let i = 0; i < b.length; i += 188) if (b[i] !== 0x47) return false;
  return true;
}

/** An fMP4 media segment starts with styp/moof/sidx/prft; the init segment with ftyp and holds a moov. */
export function isFmp4(b: Buffer, init: boolean): boolean {
  if (b.length < 8) return false;
  const box = b.toString('latin1', 4, 8);
  return init ? box === 'ftyp' && b.includes('moov', 0, 'latin1') : ['styp', 'moof', 'sidx', 'prft'].includes(box);
}

interface PlaylistFacts {
  durationMs: number;
  segments: string[];
  init: string | null;
}

/** A VOD media playlist naming only files of the bundle: EXTINF before each segment, an end, no absolute URIs. */
export function checkPlaylist(text: string, names: Set<string>, format: 'hls-ts' | 'hls-fmp4'): PlaylistFacts {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== '#EXTM3U') throw refused('The playlist is not an HLS playlist (#EXTM3U missing). Package the video again.');
  if (!lines.includes('#EXT-X-ENDLIST') || !lines.includes('#EXT-X-PLAYLIST-TYPE:VOD')) throw refused('The playlist is not a finished VOD playlist. Package the video again.');
  let pending: number | null = null;
  let total = 0;
  let init: string | null = null;
  const segments: string[] = [];
  const want = format === 'hls-ts' ? /\.ts$/ : /\.m4s$/;
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) {
      pending = Number.parseFloat(line.slice(8));
      if (!Number.isFinite(pending) || pending <= 0 || pending > 60) throw refused('A segment in the playlist has an impossible length. Package the video again.');
    } else if (line.startsWith('#EXT-X-MAP:')) {
      const m = /URI="([^"]+)"/.exec(line);
      if (!m || m[1] !== 'init.mp4' || !names.has(m[1])) throw refused('The playlist names an init segment that was not uploaded. Package the video again.');
      init = m[1];
    } else if (!line.startsWith('#')) {
      if (pending === null || !names.has(line) || !want.test(line)) throw refused(`The playlist names "${line.slice(0, 40)}", which is not one of the uploaded segments. Package the video again.`);
      segments.push(line);
      total += pending;
      pending = null;
    }
  }
  if (segments.length === 0) throw refused('The playlist has no segments. Package the video again.');
  if ((format === 'hls-fmp4') !== (init !== null)) throw refused('The playlist and the segment type do not match. Package the video again.');
  return { durationMs: Math.round(total * 1000), segments, init };
}

/**
 * Moves a finished video upload into videos/<id>/ and records it. Everything is written into a temporary folder
 * (videos/.tmp-<id>), checked (the playlist parsed, every segment's container checked; or the file's first bytes),
 * fsynced, then the folder is renamed into place (atomic) and the parent fsynced; only then is the row written.
 * A refused upload leaves nothing behind: no row, no folder, and the upload itself is deleted.
 */
export async function storeVideo(ctx: Ctx, source: string, owner: UserRow, meta: VideoUploadMetadata): Promise<VideoRow> {
  const { studentId, lessonId } = authorizeVideoUpload(ctx, owner, meta);
  const existing = ctx.db.prepare('SELECT * FROM videos WHERE teacher_id = ? AND client_id = ?').get(owner.id, meta.clientId) as VideoRow | undefined;
  if (existing) {
    await fsp.rm(source, { force: true });
    return existing;
  }
  const id = newId('v');
  const root = videosDir(ctx);
  mkdirSync(root, { recursive: true });
  const tmp = path.join(root, `.tmp-${id}`);
  try {
    const { size, sha256 } = await hashFile(source);
    await fsp.mkdir(tmp);
    let facts: { mime: string; durationMs: number | null; segments: number };
    if (meta.format === 'file') {
      const mime = meta.filetype as VideoFileMime;
      const head = await readAt(source, 0, 64);
      if (!sniffFile(mime, head)) throw refused(`The file is not ${mime === 'video/quicktime' ? 'a QuickTime (.mov)' : mime === 'video/mp4' ? 'an MP4' : 'a WebM'} video. Upload an mp4, webm or mov file.`);
      await fsp.rename(source, path.join(tmp, originalName({ mime })));
      await fsyncPath(path.join(tmp, originalName({ mime })));
      facts = { mime, durationMs: meta.durationMs ?? null, segments: 0 };
    } else {
      facts = await unpackBundle(source, size, tmp, meta.format);
      await fsp.rm(source, { force: true });
    }
    await fsyncPath(tmp);
    await fsp.rename(tmp, videoDir(ctx, id));
    await fsyncPath(root);
    const row: VideoRow = {
      id,
      teacher_id: owner.id,
      client_id: meta.clientId,
      title: meta.title,
      piece: meta.piece,
      notes: meta.notes,
      audience: meta.audience,
      student_id: studentId,
      lesson_id: lessonId,
      format: meta.format,
      mime: facts.mime,
      size,
      sha256,
      duration_ms: facts.durationMs,
      segments: facts.segments,
      created_at: ctx.now().toISOString(),
    };
    try {
      ctx.db
        .prepare(`INSERT INTO videos (id, teacher_id, client_id, title, piece, notes, audience, student_id, lesson_id, format, mime, size, sha256, duration_ms, segments, created_at)
                  VALUES (@id, @teacher_id, @client_id, @title, @piece, @notes, @audience, @student_id, @lesson_id, @format, @mime, @size, @sha256, @duration_ms, @segments, @created_at)`)
        .run(row);
    } catch (err) {
      await fsp.rm(videoDir(ctx, id), { recursive: true, force: true });
      throw err;
    }
    return row;
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.rm(source, { force: true });
    throw err;
  }
}

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const h = await fsp.open(file, 'r');
  try {
    for await (const chunk of h.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } finally {
    await h.close();
  }
  return { size, sha256: hash.digest('hex') };
}

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const h = await fsp.open(file, 'r');
  try {
    const b = Buffer.alloc(length);
    const { bytesRead } = await h.read(b, 0, length, position);
    return b.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

/** Unpacks a bundle (shared/videoBundle.ts) into dir, checking the index, the playlist and every segment. */
async function unpackBundle(source: string, size: number, dir: string, format: 'hls-ts' | 'hls-fmp4'): Promise<{ mime: string; durationMs: number; segments: number }> {
  const bad = () => refused('The upload is not a packaged video (the bundle index is damaged). Package the video again.');
  const indexLength = bundleIndexLength(await readAt(source, 0, 12));
  if (indexLength === null) throw bad();
  const entries: BundleEntry[] | null = parseBundleIndex(await readAt(source, 12, indexLength));
  if (!entries) throw bad();
  let offset = 12 + indexLength;
  if (offset + entries.reduce((s, e) => s + e.size, 0) !== size) throw refused('The packaged video is incomplete or has extra bytes. Package and upload it again.');
  const names = new Set(entries.map((e) => e.name));
  if (!names.has(PLAYLIST_NAME)) throw refused('The packaged video has no playlist. Package the video again.');
  const h = await fsp.open(source, 'r');
  let playlist = '';
  try {
    for (const e of entries) {
      const b = Buffer.alloc(e.size);
      await h.read(b, 0, e.size, offset);
      offset += e.size;
      if (e.name === PLAYLIST_NAME) playlist = b.toString('utf8');
      else if (e.name.endsWith('.ts') ? !isTransportStream(b) : !isFmp4(b, e.name === 'init.mp4')) {
        throw refused(`The segment ${e.name} is not ${e.name.endsWith('.ts') ? 'MPEG-TS' : 'fragmented MP4'}. Package the video again.`);
      }
      const out = await fsp.open(path.join(dir, e.name), 'wx');
      try {
        await out.writeFile(b);
        await out.sync();
      } finally {
        await out.close();
      }
    }
  } finally {
    await h.close();
  }
  const facts = checkPlaylist(playlist, names, format);
  const referenced = new Set([PLAYLIST_NAME, ...facts.segments, ...(facts.init ? [facts.init] : [])]);
  if (referenced.size !== names.size) throw refused('The packaged video holds files its playlist does not name. Package the video again.');
  return { mime: format === 'hls-ts' ? 'video/mp2t' : 'video/mp4', durationMs: facts.durationMs, segments: facts.segments.length };
}

/** Removes a teacher's video: the row, then its folder. */
export async function deleteVideo(ctx: Ctx, user: UserRow, id: string): Promise<void> {
  const row = watchableVideo(ctx, user, id);
  if (row.teacher_id !== user.id) throw new HttpError(403, 'teachers_only', 'Only the teacher who uploaded this video can delete it.');
  ctx.db.prepare('DELETE FROM videos WHERE id = ?').run(id);
  await fsp.rm(videoDir(ctx, id), { recursive: true, force: true });
}

/** Folders of the videos assigned to a lesson; the rows go with the lesson (ON DELETE CASCADE). */
export function lessonVideoDirs(ctx: Ctx, lessonId: string): string[] {
  return (ctx.db.prepare('SELECT id FROM videos WHERE lesson_id = ?').all(lessonId) as { id: string }[]).map((r) => videoDir(ctx, r.id));
}

export function recordWatch(ctx: Ctx, student: UserRow, videoId: string, req: VideoWatchRequest): VideoWatch {
  const video = watchableVideo(ctx, student, videoId);
  if (student.role !== 'student') throw new HttpError(403, 'students_only', 'Watching is logged for students only.');
  const row = { id: newId('w'), student_id: student.id, video_id: video.id, started_at: new Date(req.startedAt).toISOString(), seconds: Math.round(req.seconds * 10) / 10, created_at: ctx.now().toISOString() };
  ctx.db.prepare('INSERT INTO video_watches (id, student_id, video_id, started_at, seconds, created_at) VALUES (@id, @student_id, @video_id, @started_at, @seconds, @created_at)').run(row);
  return { id: row.id, studentId: row.student_id, videoId: row.video_id, videoTitle: video.title, startedAt: row.started_at, seconds: row.seconds };
}

/** A student's watching, newest first: for the student themself or their teacher; 404 for anyone else. */
export function listWatches(ctx: Ctx, viewer: UserRow, studentId: string | undefined, limit = 100): VideoWatch[] {
  const id = practiceStudent(ctx, viewer, studentId);
  const rows = ctx.db
    .prepare(`SELECT w.id, w.student_id, w.video_id, v.title, w.started_at, w.seconds FROM video_watches w JOIN videos v ON v.id = w.video_id
              WHERE w.student_id = ? ORDER BY w.started_at DESC LIMIT ?`)
    .all(id, limit) as { id: string; student_id: string; video_id: string; title: string; started_at: string; seconds: number }[];
  return rows.map((r) => ({ id: r.id, studentId: r.student_id, videoId: r.video_id, videoTitle: r.title, startedAt: r.started_at, seconds: r.seconds }));
}
