// Recordings: resumable uploads (tus protocol) into a lesson occurrence, the occurrence's list, and the files
// themselves with Range requests, each only for the lesson's teacher and students.
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { CLIP_MIME, clipInput, clipUpdate, uploadMetadata, VIDEO_BUNDLE_MIME, VIDEO_FILE_MIME, videoUploadMetadata, type ClipList, type ClipMime, type Library, type RecordingList, type UploadMetadata, type VideoUploadMetadata } from '../../../shared/api';
import { authorizePracticeUpload, storePracticeUpload } from '../services/practiceRecordings';
import { clipInfo, clipPath, createClip, deleteClip, library, listClips, readableClip, updateClip } from '../services/clips';
import { fromZod, HttpError } from '../errors';
import { log } from '../log';
import type { Ctx } from '../services/context';
import { getUser, sessionUser, type UserRow } from '../services/people';
import { authorizeVideoUpload, storeVideo } from '../services/videos';
import { authorizeUpload, listRecordings, newUploadId, readableRecording, recordingPath, storeUpload, uploadFilePath, uploadsDir } from '../services/recordings';
import { originAllowed, parse, readCookie, requireUser, SESSION_COOKIE } from './http';

export const UPLOADS_PATH = '/api/uploads';
/** How long an unfinished upload is kept (a student may be offline for days after a lesson). */
export const UPLOAD_EXPIRY_MS = 14 * 86_400_000;

/** tus Upload-Metadata: comma-separated `key base64value` pairs. */
export function parseTusMetadata(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (key) out[key] = value ? Buffer.from(value, 'base64').toString('utf8') : '';
  }
  return out;
}

function validMetadata(raw: Record<string, string | null | undefined>): UploadMetadata {
  const r = uploadMetadata.safeParse(raw);
  if (!r.success) throw fromZod(r.error, 'upload metadata');
  return r.data;
}

/** A preview video's metadata; a container we cannot play is refused as such (415), before any byte is sent. */
function validVideoMetadata(raw: Record<string, string | null | undefined>): VideoUploadMetadata {
  const type = raw.filetype ?? '';
  if (type !== VIDEO_BUNDLE_MIME && !(VIDEO_FILE_MIME as readonly string[]).includes(type)) {
    throw new HttpError(415, 'unsupported_type', `${type || 'This file type'} cannot be used as a preview video. Upload an mp4, webm or mov file.`);
  }
  // tus reads a key sent with an empty value as null; the schema's defaults apply to absent keys.
  const r = videoUploadMetadata.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null && v !== undefined)));
  if (!r.success) throw fromZod(r.error, 'video details');
  return r.data;
}

type TusError = { status_code: number; body: string };
const tusError = (e: HttpError): TusError => ({ status_code: e.status, body: JSON.stringify({ error: { code: e.code, message: e.message } }) });

/** The node request behind tus's web request, where our middleware left the user. */
function ownerOf(req: unknown): UserRow | undefined {
  const node = (req as { runtime?: { node?: { req?: IncomingMessage & { museUser?: UserRow } } } }).runtime?.node?.req;
  return node?.museUser;
}

/**
 * The tus endpoint, mounted before the JSON body parser and the JSON-only CSRF guard (tus sends
 * application/offset+octet-stream). It checks the session cookie and the Origin itself, then: creating an upload
 * needs valid metadata naming an occurrence this person teaches or attends and an allowed type and size;
 * every later request on an upload needs to come from the person who created it (404 otherwise).
 */
