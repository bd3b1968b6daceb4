// Lesson times across DST: the teacher's wall-clock time holds, everyone else's follows their own zone.
import { DateTime } from 'luxon';
import type { Lesson, Occurrence, OccurrenceList } from '../../shared/api';
import { fold, transitions } from '../src/services/ics';
import { expand, keyOf, localShiftMinutes, normalizeKey } from '../src/services/schedule';
import { addStudent, acceptInvite, makeEnv, signupTeacher, type Person, type TestEnv } from './helpers';

const unfold = (ics: string) => ics.replace(/\r\n /g, '');
const hhmm = (iso: string) => iso.slice(11, 16);

describe('schedule arithmetic', () => {
  const berlinWeekly = { startLocal: '2026-03-19T10:00', tzid: 'Europe/Berlin', durationMinutes: 45, rrule: 'FREQ=WEEKLY;INTERVAL=1' };

  test('weekly expansion keeps 10:00 Berlin across the March change; UTC moves from 09:00 to 08:00', () => {
    const occ = expand(berlinWeekly, new Date('2026-03-15T00:00:00Z'), new Date('2026-04-10T00:00:00Z'));
    expect(occ.map((d) => d.toFormat('yyyy-MM-dd HH:mm'))).toEqual(['2026-03-19 10:00', '2026-03-26 10:00', '2026-04-02 10:00', '2026-04-09 10:00']);
    expect(occ.map((d) => d.toUTC().toFormat('HH:mm'))).toEqual(['09:00', '09:00', '08:00', '08:00']);
  });

  test('and back in October: 10:00 Berlin is 08:00Z before 25 October and 09:00Z after', () => {
    const occ = expand(berlinWeekly, new Date('2026-10-20T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));
    expect(occ.map((d) => keyOf(d))).toEqual(['20261022T080000Z', '20261029T090000Z']);
  });

  test('interval 2 skips a week; UNTIL is inclusive of that local day', () => {
    const occ = expand({ ...berlinWeekly, rrule: 'FREQ=WEEKLY;INTERVAL=2;UNTIL=20260416T235959' }, new Date('2026-03-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z'));
    expect(occ.map((d) => d.toISODate())).toEqual(['2026-03-19', '2026-04-02', '2026-04-16']);
  });

  test('a student in Seoul sees the Berlin lesson an hour earlier after Berlin springs forward', () => {
    const [before, after] = expand(berlinWeekly, new Date('2026-03-26T00:00:00Z'), new Date('2026-04-03T00:00:00Z'));
    expect(localShiftMinutes('Asia/Seoul', after, before)).toBe(-60);
    expect(localShiftMinutes('Europe/Berlin', after, before)).toBe(0);
  });

  test('occurrence keys accept extended and basic ISO forms, and refuse local times', () => {
    expect(normalizeKey('2026-03-26T09:00:00.000Z')).toBe('20260326T090000Z');
    expect(normalizeKey('20260326T090000Z')).toBe('20260326T090000Z');
    expect(normalizeKey('2026-03-26T10:00:00+01:00')).toBe('20260326T090000Z');
    expect(normalizeKey('2026-03-26T10:00')).toBeNull();
  });

  test('Berlin changes offset at 01:00Z on the last Sundays of March and October; Seoul never', () => {
    const t = transitions('Europe/Berlin', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
    expect(t.map((x) => [new Date(x.at).toISOString(), x.from, x.to])).toEqual([
      ['2026-03-29T01:00:00.000Z', 60, 120],
      ['2026-10-25T01:00:00.000Z', 120, 60],
    ]);
    expect(transitions('Asia/Seoul', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))).toEqual([]);
  });

  test('folding never splits a Korean character and keeps lines within 75 octets', () => {
    const line = `SUMMARY:${'바이올린 레슨 '.repeat(20)}`;
    const parts = fold(line).split('\r\n');
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(75);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
  });
});

describe('lessons across DST through the API', () => {
  let t: TestEnv;
  let berlin: Person;
  let seoulStudent: Person;
  let lesson: Lesson;

  beforeAll(async () => {
    t = makeEnv();
    berlin = await signupTeacher(t, 'Europe/Berlin', 'Anna');
    const s = await addStudent(t, berlin, 'Asia/Seoul', 'Minji');
    seoulStudent = await acceptInvite(t, s.token);
    const res = await berlin.agent
      .post('/api/lessons')
      .send({ title: 'Bach partita', start: '2026-03-19T10:00', durationMinutes: 45, studentIds: [s.student.id], recurrence: { kind: 'weekly', until: '2026-12-31' } });
    expect(res.status).toBe(201);
    lesson = res.body as Lesson;
  });
  afterAll(() => t.close());

  async function list(p: Person, from: string, to: string): Promise<Occurrence[]> {
    const res = await p.agent.get('/api/lessons').query({ from, to });
    expect(res.status).toBe(200);
    return (res.body as OccurrenceList).occurrences;
  }

  test('the lesson is stored as wall-clock time plus TZID and RRULE', () => {
    expect(lesson).toMatchObject({ start: '2026-03-19T10:00', timeZone: 'Europe/Berlin', rrule: 'FREQ=WEEKLY;INTERVAL=1;UNTIL=20261231T235959', recurrence: { kind: 'weekly', interval: 1, until: '2026-12-31' } });
  });

  test('the teacher keeps 10:00 Berlin; the Seoul student goes from 18:00 to 17:00 and is warned once', async () => {
    const occ = await list(berlin, '2026-03-15T00:00:00Z', '2026-04-12T00:00:00Z');
    expect(occ.map((o) => o.start)).toEqual(['2026-03-19T09:00:00.000Z', '2026-03-26T09:00:00.000Z', '2026-04-02T08:00:00.000Z', '2026-04-09T08:00:00.000Z']);
    expect(occ.map((o) => hhmm(o.teacher.localStart))).toEqual(['10:00', '10:00', '10:00', '10:00']);
    expect(occ.map((o) => o.teacher.localStart.slice(19))).toEqual(['+01:00', '+01:00', '+02:00', '+02:00']);
    expect(occ.map((o) => hhmm(o.students[0].localStart))).toEqual(['18:00', '18:00', '17:00', '17:00']);
    expect(occ.map((o) => o.students[0].shiftMinutes)).toEqual([0, 0, -60, 0]);
    expect(occ.map((o) => o.dstWarning)).toEqual([false, false, true, false]);
    expect(occ[2].students[0].localEnd).toBe('2026-04-02T17:45:00+09:00');
  });

  test('the student sees the same instants in their own zone, and the October change moves them back to 18:00', async () => {
    const occ = await list(seoulStudent, '2026-10-19T00:00:00Z', '2026-11-02T00:00:00Z');
    expect(occ.map((o) => o.students[0].localStart)).toEqual(['2026-10-22T17:00:00+09:00', '2026-10-29T18:00:00+09:00']);
    expect(occ.map((o) => o.teacher.localStart)).toEqual(['2026-10-22T10:00:00+02:00', '2026-10-29T10:00:00+01:00']);
    expect(occ[1]).toMatchObject({ dstWarning: true, roomOpensAt: '2026-10-29T08:50:00.000Z', roomClosesAt: '2026-10-29T10:00:00.000Z' });
  });

  test('the .ics carries TZID wall-clock times, a Berlin VTIMEZONE, the RRULE with UTC UNTIL, EXDATE and an edited occurrence', async () => {
    expect((await berlin.agent.post(`/api/lessons/${lesson.id}/occurrences/2026-03-26T09:00:00Z/cancel`).send({})).status).toBe(200);
    const moved = await berlin.agent.patch(`/api/lessons/${lesson.id}`).send({ scope: 'occurrence', occurrenceStart: '2026-04-09T08:00:00Z', start: '2026-04-09T11:30' });
    expect(moved.status).toBe(200);
    const res = await seoulStudent.agent.get(`/api/lessons/${lesson.id}/ics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    const ics = unfold(res.text);
    expect(ics).toContain('DTSTART;TZID=Europe/Berlin:20260319T100000\r\n');
    expect(ics).toContain('DTEND;TZID=Europe/Berlin:20260319T104500\r\n');
    // 23:59:59 on 31 December in Berlin (CET) is 22:59:59 UTC.
    expect(ics).toContain('RRULE:FREQ=WEEKLY;INTERVAL=1;UNTIL=20261231T225959Z\r\n');
    expect(ics).toContain('EXDATE;TZID=Europe/Berlin:20260326T100000\r\n');
    const edited = ics.slice(ics.indexOf('RECURRENCE-ID') - 200, ics.indexOf('RECURRENCE-ID') + 60);
    expect(edited).toContain('DTSTART;TZID=Europe/Berlin:20260409T113000\r\n');
    expect(edited).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260409T100000\r\n');
    const tz = ics.slice(ics.indexOf('BEGIN:VTIMEZONE'), ics.indexOf('END:VTIMEZONE'));
    expect(tz).toContain('TZID:Europe/Berlin');
    const daylight = tz.slice(tz.indexOf('BEGIN:DAYLIGHT'), tz.indexOf('END:DAYLIGHT'));
    expect(daylight).toContain('TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200');
    expect(daylight).toMatch(/20260329T020000/);
    const standard = tz.slice(tz.lastIndexOf('BEGIN:STANDARD'), tz.lastIndexOf('END:STANDARD'));
    expect(standard).toContain('TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100');
    expect(standard).toMatch(/20261025T030000/);
    for (const line of res.text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  });

  test('the moved occurrence shows at its new time and the cancelled one is flagged', async () => {
    const occ = await list(berlin, '2026-03-25T00:00:00Z', '2026-04-10T00:00:00Z');
    expect(occ.map((o) => [o.occurrenceStart, o.start, o.cancelled, o.modified])).toEqual([
      ['2026-03-26T09:00:00.000Z', '2026-03-26T09:00:00.000Z', true, false],
      ['2026-04-02T08:00:00.000Z', '2026-04-02T08:00:00.000Z', false, false],
      ['2026-04-09T08:00:00.000Z', '2026-04-09T09:30:00.000Z', false, true],
    ]);
  });
});

describe('Seoul teacher, Dubai and Berlin students', () => {
  let t: TestEnv;
  let seoul: Person;
  let dubai: Person;
  let berlinKid: Person;

  beforeAll(async () => {
    t = makeEnv();
    seoul = await signupTeacher(t, 'Asia/Seoul', 'Kim');
    const d = await addStudent(t, seoul, 'Asia/Dubai', 'Layla');
    const b = await addStudent(t, seoul, 'Europe/Berlin', 'Jonas');
    dubai = await acceptInvite(t, d.token);
    berlinKid = await acceptInvite(t, b.token);
    const res = await seoul.agent
      .post('/api/lessons')
      .send({ title: 'Quartet', start: '2026-03-16T19:00', durationMinutes: 60, studentIds: [d.student.id, b.student.id], recurrence: { kind: 'weekly', count: 30 } });
    expect(res.status).toBe(201);
  });
  afterAll(() => t.close());

  test('19:00 Seoul is always 14:00 in Dubai; Berlin goes from 11:00 to 12:00 after 29 March', async () => {
    const res = await seoul.agent.get('/api/lessons').query({ from: '2026-03-16T00:00:00Z', to: '2026-04-07T00:00:00Z' });
    const occ = (res.body as OccurrenceList).occurrences;
    expect(occ.map((o) => o.start)).toEqual(['2026-03-16T10:00:00.000Z', '2026-03-23T10:00:00.000Z', '2026-03-30T10:00:00.000Z', '2026-04-06T10:00:00.000Z']);
    expect(occ.map((o) => hhmm(o.teacher.localStart))).toEqual(['19:00', '19:00', '19:00', '19:00']);
    const byName = (o: Occurrence, n: string) => o.students.find((s) => s.name === n)!;
    expect(occ.map((o) => hhmm(byName(o, 'Layla').localStart))).toEqual(['14:00', '14:00', '14:00', '14:00']);
    expect(occ.map((o) => hhmm(byName(o, 'Jonas').localStart))).toEqual(['11:00', '11:00', '12:00', '12:00']);
    expect(occ.map((o) => o.dstWarning)).toEqual([false, false, true, false]);
  });

  test('the Dubai student sees only themself and no warning; the Berlin student is warned', async () => {
    const range = { from: '2026-03-29T00:00:00Z', to: '2026-03-31T00:00:00Z' };
    const d = (await dubai.agent.get('/api/lessons').query(range)).body as OccurrenceList;
    expect(d.occurrences).toHaveLength(1);
    expect(d.occurrences[0]).toMatchObject({ ensembleSize: 2, dstWarning: false });
    expect(d.occurrences[0].students.map((s) => s.name)).toEqual(['Layla']);
    const b = (await berlinKid.agent.get('/api/lessons').query(range)).body as OccurrenceList;
    expect(b.occurrences[0]).toMatchObject({ dstWarning: true });
    expect(b.occurrences[0].students[0]).toMatchObject({ name: 'Jonas', shiftMinutes: 60, localStart: '2026-03-30T12:00:00+02:00' });
  });

  test('the Seoul .ics has a fixed +0900 VTIMEZONE and COUNT', async () => {
    const res = await seoul.agent.get(`/api/calendar/${seoul.me.calendarFeedUrl.split('/api/calendar/')[1]}`);
    const ics = unfold(res.text);
    expect(ics).toContain('DTSTART;TZID=Asia/Seoul:20260316T190000');
    expect(ics).toContain('RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=30');
    const tz = ics.slice(ics.indexOf('BEGIN:VTIMEZONE'), ics.indexOf('END:VTIMEZONE'));
    expect(tz).toContain('TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900');
    expect(tz).not.toContain('DAYLIGHT');
    // The last of 30 weekly occurrences is 29 weeks after the first.
    const last = DateTime.fromISO('2026-03-16T19:00', { zone: 'Asia/Seoul' }).plus({ weeks: 29 });
    const listed = await seoul.agent.get('/api/lessons').query({ from: last.minus({ days: 1 }).toUTC().toISO()!, to: last.plus({ weeks: 2 }).toUTC().toISO()! });
    expect((listed.body as OccurrenceList).occurrences.map((o) => o.start)).toEqual([last.toUTC().toISO()]);
  });
});
