// Lessons: series and their occurrences, who may see and change them, and who may join which room when.
import type { DateTime } from 'luxon';
import {
  occurrenceId,
  parseOccurrenceId,
  type Lesson,
  type Occurrence,
  type PartyTime,
  type UpdateLessonRequest,
  createLessonRequest,
} from '../../../shared/api';
import { HttpError } from '../errors';
import type { JoinGrant } from './access';
import type { Ctx } from './context';
import { calendar, type IcsEvent } from './ics';
import type { UserRow } from './people';
import { expand, findOccurrence, keyOf, keyToIso, localShiftMinutes, normalizeKey, parseLocal, previousOriginal, recurrenceToRrule, rruleToRecurrence, untilUtc, type SeriesTime } from './schedule';
import { hmac, newId } from './secrets';
import type { z } from 'zod';

export interface LessonRow {
  id: string;
  teacher_id: string;
  title: string;
  notes: string;
  start_local: string;
  tzid: string;
  duration_minutes: number;
  rrule: string | null;
  auto_record: 0 | 1;
  created_at: string;
  updated_at: string;
}

interface ExceptionRow {
  lesson_id: string;
  original_start: string;
  cancelled: 0 | 1;
  start_local: string | null;
  duration_minutes: number | null;
  title: string | null;
  notes: string | null;
}

/** One occurrence after its exception (if any) is applied. */
interface Effective {
  lesson: LessonRow;
  key: string;
  original: DateTime;
  start: DateTime;
  durationMinutes: number;
  title: string;
  notes: string;
  cancelled: boolean;
  modified: boolean;
}

const MINUTE_MS = 60_000;
const notFound = () => new HttpError(404, 'lesson_not_found', 'There is no such lesson, or it is not one of yours. Check the link or open the lesson from your dashboard.');

function series(l: LessonRow): SeriesTime {
  return { startLocal: l.start_local, tzid: l.tzid, durationMinutes: l.duration_minutes, rrule: l.rrule };
}

function students(ctx: Ctx, lessonId: string): UserRow[] {
  return ctx.db.prepare('SELECT u.* FROM lesson_students ls JOIN users u ON u.id = ls.student_id WHERE ls.lesson_id = ? ORDER BY u.name COLLATE NOCASE').all(lessonId) as UserRow[];
}

function exceptions(ctx: Ctx, lessonId: string): Map<string, ExceptionRow> {
  const rows = ctx.db.prepare('SELECT * FROM lesson_exceptions WHERE lesson_id = ?').all(lessonId) as ExceptionRow[];
  return new Map(rows.map((r) => [r.original_start, r]));
}

/** The lesson if this user teaches it or is one of its students; 404 otherwise, so nobody learns what exists. */
export function visibleLesson(ctx: Ctx, user: UserRow, id: string): LessonRow {
  const row = ctx.db.prepare('SELECT * FROM lessons WHERE id = ?').get(id) as LessonRow | undefined;
  if (!row) throw notFound();
  if (row.teacher_id === user.id) return row;
  if (user.role === 'student' && ctx.db.prepare('SELECT 1 FROM lesson_students WHERE lesson_id = ? AND student_id = ?').get(id, user.id)) return row;
  throw notFound();
}

/** The lesson if this user teaches it: its students may look but not change it (403). */
export function ownLesson(ctx: Ctx, user: UserRow, id: string): LessonRow {
  const row = visibleLesson(ctx, user, id);
  if (row.teacher_id !== user.id) throw new HttpError(403, 'forbidden', 'Only the teacher can change this lesson. Ask your teacher.');
  return row;
}

function checkStart(local: string, zone: string, field = 'start'): void {
  if (!parseLocal(local, zone)) throw new HttpError(400, 'invalid_input', `The ${field} is not a real date and time.`, { [field]: 'is not a real date and time' });
}