export function uploadEndpoint(ctx: Ctx): { handler: RequestHandler; sweep(): Promise<number> } {
  const datastore = new FileStore({ directory: uploadsDir(ctx), expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS });
  const tus = new TusServer({
    path: UPLOADS_PATH,
    datastore,
    relativeLocation: true,
    maxSize: Math.max(ctx.config.recordingMaxBytes, ctx.config.videoMaxBytes),
    namingFunction: () => newUploadId(),
    async onUploadCreate(req, upload) {
      const user = ownerOf(req);
      if (!user) throw tusError(new HttpError(401, 'not_logged_in', 'Log in to upload recordings.'));
      // Who uploads is what the session says, never what the metadata claims.
      return { metadata: { ...upload.metadata, owner: user.id } };
    },
    async onUploadFinish(_req, upload): Promise<{ headers: Record<string, string> }> {
      const meta = upload.metadata ?? {};
      const user = meta.owner ? getUser(ctx, meta.owner) : undefined;
      if (!user) throw tusError(new HttpError(404, 'upload_not_found', 'This upload has no owner any more.'));
      if (meta.purpose === 'video') {
        try {
          const row = await storeVideo(ctx, uploadFilePath(ctx, upload.id), user, validVideoMetadata(meta));
          log.info('videos.stored', { id: row.id, teacher: row.teacher_id, format: row.format, size: row.size, segments: row.segments });
          return { headers: { 'Muse-Video-Id': row.id } };
        } catch (err) {
          log.warn('videos.refused', { upload: upload.id, error: String(err instanceof HttpError ? err.message : err) });
          if (err instanceof HttpError) throw tusError(err);
          throw tusError(new HttpError(500, 'store_failed', 'The video arrived but could not be stored. Upload it again.'));
        } finally {
          // Stored (the file was moved) or refused: nothing of the upload stays behind.
          await rm(uploadFilePath(ctx, upload.id), { force: true });
          await datastore.configstore.delete(upload.id).catch(() => undefined);
        }
      }
      try {
        const valid = validMetadata(meta);
        const source = uploadFilePath(ctx, upload.id);
        const row = valid.practice !== undefined
          ? await storePracticeUpload(ctx, source, user, { ...valid, practice: valid.practice })
          : await storeUpload(ctx, source, user, { ...valid, occurrence: valid.occurrence! });
        await datastore.configstore.delete(upload.id);
        if ('practice_key' in row) log.info('practice.recording_stored', { id: row.id, student: row.student_id, practice: row.practice_key, size: row.size });
        else log.info('recordings.stored', { id: row.id, lesson: row.lesson_id, occurrence: row.occurrence_start, participant: row.participant_id, size: row.size });
        return { headers: { 'Muse-Recording-Id': row.id, 'Muse-Recording-Sha256': row.sha256 } };
      } catch (err) {
        if (err instanceof HttpError) throw tusError(err);
        log.error('recordings.store_failed', { upload: upload.id, error: String(err) });
        throw tusError(new HttpError(500, 'store_failed', 'The recording arrived but could not be stored. It stays in your browser; it will be sent again.'));
      }
    },
  });

  const handler = (req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      if (!originAllowed(ctx.config, req)) throw new HttpError(403, 'bad_origin', 'This request came from another site and was refused.');
      const token = readCookie(req, SESSION_COOKIE);
      const user = token ? sessionUser(ctx, token) : undefined;
      if (!user) throw new HttpError(401, 'not_logged_in', 'You are not logged in, or your session has ended. Log in and try again.');
      // Files are read through /api/recordings/:id/file, never from the upload area.
      if (req.method === 'GET') throw new HttpError(404, 'not_found', 'Uploads cannot be downloaded here.');
      const id = req.path.replace(/^\/+/, '');
      if (req.method === 'POST' && id === '') {
        const raw = parseTusMetadata(req.get('upload-metadata'));
        const length = Number(req.get('upload-length'));
        if (raw.purpose === 'video') {
          authorizeVideoUpload(ctx, user, validVideoMetadata(raw));
          if (!Number.isFinite(length) || length <= 0) throw new HttpError(400, 'invalid_input', 'Send the video size (Upload-Length) with the upload.');
          if (length > ctx.config.videoMaxBytes) {
            throw new HttpError(413, 'too_large', `The video is ${Math.ceil(length / 1048576)} MB; at most ${ctx.config.videoMaxBytes / 1048576} MB can be uploaded. Export it smaller (e.g. 720p) and try again.`);
          }
          (req as Request & { museUser?: UserRow }).museUser = user;
          req.url = req.originalUrl;
          return await tus.handle(req, res);
        }
        const meta = validMetadata(raw);
        if (meta.practice !== undefined) authorizePracticeUpload(user, meta.kind);
        else authorizeUpload(ctx, user, meta.occurrence!, meta.kind);
        if (!Number.isFinite(length) || length <= 0) throw new HttpError(400, 'invalid_input', 'Send the recording size (Upload-Length) with the upload.');
        if (length > ctx.config.recordingMaxBytes) {
          throw new HttpError(413, 'too_large', `The recording is ${Math.ceil(length / 1048576)} MB; at most ${ctx.config.recordingMaxBytes / 1048576} MB can be uploaded.`);
        }
      } else if (req.method !== 'OPTIONS') {
        if (!/^u[0-9a-f]{20}$/.test(id)) throw new HttpError(404, 'upload_not_found', 'There is no such upload.');
        const upload = await datastore.getUpload(id).catch(() => null);
        if (!upload || upload.metadata?.owner !== user.id) throw new HttpError(404, 'upload_not_found', 'There is no such upload, or it finished already.');
      }
      (req as Request & { museUser?: UserRow }).museUser = user;
      req.url = req.originalUrl;
      await tus.handle(req, res);
    })().catch(next);
  };
  // Unfinished uploads older than the expiry are removed; a browser that comes back later starts a new upload.
  return { handler, sweep: () => tus.cleanUpExpiredUploads() };
}

