// Lessons and their occurrences: list, create, edit, cancel, join, and .ics downloads and feeds.
import { Router, type Response } from 'express';
import { rm } from 'node:fs/promises';
import { createLessonRequest, joinLessonRequest, lessonRangeQuery, updateLessonRequest, type JoinResponse, type OccurrenceList } from '../../../shared/api';
import { HttpError } from '../errors';
import { log } from '../log';
import type { Ctx } from '../services/context';
import { authorizeLessonJoin, cancelOccurrence, createLesson, deleteLesson, feedIcs, lessonDto, lessonIcs, listOccurrences, ownLesson, updateLesson, visibleLesson } from '../services/lessons';
import { userForFeedToken } from '../services/people';
import { lessonRecordingFiles } from '../services/recordings';
import { lessonVideoDirs } from '../services/videos';
import { baseUrl, parse, requireTeacher, requireUser } from './http';
import { joinResponse } from './rooms';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 370;

function sendIcs(res: Response, body: string, filename: string): void {
  res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  res.send(body);
}

export function lessonRoutes(ctx: Ctx): Router {
  const { config } = ctx;
  const router = Router();

  router.get('/lessons', (req, res) => {
    const user = requireUser(res);
    const q = parse(lessonRangeQuery, req.query, 'lesson query');
    const from = q.from ? new Date(q.from) : ctx.now();
    const to = q.to ? new Date(q.to) : new Date(from.getTime() + 14 * DAY_MS);
    if (to <= from) throw new HttpError(400, 'invalid_input', 'The range must end after it starts.', { to: 'must be after from' });
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      throw new HttpError(400, 'invalid_input', `Ask for at most ${MAX_RANGE_DAYS} days at a time.`, { to: `must be at most ${MAX_RANGE_DAYS} days after from` });
    }
    const body: OccurrenceList = { from: from.toISOString(), to: to.toISOString(), occurrences: listOccurrences(ctx, user, from, to) };
    res.json(body);
  });

  router.post('/lessons', (req, res) => {
    const teacher = requireTeacher(res);
    const body = parse(createLessonRequest, req.body, 'lesson form');
    const lesson = createLesson(ctx, teacher, body);
    log.info('lessons.created', { teacher: teacher.id, lesson: lesson.id });
    res.status(201).json(lesson);
  });

  router.get('/lessons/:id', (req, res) => {
    const user = requireUser(res);
    res.json(lessonDto(ctx, user, visibleLesson(ctx, user, req.params.id)));
  });

  router.patch('/lessons/:id', (req, res) => {
    const user = requireUser(res);
    ownLesson(ctx, user, req.params.id);
    const body = parse(updateLessonRequest, req.body, 'lesson change');
    res.json(updateLesson(ctx, user, req.params.id, body));
  });

  router.delete('/lessons/:id', async (req, res) => {
    const files = [...lessonRecordingFiles(ctx, req.params.id), ...lessonVideoDirs(ctx, req.params.id)];
    deleteLesson(ctx, requireUser(res), req.params.id);
    await Promise.all(files.map((f) => rm(f, { recursive: true, force: true })));
    res.status(204).end();
  });

  router.post('/lessons/:id/occurrences/:start/cancel', (req, res) => {
    res.json(cancelOccurrence(ctx, requireUser(res), req.params.id, req.params.start));
  });

  router.post('/lessons/:id/join', async (req, res) => {
    const user = requireUser(res);
    visibleLesson(ctx, user, req.params.id);
    const body = parse(joinLessonRequest, req.body, 'join request');
    const grant = authorizeLessonJoin(ctx, user, req.params.id, body.occurrenceStart);
    log.info('lessons.join', { lesson: req.params.id, identity: grant.identity, role: grant.role, duetRtp: body.duetRtp === true });
    const out: JoinResponse = await joinResponse(config, grant, body);
    res.json(out);
  });

  router.get('/lessons/:id/ics', (req, res) => {
    const user = requireUser(res);
    sendIcs(res, lessonIcs(ctx, user, req.params.id, baseUrl(config, req)), `lesson-${req.params.id}.ics`);
  });

  // The feed is fetched by calendar apps without cookies: the secret token in the path is the credential.
  router.get('/calendar/:file', (req, res) => {
    const m = /^(.+)\.ics$/.exec(req.params.file);
    const user = m ? userForFeedToken(ctx, m[1]) : undefined;
    if (!user) throw new HttpError(404, 'feed_not_found', 'This calendar link is not valid. Copy it again from your Muse Studio settings.');
    sendIcs(res, feedIcs(ctx, user, baseUrl(config, req)), 'muse-studio.ics');
  });
  return router;
}
