// The practice log: the practice page posts a session; the student and their teacher read them.
import { Router } from 'express';
import { practiceSessionRequest } from '../../../shared/api';
import { HttpError } from '../errors';
import { log } from '../log';
import { practiceRecordingPath, readablePracticeRecording } from '../services/practiceRecordings';
import type { Ctx } from '../services/context';
import { listPractice, recordPractice } from '../services/practice';
import { parse, requireUser } from './http';

export function practiceRoutes(ctx: Ctx): Router {
  const router = Router();

  router.post('/practice/sessions', (req, res) => {
    const user = requireUser(res);
    const body = parse(practiceSessionRequest, req.body, 'practice session');
    const saved = recordPractice(ctx, user, body);
    log.info('practice.recorded', { student: user.id, seconds: saved.durationSeconds });
    res.status(201).json(saved);
  });

  router.get('/practice/sessions', (req, res) => {
    const user = requireUser(res);
    const studentId = typeof req.query.studentId === 'string' && req.query.studentId ? req.query.studentId : undefined;
    res.json(listPractice(ctx, user, studentId));
  });
  // express's sendFile answers Range requests (206) and conditional GETs.
  router.get('/practice/recordings/:id/file', (req, res, next) => {
    const user = requireUser(res);
    const row = readablePracticeRecording(ctx, user, req.params.id);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.type(row.mime);
    res.sendFile(practiceRecordingPath(ctx, row), { acceptRanges: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(new HttpError(404, 'recording_missing', 'The recording file is missing on the server. Tell the studio admin.'));
    });
  });
  return router;
}
