// The practice log: sessions written by a student's practice page, read by them and their teacher.
import type { PracticeSession, PracticeSessionRequest } from '../../../shared/api';
import { HttpError } from '../errors';
import type { Ctx } from './context';
import { getUser, type UserRow } from './people';
import { newId } from './secrets';

interface Row {
  id: string;
  student_id: string;
  started_at: string;
  duration_seconds: number;
  tempos: string;
  tuner: string;
  client_key: string | null;
  created_at: string;
}

function toSession(r: Row): PracticeSession {
  return {
    id: r.id,
    studentId: r.student_id,
    startedAt: r.started_at,
    durationSeconds: r.duration_seconds,
    minutes: Math.round(r.duration_seconds / 60),
    tempos: JSON.parse(r.tempos) as number[],
    tuner: JSON.parse(r.tuner) as PracticeSession['tuner'],
    createdAt: r.created_at,
    ...(r.client_key ? { key: r.client_key } : {}),
  };
}

export function recordPractice(ctx: Ctx, student: UserRow, req: PracticeSessionRequest): PracticeSession {
  if (student.role !== 'student') throw new HttpError(403, 'students_only', 'The practice log is kept for students. Practise as much as you like; nothing is saved for teachers.');
  const row: Row = {
    id: newId('p'),
    student_id: student.id,
    started_at: new Date(req.startedAt).toISOString(),
    duration_seconds: req.durationSeconds,
    tempos: JSON.stringify([...new Set(req.tempos.map((b) => Math.round(b)))]),
    tuner: JSON.stringify(req.tuner),
    client_key: req.key ?? null,
    created_at: ctx.now().toISOString(),
  };
  // The same session sent twice (a retry after a lost answer) is stored once.
  const again = row.client_key ? (ctx.db.prepare('SELECT * FROM practice_sessions WHERE student_id = ? AND client_key = ?').get(student.id, row.client_key) as Row | undefined) : undefined;
  if (again) return toSession(again);
  ctx.db
    .prepare('INSERT INTO practice_sessions (id, student_id, started_at, duration_seconds, tempos, tuner, client_key, created_at) VALUES (@id, @student_id, @started_at, @duration_seconds, @tempos, @tuner, @client_key, @created_at)')
    .run(row);
  return toSession(row);
}

/** A student's sessions, newest first: for the student themself or their teacher; 404 for anyone else. */
export function listPractice(ctx: Ctx, viewer: UserRow, studentId: string | undefined, limit = 100): PracticeSession[] {
  const id = practiceStudent(ctx, viewer, studentId);
  const rows = ctx.db.prepare('SELECT * FROM practice_sessions WHERE student_id = ? ORDER BY started_at DESC LIMIT ?').all(id, limit) as Row[];
  return rows.map(toSession);
}

/** Whose practice log the viewer asks for (themself when a student names nobody); their own or their student's only. */
export function practiceStudent(ctx: Ctx, viewer: UserRow, studentId: string | undefined): string {
  const id = studentId ?? (viewer.role === 'student' ? viewer.id : undefined);
  if (!id) throw new HttpError(400, 'invalid_input', 'Say whose practice log to show.', { studentId: 'is required' });
  const student = getUser(ctx, id);
  const allowed = student?.role === 'student' && (student.id === viewer.id || student.teacher_id === viewer.id);
  if (!allowed) throw new HttpError(404, 'student_not_found', 'There is no such student on your list.');
  return id;
}