export const CLIPS_POST_PATH = '/api/occurrences/:id/clips';

/**
 * POST /api/occurrences/:id/clips: the body is the clip file (Content-Type audio/flac, audio/webm or audio/mp4,
 * at most the recording size limit), the query names the source recording, start and end in seconds, the title and
 * a note. Mounted before the JSON parser and the JSON-only CSRF guard, so it checks the session and Origin itself.
 */
export function clipUploadHandler(ctx: Ctx): RequestHandler[] {
  const guard: RequestHandler = (req, _res, next) => {
    if (!originAllowed(ctx.config, req)) return next(new HttpError(403, 'bad_origin', 'This request came from another site and was refused.'));
    const token = readCookie(req, SESSION_COOKIE);
    const user = token ? sessionUser(ctx, token) : undefined;
    if (!user) return next(new HttpError(401, 'not_logged_in', 'You are not logged in, or your session has ended. Log in and try again.'));
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!(CLIP_MIME as readonly string[]).includes(type)) {
      return next(new HttpError(415, 'bad_type', `Send the clip as ${CLIP_MIME.join(', ')} (Content-Type).`));
    }
    const length = Number(req.get('content-length'));
    if (Number.isFinite(length) && length > ctx.config.recordingMaxBytes) {
      return next(new HttpError(413, 'too_large', `The clip is ${Math.ceil(length / 1048576)} MB; at most ${ctx.config.recordingMaxBytes / 1048576} MB can be uploaded.`));
    }
    (req as Request & { museUser?: UserRow }).museUser = user;
    next();
  };
  const raw = express.raw({ type: [...CLIP_MIME], limit: ctx.config.recordingMaxBytes });
  const store: RequestHandler = (req, res, next) => {
    void (async () => {
      const user = (req as Request & { museUser?: UserRow }).museUser as UserRow;
      const parsed = clipInput.safeParse(req.query);
      if (!parsed.success) throw fromZod(parsed.error, 'clip');
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() as ClipMime;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const row = await createClip(ctx, user, String(req.params.id), parsed.data, type, body);
      log.info('clips.stored', { id: row.id, lesson: row.lesson_id, occurrence: row.occurrence_start, size: row.size });
      res.status(201).json(clipInfo(ctx, row));
    })().catch(next);
  };
  return [guard, raw, store];
}

export function recordingRoutes(ctx: Ctx): Router {
  const router = Router();

  router.get('/library', (_req, res) => {
    const body: Library = library(ctx, requireUser(res));
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(body);
  });

  router.get('/occurrences/:id/clips', (req, res) => {
    const user = requireUser(res);
    const body: ClipList = { occurrenceId: req.params.id, clips: listClips(ctx, user, req.params.id) };
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(body);
  });

  router.patch('/clips/:id', (req, res) => {
    const user = requireUser(res);
    const change = parse(clipUpdate, req.body, 'clip change');
    const row = updateClip(ctx, user, req.params.id, change);
    log.info('clips.updated', { id: row.id, by: user.id, fields: Object.keys(change) });
    res.json(clipInfo(ctx, row));
  });

  router.delete('/clips/:id', async (req, res) => {
    const user = requireUser(res);
    const row = await deleteClip(ctx, user, req.params.id);
    log.info('clips.deleted', { id: row.id, by: user.id, lesson: row.lesson_id });
    res.status(204).end();
  });

  router.get('/clips/:id/file', (req, res, next) => {
    const user = requireUser(res);
    const row = readableClip(ctx, user, req.params.id);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.type(row.mime);
    res.sendFile(clipPath(ctx, row), { acceptRanges: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(new HttpError(404, 'clip_missing', 'The clip file is missing on the server. Tell the studio admin.'));
    });
  });

  router.get('/occurrences/:id/recordings', (req, res) => {
    const user = requireUser(res);
    const { title, recordings } = listRecordings(ctx, user, req.params.id);
    const body: RecordingList = { occurrenceId: req.params.id, title, recordings };
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(body);
  });

  // express's sendFile answers Range requests (206, Content-Range) and conditional GETs.
  router.get('/recordings/:id/file', (req, res, next) => {
    const user = requireUser(res);
    const row = readableRecording(ctx, user, req.params.id);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.type(row.mime);
    res.sendFile(recordingPath(ctx, row), { acceptRanges: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(new HttpError(404, 'recording_missing', 'The recording file is missing on the server. Tell the studio admin.'));
    });
  });
  return router;
}

