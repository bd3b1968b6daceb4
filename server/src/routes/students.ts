// A teacher's students and their invites; a student accepting an invite.
import { Router } from 'express';
import { acceptInviteRequest, createStudentRequest, type CreateStudentResponse } from '../../../shared/api';
import { HttpError } from '../errors';
import { log } from '../log';
import type { Ctx } from '../services/context';
import { acceptInvite, createSession, createStudent, getUser, inviteInfo, issueInvite, listStudents, toMe } from '../services/people';
import { baseUrl, parse, requireTeacher, setSessionCookie } from './http';

export function studentRoutes(ctx: Ctx): Router {
  const { config } = ctx;
  const router = Router();

  router.get('/students', (_req, res) => {
    res.json(listStudents(ctx, requireTeacher(res).id));
  });

  router.post('/students', (req, res) => {
    const teacher = requireTeacher(res);
    const body = parse(createStudentRequest, req.body, 'student form');
    const created: CreateStudentResponse = createStudent(ctx, teacher, body, baseUrl(config, req));
    log.info('students.created', { teacher: teacher.id, student: created.student.id });
    res.status(201).json(created);
  });

  router.post('/students/:id/invite', (req, res) => {
    const teacher = requireTeacher(res);
    const student = getUser(ctx, req.params.id);
    if (!student || student.teacher_id !== teacher.id) throw new HttpError(404, 'student_not_found', 'There is no such student on your list.');
    if (student.password_hash) throw new HttpError(409, 'already_active', 'This student has already set a password and can log in.');
    res.status(201).json(issueInvite(ctx, student.id, baseUrl(config, req)));
  });

  router.get('/invites/:token', (req, res) => {
    res.json(inviteInfo(ctx, req.params.token));
  });

  router.post('/invites/:token/accept', async (req, res) => {
    const body = parse(acceptInviteRequest, req.body, 'password form');
    const student = await acceptInvite(ctx, req.params.token, body.password);
    const s = createSession(ctx, student.id);
    setSessionCookie(config, req, res, s.token);
    log.info('invites.accepted', { student: student.id });
    res.json(toMe(ctx, student, baseUrl(config, req)));
  });
  return router;
}
