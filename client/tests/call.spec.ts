// The walking skeleton, end to end: teacher and student in two real browsers join one room
// through the real livekit-server and each proves, from the audio it receives, that it hears
// the other (the dominant frequency of the other side's fake microphone).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchParticipant, type Participant, waitForRemoteTone } from './harness/browser';
import { startTestApp } from './harness/app';

const TEACHER_HZ = 440;
const STUDENT_HZ = 660;
const SHOTS = path.join(process.cwd(), 'test-results');

let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  [teacher, student] = await Promise.all([launchParticipant(TEACHER_HZ), launchParticipant(STUDENT_HZ, { viewport: { width: 1180, height: 820 } })]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
});

async function openRoom(p: Participant, name: string, role: string, room: string): Promise<void> {
  await p.page.goto(`${app.url}/room/${room}?name=${encodeURIComponent(name)}&role=${role}`);
  await p.page.getByTestId('join').waitFor({ state: 'visible' });
  await p.page.waitForFunction(() => !(document.querySelector('[data-testid=join]') as HTMLButtonElement).disabled, null, { timeout: 20000 });
}

test('teacher and student hear each other through the SFU', async () => {
  const room = `skeleton-${Date.now()}`;
  await Promise.all([openRoom(teacher, 'Mina Park', 'teacher', room), openRoom(student, 'Layla', 'student', room)]);
  await teacher.page.screenshot({ path: path.join(SHOTS, 'prejoin-teacher.png') });

  await teacher.page.getByTestId('join').click();
  await teacher.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20000 });
  await student.page.getByTestId('join').click();

  const [heardByStudent, heardByTeacher] = await Promise.all([
    waitForRemoteTone(student.page, TEACHER_HZ),
    waitForRemoteTone(teacher.page, STUDENT_HZ),
  ]);
  expect(Math.abs(heardByStudent.hz - TEACHER_HZ)).toBeLessThanOrEqual(8);
  expect(Math.abs(heardByTeacher.hz - STUDENT_HZ)).toBeLessThanOrEqual(8);

  // Both tiles are there, with video and a level meter that moves for the remote side.
  await student.page.getByTestId('participant').nth(1).waitFor();
  expect(await student.page.getByTestId('participant').count()).toBe(2);
  await student.page.waitForFunction(() => {
    const m = document.querySelector('[data-testid=participant][data-local=false] [data-testid=level-meter]') as HTMLElement | null;
    return m !== null && Number(m.dataset.peakDb) > -30;
  }, null, { timeout: 10000 });
  await teacher.page.screenshot({ path: path.join(SHOTS, 'room-teacher.png') });
  await student.page.screenshot({ path: path.join(SHOTS, 'room-student.png') });
});

test('the tuner names each side\'s note from the wasm pitch detector in the audio worklet', async () => {
  await student.page.getByTestId('tuner-toggle').click();
  const tuners = student.page.getByTestId('tuner');
  await tuners.nth(1).waitFor();
  // The student's own 660 Hz is E5 + 1.9 cents; the teacher's 440 Hz, heard through the SFU, is A4.
  await student.page.waitForFunction(() => {
    const t = document.querySelectorAll('[data-testid=tuner]');
    return (t[0] as HTMLElement)?.dataset.midi === '76' && (t[1] as HTMLElement)?.dataset.midi === '69';
  }, null, { timeout: 10000 });
  await student.page.waitForTimeout(500); // let the needle settle
  const [mine, theirs] = await tuners.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.cents)));
  expect(mine).toBeGreaterThan(0.4);
  expect(mine).toBeLessThan(3.4);
  expect(Math.abs(theirs)).toBeLessThan(1.5);
  await student.page.screenshot({ path: path.join(SHOTS, 'room-student-tuner.png') });
  await student.page.getByTestId('tuner-toggle').click();
});

test('the latency probe measures one-way latency through the SFU with wasm clicks and onsets', async () => {
  await teacher.page.getByTestId('latency-measure').click();
  const readout = teacher.page.locator('[data-testid=latency][data-ms]:not([data-ms=""])');
  await readout.waitFor({ timeout: 30000 });
  const ms = Number(await readout.getAttribute('data-ms'));
  process.stdout.write(`latency probe (speech mode, loopback SFU): ${ms} ms one-way\n`);
  // Web Audio → WebRTC → SFU → WebRTC → Web Audio on loopback: tens of milliseconds, never zero.
  expect(ms).toBeGreaterThan(10);
  expect(ms).toBeLessThan(400);
  // The readout shows the same figure in whole milliseconds (data-ms keeps one decimal), once the
  // probe has torn down its tracks ("Measuring…" until then).
  await teacher.page.getByTestId('latency').filter({ hasText: /\d+ ms one-way/ }).waitFor({ timeout: 15000 });
  const shown = /(\d+) ms one-way/.exec((await teacher.page.getByTestId('latency').textContent()) ?? '');
  expect(shown).not.toBeNull();
  expect(Math.abs(Number(shown![1]) - ms)).toBeLessThanOrEqual(0.55);
  // The probe tracks are gone afterwards: each side again receives only the other's microphone.
  await student.page.waitForFunction(() => {
    type Peer = { isLocal: boolean };
    const s = (window as unknown as { muse: { session: { room: { remoteParticipants: Map<string, { trackPublications: Map<string, { trackName: string }> }> } } } }).muse.session;
    return [...s.room.remoteParticipants.values()].every((p) => [...p.trackPublications.values()].every((t) => !t.trackName.startsWith('muse-probe')));
  }, null, { timeout: 10000 });
});

test('time from clicking join to hearing the other side (student rejoins several times)', async () => {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    await student.page.getByTestId('leave').click();
    await student.page.locator('[data-testid=connection][data-state=left]').waitFor();
    const clicked = Date.now();
    await student.page.getByRole('button', { name: 'Join again' }).click();
    await waitForRemoteTone(student.page, TEACHER_HZ);
    samples.push(Date.now() - clicked);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  process.stdout.write(`join-to-hear ms: ${samples.join(', ')} (median ${median})\n`);
  expect(median).toBeGreaterThan(0);
  expect(median).toBeLessThan(15000);
});