function checkStudents(ctx: Ctx, teacher: UserRow, ids: string[]): string[] {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    const ok = ctx.db.prepare('SELECT 1 FROM users WHERE id = ? AND teacher_id = ?').get(id, teacher.id);
    if (!ok) throw new HttpError(400, 'invalid_input', 'One of the students is not on your list. Add the student first.', { studentIds: `${id} is not one of your students` });
  }
  return unique;
}

export function createLesson(ctx: Ctx, teacher: UserRow, req: z.output<typeof createLessonRequest>): Lesson {
  const zone = req.timeZone ?? teacher.time_zone;
  checkStart(req.start, zone);
  const ids = checkStudents(ctx, teacher, req.studentIds);
  const id = newId('l');
  const now = ctx.now().toISOString();
  ctx.db.transaction(() => {
    ctx.db
      .prepare(`INSERT INTO lessons (id, teacher_id, title, notes, start_local, tzid, duration_minutes, rrule, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, teacher.id, req.title, req.notes, req.start, zone, req.durationMinutes, recurrenceToRrule(req.recurrence), now, now);
    const add = ctx.db.prepare('INSERT INTO lesson_students (lesson_id, student_id) VALUES (?, ?)');
    for (const s of ids) add.run(id, s);
  })();
  return lessonDto(ctx, teacher, ctx.db.prepare('SELECT * FROM lessons WHERE id = ?').get(id) as LessonRow);
}

export function updateLesson(ctx: Ctx, teacher: UserRow, id: string, req: UpdateLessonRequest): Lesson {
  const l = ownLesson(ctx, teacher, id);
  if (req.scope === 'series') {
    const zone = req.timeZone ?? l.tzid;
    const start = req.start ?? l.start_local;
    checkStart(start, zone);
    const ids = req.studentIds ? checkStudents(ctx, teacher, req.studentIds) : null;
    const rrule = req.recurrence ? recurrenceToRrule(req.recurrence) : l.rrule;
    const timesChanged = start !== l.start_local || zone !== l.tzid || rrule !== l.rrule;
    ctx.db.transaction(() => {
      ctx.db
        .prepare('UPDATE lessons SET title = ?, notes = ?, start_local = ?, tzid = ?, duration_minutes = ?, rrule = ?, auto_record = ?, updated_at = ? WHERE id = ?')
        .run(req.title ?? l.title, req.notes ?? l.notes, start, zone, req.durationMinutes ?? l.duration_minutes, rrule, req.autoRecord === undefined ? l.auto_record : Number(req.autoRecord), ctx.now().toISOString(), id);
      // Occurrences are named by their original start: when the times change, old edits and cancellations name nothing.
      if (timesChanged) ctx.db.prepare('DELETE FROM lesson_exceptions WHERE lesson_id = ?').run(id);
      if (ids) {
        ctx.db.prepare('DELETE FROM lesson_students WHERE lesson_id = ?').run(id);
        const add = ctx.db.prepare('INSERT INTO lesson_students (lesson_id, student_id) VALUES (?, ?)');
        for (const s of ids) add.run(id, s);
      }
    })();
  } else {
    const key = occurrenceKey(l, req.occurrenceStart);
    if (req.start) checkStart(req.start, l.tzid);
    const prev = exceptions(ctx, id).get(key);
    ctx.db
      .prepare(`INSERT INTO lesson_exceptions (lesson_id, original_start, cancelled, start_local, duration_minutes, title, notes)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (lesson_id, original_start) DO UPDATE SET start_local = excluded.start_local,
                  duration_minutes = excluded.duration_minutes, title = excluded.title, notes = excluded.notes`)
      .run(id, key, prev?.cancelled ?? 0, req.start ?? prev?.start_local ?? null, req.durationMinutes ?? prev?.duration_minutes ?? null, req.title ?? prev?.title ?? null, req.notes ?? prev?.notes ?? null);
    ctx.db.prepare('UPDATE lessons SET updated_at = ? WHERE id = ?').run(ctx.now().toISOString(), id);
  }
  return lessonDto(ctx, teacher, ctx.db.prepare('SELECT * FROM lessons WHERE id = ?').get(id) as LessonRow);
}

export function deleteLesson(ctx: Ctx, teacher: UserRow, id: string): void {
  ownLesson(ctx, teacher, id);
  ctx.db.prepare('DELETE FROM lessons WHERE id = ?').run(id);
}

/** Validates that an occurrence start names a real occurrence of the lesson; returns its key. */
function occurrenceKey(l: LessonRow, input: string): string {
  const key = normalizeKey(input);
  if (!key) throw new HttpError(400, 'invalid_input', 'The occurrence start must be an ISO date-time in UTC, such as 2026-03-26T17:00:00Z.', { occurrenceStart: 'must be an ISO date-time with Z or an offset' });
  if (!findOccurrence(series(l), key)) {
    throw new HttpError(404, 'occurrence_not_found', `This lesson has no occurrence starting at ${keyToIso(key)}. Pick one from the lesson list.`);
  }
  return key;
}

/**
 * The lesson and occurrence key of an occurrence id (`<lessonId>.<basic UTC start>`) that this user teaches or
 * attends; 404 for anything else, so a guessed id tells nothing.
 */
export function participantOccurrence(ctx: Ctx, user: UserRow, id: string): { lesson: LessonRow; key: string } {
  const parsed = parseOccurrenceId(id);
  if (!parsed) throw notFound();
  const lesson = visibleLesson(ctx, user, parsed.lessonId);
  const key = normalizeKey(parsed.occurrenceStart);
  if (!key || !findOccurrence(series(lesson), key)) throw notFound();
  return { lesson, key };
}

export function cancelOccurrence(ctx: Ctx, teacher: UserRow, id: string, start: string): Lesson {
  const l = ownLesson(ctx, teacher, id);
  const key = occurrenceKey(l, start);
  ctx.db
    .prepare(`INSERT INTO lesson_exceptions (lesson_id, original_start, cancelled) VALUES (?, ?, 1)
              ON CONFLICT (lesson_id, original_start) DO UPDATE SET cancelled = 1`)
    .run(id, key);
  return lessonDto(ctx, teacher, l);
}

function effective(l: LessonRow, original: DateTime, ex: ExceptionRow | undefined): Effective {
  const moved = ex?.start_local ? parseLocal(ex.start_local, l.tzid) : null;
  return {
    lesson: l,
    key: keyOf(original),
    original,
    start: moved ?? original,
    durationMinutes: ex?.duration_minutes ?? l.duration_minutes,
    title: ex?.title ?? l.title,
    notes: ex?.notes ?? l.notes,
    cancelled: ex?.cancelled === 1,
    modified: !!ex && (ex.start_local !== null || ex.duration_minutes !== null || ex.title !== null || ex.notes !== null),
  };
}

/** Occurrences of one lesson overlapping [from, to), edits applied (a moved occurrence shows where it now is). */
function occurrencesOf(ctx: Ctx, l: LessonRow, from: Date, to: Date): Effective[] {
  const ex = exceptions(ctx, l.id);
  const out: Effective[] = [];
  const seen = new Set<string>();
  for (const original of expand(series(l), from, to)) {
    const e = effective(l, original, ex.get(keyOf(original)));
    seen.add(e.key);
    out.push(e);
  }
  for (const row of ex.values()) {
    if (seen.has(row.original_start) || !row.start_local) continue;
    const original = findOccurrence(series(l), row.original_start);
    if (original) out.push(effective(l, original, row));
  }
  return out.filter((e) => e.start.toMillis() < to.getTime() && e.start.toMillis() + e.durationMinutes * MINUTE_MS > from.getTime());
}

function party(user: UserRow, e: Effective, previous: DateTime | null): PartyTime {
  const end = e.start.plus({ minutes: e.durationMinutes });
  return {
    userId: user.id,
    name: user.name,
    role: user.role,
    timeZone: user.time_zone,
    localStart: e.start.setZone(user.time_zone).toISO({ suppressMilliseconds: true })!,
    localEnd: end.setZone(user.time_zone).toISO({ suppressMilliseconds: true })!,
    shiftMinutes: localShiftMinutes(user.time_zone, e.original, previous),
  };
}

function roomWindow(ctx: Ctx, e: Effective): { opens: Date; closes: Date } {
  const start = e.start.toMillis();
  return {
    opens: new Date(start - ctx.config.roomOpenMinutes * MINUTE_MS),
    closes: new Date(start + (e.durationMinutes + ctx.config.roomGraceMinutes) * MINUTE_MS),
  };
}

function occurrenceDto(ctx: Ctx, viewer: UserRow, e: Effective, teacher: UserRow, all: UserRow[]): Occurrence {
  const prev = previousOriginal(series(e.lesson), e.original);
  const studentsShown = viewer.role === 'teacher' ? all : all.filter((s) => s.id === viewer.id);
  const teacherTime = party(teacher, e, prev);
  const studentTimes = studentsShown.map((s) => party(s, e, prev));
  // Only the people this viewer sees: a student in Dubai is not warned about DST in a classmate's Berlin.
  const dstWarning = [teacherTime, ...studentTimes].some((p) => p.shiftMinutes !== 0);
  const id = occurrenceId(e.lesson.id, e.key);
  const w = roomWindow(ctx, e);
  return {
    id,
    lessonId: e.lesson.id,
    occurrenceStart: keyToIso(e.key),
    title: e.title,
    notes: e.notes,
    start: e.start.toUTC().toISO()!,
    end: e.start.plus({ minutes: e.durationMinutes }).toUTC().toISO()!,
    durationMinutes: e.durationMinutes,
    recurring: e.lesson.rrule !== null,
    cancelled: e.cancelled,
    modified: e.modified,
    teacher: teacherTime,
    students: studentTimes,
    ensembleSize: all.length,
    dstWarning,
    joinPath: `/lesson/${id}`,
    roomOpensAt: w.opens.toISOString(),
    roomClosesAt: w.closes.toISOString(),
  };
}

function lessonsFor(ctx: Ctx, user: UserRow): LessonRow[] {
  if (user.role === 'teacher') return ctx.db.prepare('SELECT * FROM lessons WHERE teacher_id = ?').all(user.id) as LessonRow[];
  return ctx.db.prepare('SELECT l.* FROM lessons l JOIN lesson_students ls ON ls.lesson_id = l.id WHERE ls.student_id = ?').all(user.id) as LessonRow[];
}

export function listOccurrences(ctx: Ctx, user: UserRow, from: Date, to: Date): Occurrence[] {
  const out: Occurrence[] = [];
  for (const l of lessonsFor(ctx, user)) {
    const teacher = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(l.teacher_id) as UserRow;
    const all = students(ctx, l.id);
    for (const e of occurrencesOf(ctx, l, from, to)) out.push(occurrenceDto(ctx, user, e, teacher, all));
  }
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}

export function lessonDto(ctx: Ctx, viewer: UserRow, l: LessonRow): Lesson {
  const teacher = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(l.teacher_id) as UserRow;
  const all = students(ctx, l.id);
  const shown = viewer.role === 'teacher' ? all : all.filter((s) => s.id === viewer.id);
  return {
    id: l.id,
    title: l.title,
    notes: l.notes,
    start: l.start_local,
    timeZone: l.tzid,
    durationMinutes: l.duration_minutes,
    recurrence: rruleToRecurrence(l.rrule),
    rrule: l.rrule,
    teacher: { id: teacher.id, name: teacher.name, timeZone: teacher.time_zone },
    students: shown.map((s) => ({ id: s.id, name: s.name, timeZone: s.time_zone })),
    exceptions: [...exceptions(ctx, l.id).values()].map((x) => ({
      occurrenceStart: keyToIso(x.original_start),
      cancelled: x.cancelled === 1,
      start: x.start_local,
      durationMinutes: x.duration_minutes,
      title: x.title,
      notes: x.notes,
    })),
    icsPath: `/api/lessons/${l.id}/ics`,
    autoRecord: l.auto_record === 1,
  };
}

/** The room of one occurrence: a name nobody can guess (HMAC of lesson and original start), joinable only in its window. */
export function authorizeLessonJoin(ctx: Ctx, user: UserRow, id: string, start: string): JoinGrant {
  const l = visibleLesson(ctx, user, id);
  const key = occurrenceKey(l, start);
  const e = effective(l, findOccurrence(series(l), key)!, exceptions(ctx, id).get(key));
  if (e.cancelled) throw new HttpError(409, 'lesson_cancelled', 'This lesson was cancelled. Check your dashboard for the next one.');
  const w = roomWindow(ctx, e);
  const now = ctx.now();
  if (now < w.opens) {
    throw new HttpError(409, 'room_not_open', `The lesson room opens at ${w.opens.toISOString()} (${ctx.config.roomOpenMinutes} minutes before the lesson). Come back then.`, { opensAt: w.opens.toISOString() });
  }
  if (now > w.closes) throw new HttpError(409, 'room_closed', `The lesson room closed at ${w.closes.toISOString()}. The recording will be in your library.`, { closedAt: w.closes.toISOString() });
  const room = `lesson-${hmac(ctx.secret, 'room', l.id, key).slice(0, 32)}`;
  return { room, identity: user.id, name: user.name, role: user.role, roomAdmin: user.role === 'teacher' };
}

function icsEvents(ctx: Ctx, l: LessonRow, base: string): IcsEvent[] {
  const start = parseLocal(l.start_local, l.tzid);
  if (!start) return [];
  const ex = [...exceptions(ctx, l.id).values()];
  const uid = `${l.id}@muse-studio`;
  const description = `${l.notes ? `${l.notes}\n\n` : ''}Join from your Muse Studio dashboard: ${base}/`;
  if (!l.rrule) {
    const e = effective(l, start, ex[0]);
    return [{ uid, title: e.title, description, url: `${base}/lesson/${occurrenceId(l.id, e.key)}`, start: e.start, durationMinutes: e.durationMinutes, cancelled: e.cancelled }];
  }
  const until = untilUtc(l.rrule, l.tzid);
  const rrule = l.rrule.replace(/UNTIL=[0-9T]+/, `UNTIL=${until}`);
  const toOriginal = (key: string) => findOccurrence(series(l), key);
  const events: IcsEvent[] = [
    {
      uid,
      title: l.title,
      description,
      url: `${base}/`,
      start,
      durationMinutes: l.duration_minutes,
      rrule,
      exdates: ex.filter((x) => x.cancelled).map((x) => toOriginal(x.original_start)).filter((d): d is DateTime => d !== null),
    },
  ];
  for (const x of ex) {
    const original = toOriginal(x.original_start);
    if (x.cancelled || !original) continue;
    const e = effective(l, original, x);
    if (!e.modified) continue;
    events.push({ uid, title: e.title, description: `${e.notes ? `${e.notes}\n\n` : ''}Join: ${base}/lesson/${occurrenceId(l.id, e.key)}`, start: e.start, durationMinutes: e.durationMinutes, recurrenceId: original });
  }
  return events;
}

export function lessonIcs(ctx: Ctx, user: UserRow, id: string, base: string): string {
  const l = visibleLesson(ctx, user, id);
  return calendar(l.title, icsEvents(ctx, l, base), ctx.now());
}

export function feedIcs(ctx: Ctx, user: UserRow, base: string): string {
  return calendar(`Muse Studio — ${user.name}`, lessonsFor(ctx, user).flatMap((l) => icsEvents(ctx, l, base)), ctx.now());
}
