// Preview videos: the list, one video, its HLS playlist and segments or its original file, deleting, and the
// watching log. Uploads go through the tus endpoint (routes/recordings.ts) with purpose=video.
import { Router } from 'express';
import path from 'node:path';
import { videoWatchRequest, type VideoList } from '../../../shared/api';
import { BUNDLE_NAME, PLAYLIST_NAME } from '../../../shared/videoBundle';
import { HttpError } from '../errors';
import { log } from '../log';
import type { Ctx } from '../services/context';
import { deleteVideo, HLS_TYPES, listVideos, listWatches, originalName, recordWatch, videoDir, videoInfo, watchableVideo } from '../services/videos';
import { parse, requireUser } from './http';

export function videoRoutes(ctx: Ctx): Router {
  const router = Router();

  router.get('/videos', (_req, res) => {
    const body: VideoList = { videos: listVideos(ctx, requireUser(res)) };
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(body);
  });

  router.get('/videos/:id', (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(videoInfo(ctx, watchableVideo(ctx, requireUser(res), req.params.id)));
  });

  router.delete('/videos/:id', async (req, res) => {
    await deleteVideo(ctx, requireUser(res), req.params.id);
    log.info('videos.deleted', { id: req.params.id });
    res.status(204).end();
  });

  // Segments never change once stored (a new upload is a new video): cached for a year. The playlist is small and
  // re-read often, so caches keep it briefly.
  router.get('/videos/:id/hls/:name', (req, res, next) => {
    const row = watchableVideo(ctx, requireUser(res), req.params.id);
    const name = req.params.name;
    if (row.format === 'file' || !BUNDLE_NAME.test(name)) throw new HttpError(404, 'not_found', 'This video has no such part.');
    const playlist = name === PLAYLIST_NAME;
    res.setHeader('Cache-Control', playlist ? 'private, max-age=10' : 'private, max-age=31536000, immutable');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.type(HLS_TYPES[path.extname(name).slice(1)]);
    res.sendFile(path.join(videoDir(ctx, row.id), name), { acceptRanges: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(new HttpError(404, 'not_found', 'This video has no such part.'));
    });
  });

  // The original file, when its codecs could not be segmented: express's sendFile answers Range with 206.
  router.get('/videos/:id/file', (req, res, next) => {
    const row = watchableVideo(ctx, requireUser(res), req.params.id);
    if (row.format !== 'file') throw new HttpError(404, 'not_found', 'This video is streamed; play its playlist instead.');
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.type(row.mime);
    res.sendFile(path.join(videoDir(ctx, row.id), originalName(row)), { acceptRanges: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(new HttpError(404, 'video_missing', 'The video file is missing on the server. Tell the studio admin.'));
    });
  });

  router.post('/videos/:id/watches', (req, res) => {
    const user = requireUser(res);
    const body = parse(videoWatchRequest, req.body, 'watching log');
    const saved = recordWatch(ctx, user, req.params.id, body);
    log.info('videos.watched', { student: user.id, video: saved.videoId, seconds: saved.seconds });
    res.status(201).json(saved);
  });

  router.get('/practice/videos', (req, res) => {
    const user = requireUser(res);
    const studentId = typeof req.query.studentId === 'string' && req.query.studentId ? req.query.studentId : undefined;
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(listWatches(ctx, user, studentId));
  });
  return router;
}
