// The practice log: the practice page posts a session; the student and their teacher read them.
import { Router } from 'express';
import { practiceSessionRequest } from '../../../shared/api';
import { log } from '../log';
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
  return router;
}
