// The scheduling journey in two real browsers: the teacher signs up, adds a student, schedules a weekly lesson
// starting in a few minutes; the student accepts the invite; both see it in their own zone, the join buttons are lit,
// and both end up in the same LiveKit room through POST /api/lessons/:id/join.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant, waitForRemoteTone } from './harness/browser';

const SHOTS = path.join(process.cwd(), 'test-results');
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp({ devRooms: false });
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660, { viewport: { width: 1180, height: 820 } })]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
});

/** Wall-clock date and time in a zone, for the lesson form. */
function localParts(at: Date, timeZone: string): { date: string; time: string } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at).map((x) => [x.type, x.value]),
  );
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

test('sign up, add a student, schedule, accept the invite, and both join the lesson room', async () => {
  const tp = teacher.page;
  await tp.goto(`${app.url}/signup`);
  await tp.fill('input[name=name]', 'Kim Minji');
  await tp.fill('input[name=email]', `kim-${Date.now()}@example.com`);
  await tp.fill('input[name=password]', 'correct horse battery');
  await tp.fill('input[name=timeZone]', 'Asia/Seoul');
  await tp.getByRole('button', { name: 'Create account' }).click();
  await tp.getByTestId('next-lesson').waitFor();

  await tp.getByRole('link', { name: 'Students' }).click();
  await tp.fill('input[name=name]', 'Layla');
  await tp.fill('input[name=timeZone]', 'Asia/Dubai');
  await tp.getByRole('button', { name: 'Add and create invite link' }).click();
  const inviteUrl = await tp.locator('[data-testid=student] input[readonly]').inputValue();
  expect(inviteUrl).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);

  // Five-minute steps (the time input's step); 4–9 minutes ahead, so the room (open 10 minutes before) is open.
  const start = new Date(Math.ceil((Date.now() + 4 * 60_000) / 300_000) * 300_000);
  const seoul = localParts(start, 'Asia/Seoul');
  await tp.getByRole('link', { name: 'New lesson' }).click();
  await tp.fill('input[name=title]', 'Bach Partita no. 2');
  await tp.fill('input[name=date]', seoul.date);
  await tp.fill('input[name=time]', seoul.time);
  await tp.getByLabel(/Layla/).check();
  await tp.getByRole('button', { name: 'Schedule', exact: true }).click();
  const row = tp.getByTestId('occurrence').first();
  await row.waitFor();
  expect(await row.textContent()).toContain(seoul.time);
  expect(await row.textContent()).toContain(localParts(start, 'Asia/Dubai').time);
  await tp.locator('[data-testid=next-lesson] [data-testid=join-lesson][data-state=open]').waitFor();

  const sp = student.page;
  await sp.goto(inviteUrl);
  await sp.getByTestId('invite-form').waitFor();
  expect(await sp.getByTestId('invite-form').textContent()).toContain('Kim Minji');
  await sp.fill('input[name=password]', 'my violin 2026');
  await sp.fill('input[name=confirm]', 'my violin 2026');
  await sp.getByRole('button', { name: 'Start' }).click();
  await sp.locator('[data-testid=next-lesson] [data-testid=join-lesson][data-state=open]').waitFor();
  // The student sees the lesson in Dubai time first, with the teacher's Seoul time beside it.
  const mine = await sp.getByTestId('occurrence').first().textContent();
  expect(mine).toContain(localParts(start, 'Asia/Dubai').time);
  await sp.screenshot({ path: path.join(SHOTS, 'schedule-student-dashboard.png'), fullPage: true });

  for (const [p, who] of [[teacher, 'Kim Minji · Teacher'], [student, 'Layla · Student']] as const) {
    await p.page.locator('[data-testid=next-lesson] [data-testid=join-lesson]').click();
    await p.page.waitForFunction(() => !(document.querySelector('[data-testid=join]') as HTMLButtonElement | null)?.disabled, null, { timeout: 20000 });
    // Name and role come from the account: shown, not asked.
    expect(await p.page.getByTestId('who').textContent()).toBe(who);
    expect(await p.page.locator('input[name=name]').count()).toBe(0);
    await p.page.getByTestId('join').click();
    await p.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20000 });
  }
  await student.page.getByTestId('participant').nth(1).waitFor({ timeout: 20000 });
  const rooms = await Promise.all(
    [teacher, student].map((p) => p.page.evaluate(() => (window as unknown as { muse: { session: { room: { name: string } } } }).muse.session.room.name)),
  );
  expect(rooms[0]).toMatch(/^lesson-[A-Za-z0-9_-]{32}$/);
  expect(rooms[1]).toBe(rooms[0]);
  const heard = await waitForRemoteTone(student.page, 440);
  expect(Math.abs(heard.hz - 440)).toBeLessThan(8);
  // The role in the room comes from the server's token: only the teacher gets the music-mode switch.
  expect(await teacher.page.getByTestId('music-toggle').count()).toBe(1);
  expect(await student.page.getByTestId('music-toggle').count()).toBe(0);
  await teacher.page.screenshot({ path: path.join(SHOTS, 'schedule-teacher-room.png') });
});
