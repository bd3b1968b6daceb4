// Editing lessons: one occurrence or the whole series, cancelling, one-off lessons and their .ics.
import type { Lesson, OccurrenceList } from '../../shared/api';
import { acceptInvite, addStudent, makeEnv, signupTeacher, type Person, type TestEnv } from './helpers';

let t: TestEnv;
let teacher: Person;
let kid: Person;
let other: Person;

beforeAll(async () => {
  t = makeEnv();
  teacher = await signupTeacher(t, 'Asia/Seoul', 'Kim');
  kid = await acceptInvite(t, (await addStudent(t, teacher, 'Asia/Dubai', 'Layla')).token);
  other = await acceptInvite(t, (await addStudent(t, teacher, 'Europe/Berlin', 'Jonas')).token);
});
afterAll(() => t.close());

async function weekly(): Promise<Lesson> {
  const res = await teacher.agent.post('/api/lessons').send({ title: 'Weekly', start: '2026-03-02T19:00', durationMinutes: 60, studentIds: [kid.me.id], recurrence: { kind: 'weekly' } });
  expect(res.status).toBe(201);
  return res.body as Lesson;
}

async function starts(p: Person, lessonId: string, from = '2026-03-01T00:00:00Z', to = '2026-03-24T00:00:00Z'): Promise<string[]> {
  const res = await p.agent.get('/api/lessons').query({ from, to });
  return (res.body as OccurrenceList).occurrences.filter((o) => o.lessonId === lessonId).map((o) => `${o.start}${o.cancelled ? ' cancelled' : ''} ${o.durationMinutes}m ${o.title}`);
}

test('an occurrence edit touches only that week; a title-only series edit keeps it', async () => {
  const l = await weekly();
  const res = await teacher.agent.patch(`/api/lessons/${l.id}`).send({ scope: 'occurrence', occurrenceStart: '2026-03-09T10:00:00Z', durationMinutes: 90, title: 'Long one' });
  expect(res.status).toBe(200);
  expect((res.body as Lesson).exceptions).toEqual([{ occurrenceStart: '2026-03-09T10:00:00.000Z', cancelled: false, start: null, durationMinutes: 90, title: 'Long one', notes: null }]);
  await teacher.agent.patch(`/api/lessons/${l.id}`).send({ scope: 'series', title: 'Renamed' });
  expect(await starts(kid, l.id)).toEqual(['2026-03-02T10:00:00.000Z 60m Renamed', '2026-03-09T10:00:00.000Z 90m Long one', '2026-03-16T10:00:00.000Z 60m Renamed', '2026-03-23T10:00:00.000Z 60m Renamed']);
});

test('moving the series to 18:30 moves every week and drops edits and cancellations of the old times', async () => {
  const l = await weekly();
  await teacher.agent.post(`/api/lessons/${l.id}/occurrences/20260309T100000Z/cancel`).send({});
  const res = await teacher.agent.patch(`/api/lessons/${l.id}`).send({ scope: 'series', start: '2026-03-02T18:30', durationMinutes: 45 });
  expect(res.status).toBe(200);
  expect((res.body as Lesson).exceptions).toEqual([]);
  expect(await starts(teacher, l.id, '2026-03-01T00:00:00Z', '2026-03-17T00:00:00Z')).toEqual(['2026-03-02T09:30:00.000Z 45m Weekly', '2026-03-09T09:30:00.000Z 45m Weekly', '2026-03-16T09:30:00.000Z 45m Weekly']);
});

test('cancelling names the occurrence; one that does not exist is 404', async () => {
  const l = await weekly();
  expect((await teacher.agent.post(`/api/lessons/${l.id}/occurrences/2026-03-16T10:00:00Z/cancel`).send({})).status).toBe(200);
  expect((await teacher.agent.post(`/api/lessons/${l.id}/occurrences/2026-03-16T11:00:00Z/cancel`).send({})).status).toBe(404);
  expect((await teacher.agent.post(`/api/lessons/${l.id}/occurrences/monday/cancel`).send({})).status).toBe(400);
  expect(await starts(kid, l.id)).toContain('2026-03-16T10:00:00.000Z cancelled 60m Weekly');
});

test('changing the students takes the lesson away from the one removed', async () => {
  const l = await weekly();
  expect((await kid.agent.get(`/api/lessons/${l.id}`)).status).toBe(200);
  const res = await teacher.agent.patch(`/api/lessons/${l.id}`).send({ scope: 'series', studentIds: [other.me.id] });
  expect((res.body as Lesson).students.map((s) => s.name)).toEqual(['Jonas']);
  expect((await kid.agent.get(`/api/lessons/${l.id}`)).status).toBe(404);
  expect((await other.agent.get(`/api/lessons/${l.id}`)).status).toBe(200);
});

test('a one-off lesson: one occurrence, an .ics without RRULE, CANCELLED once cancelled', async () => {
  const res = await teacher.agent.post('/api/lessons').send({ title: 'Trial', start: '2026-03-05T20:00', durationMinutes: 30, studentIds: [kid.me.id] });
  const l = res.body as Lesson;
  expect(l).toMatchObject({ recurrence: { kind: 'once' }, rrule: null });
  expect(await starts(kid, l.id, '2026-03-01T00:00:00Z', '2026-04-30T00:00:00Z')).toEqual(['2026-03-05T11:00:00.000Z 30m Trial']);
  let ics = (await kid.agent.get(`/api/lessons/${l.id}/ics`)).text;
  expect(ics).toContain('DTSTART;TZID=Asia/Seoul:20260305T200000\r\n');
  expect(ics).not.toContain('RRULE');
  expect(ics).toContain(`URL:http://127.0.0.1:`);
  expect(ics).toContain(`/lesson/${l.id}.20260305T110000Z`);
  await teacher.agent.post(`/api/lessons/${l.id}/occurrences/2026-03-05T11:00:00Z/cancel`).send({});
  ics = (await kid.agent.get(`/api/lessons/${l.id}/ics`)).text;
  expect(ics).toContain('STATUS:CANCELLED');
});

test('the occurrence id in the join path splits back into lesson and start', async () => {
  const { parseOccurrenceId } = await import('../../shared/api');
  const l = await weekly();
  const occ = ((await kid.agent.get('/api/lessons').query({ from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' })).body as OccurrenceList).occurrences.find((o) => o.lessonId === l.id)!;
  expect(occ.joinPath).toBe(`/lesson/${occ.id}`);
  expect(parseOccurrenceId(occ.id)).toEqual({ lessonId: l.id, occurrenceStart: '20260302T100000Z' });
});
