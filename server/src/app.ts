// The express application: JSON API under /api, the built client for everything else.
import express, { type Express } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ClientConfig } from '../../shared/api';
import type { Config } from './config';
import { errorHandler, HttpError } from './errors';
import { log } from './log';
import { authRoutes } from './routes/auth';
import { csrfGuard, sessionMiddleware } from './routes/http';
import { lessonRoutes } from './routes/lessons';
import { CLIPS_POST_PATH, clipUploadHandler, recordingRoutes, uploadEndpoint, UPLOADS_PATH } from './routes/recordings';
import { practiceRoutes } from './routes/practice';
import { roomRoutes } from './routes/rooms';
import { studentRoutes } from './routes/students';
import { videoRoutes } from './routes/videos';
import type { Ctx } from './services/context';
import { serverSecret } from './services/secrets';
import { recoverClipDeletes } from './services/clips';
import { openDatabase, type Db } from './storage/db';

export interface AppOptions {
  /** The clock for room windows, sessions and invites; tests move it. */
  now?: () => Date;
}

/** The app, with its database open; close() releases the database (tests restart on the same folder). */
export type MuseApp = Express & { locals: { db: Db; close: () => void } };

export function createApp(config: Config, options: AppOptions = {}): MuseApp {
  const db = openDatabase(config.dataDir);
  const ctx: Ctx = { db, config, secret: serverSecret(db, config.secret), now: options.now ?? (() => new Date()) };
  const app = express() as MuseApp;
  app.locals.db = db;
  const settled = recoverClipDeletes(ctx);
  if (settled > 0) log.info('clips.deletes_settled', { files: settled });
  const uploads = uploadEndpoint(ctx);
  const sweeper = setInterval(() => {
    uploads.sweep().then((n) => n > 0 && log.info('uploads.expired', { removed: n })).catch((err: Error) => log.warn('uploads.sweep_failed', { error: err.message }));
  }, 3_600_000).unref();
  app.locals.close = () => {
    clearInterval(sweeper);
    db.close();
  };
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  // Cross-origin isolation: lets the audio worklets share memory (SharedArrayBuffer) with the page.
  app.use((_req, res, next) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (!req.path.startsWith('/api/')) return;
      log.info('http', { method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    next();
  });

  // Before the JSON parser and the JSON-only CSRF guard: tus bodies are raw bytes; the handler checks Origin itself.
  app.use(UPLOADS_PATH, uploads.handler);
  // Also before them: a clip is sent as its own bytes (audio/flac, audio/webm, audio/mp4).
  app.post(CLIPS_POST_PATH, ...clipUploadHandler(ctx));

  const api = express.Router();
  api.use(express.json({ limit: '100kb' }));
  api.use(csrfGuard(config));
  api.use(sessionMiddleware(ctx));
  api.get('/health', (_req, res) => res.json({ ok: true }));
  api.get('/config', (_req, res) => {
    const body: ClientConfig = { devRooms: config.devRooms };
    res.json(body);
  });
  api.use(roomRoutes(config));
  api.use(authRoutes(ctx));
  api.use(studentRoutes(ctx));
  api.use(lessonRoutes(ctx));
  api.use(recordingRoutes(ctx));
  api.use(practiceRoutes(ctx));
  api.use(videoRoutes(ctx));
  api.use((req) => {
    throw new HttpError(404, 'not_found', `There is no API endpoint ${req.method} ${req.baseUrl}${req.path}.`);
  });
  app.use('/api', api);

  const index = path.join(config.clientDir, 'index.html');
  app.use(express.static(config.clientDir, { index: false, maxAge: '1h', setHeaders: immutableAssets }));
  app.get('/{*any}', (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The client is not built yet. Run: npm run build (npm start does this for you).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  app.use(errorHandler);
  return app;
}

function immutableAssets(res: express.Response, filePath: string): void {
  // Vite puts a content hash in every file name under assets/.
  if (filePath.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  if (filePath.endsWith('.wasm')) res.setHeader('Content-Type', 'application/wasm');
}
