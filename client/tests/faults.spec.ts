// Faults during a lesson are reported to the person, never hidden, and the lesson recovers:
// the SFU restarting, the SFU down at join time, and our web server going away mid-call.
import { startLiveKit, type RunningLiveKit } from '../../scripts/lib/livekit';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant, waitForRemoteTone } from './harness/browser';
import { joinAndWaitConnected, openDevRoom } from './harness/lesson';
import { spareLiveKit } from './harness/ports';

// A livekit-server of this file's own, so stopping it does not disturb other tests.
const PORTS = spareLiveKit(1);

let livekit: RunningLiveKit;
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  app = await startTestApp({ publicLiveKitUrl: livekit.url });
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660)]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
  await livekit?.stop();
});

async function inLesson(room: string): Promise<void> {
  await openDevRoom(teacher.page, app.url, room, 'Mina', 'teacher');
  await openDevRoom(student.page, app.url, room, 'Layla', 'student');
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  await Promise.all([waitForRemoteTone(student.page, 440), waitForRemoteTone(teacher.page, 660)]);
}

test('livekit-server restarts mid-lesson: both see "reconnecting", then hear each other again within 10 s', async () => {
  await inLesson(`restart-${Date.now()}`);

  livekit.process.kill('SIGKILL');
  await livekit.stop();
  for (const p of [teacher, student]) {
    const banner = p.page.locator('[data-testid=connection][data-state=reconnecting]');
    await banner.waitFor({ timeout: 15000 });
    expect(await banner.textContent()).toContain('Reconnecting');
  }

  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  const back = Date.now();
  // Functional deadline from the issue: hearing each other again within 10 s of the server being back.
  await Promise.all([waitForRemoteTone(student.page, 440, 8, 10000), waitForRemoteTone(teacher.page, 660, 8, 10000)]);
  process.stdout.write(`SFU restart: both hear each other again ${Date.now() - back} ms after the server is back\n`);
  for (const p of [teacher, student]) await p.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 10000 });
});

test('our web server goes away mid-lesson: the call goes on, the room says what waits, and it recovers', async () => {
  await inLesson(`webdown-${Date.now()}`);
  const port = app.port;
  await app.stop();
  await teacher.page.getByTestId('server-down').waitFor({ timeout: 10000 });
  expect(await teacher.page.getByTestId('server-down').textContent()).toContain('Your call goes on');
  // Media does not go through our server: the tones still arrive.
  await Promise.all([waitForRemoteTone(student.page, 440, 8, 5000), waitForRemoteTone(teacher.page, 660, 8, 5000)]);

  app = await startTestApp({ publicLiveKitUrl: livekit.url, port });
  await teacher.page.getByTestId('server-down').waitFor({ state: 'detached', timeout: 10000 });
});

test('joining while the media server is down gives a clear error', async () => {
  await livekit.stop();
  await openDevRoom(teacher.page, app.url, `down-${Date.now()}`, 'Mina', 'teacher');
  await teacher.page.getByTestId('join').click();
  const error = teacher.page.getByTestId('error');
  await error.waitFor({ timeout: 30000 });
  expect(await error.textContent()).toContain(`The media server at ${livekit.url} is not reachable`);
  // The person is still on the pre-join screen with the join button, not on a dead room.
  expect(await teacher.page.getByTestId('join').isVisible()).toBe(true);
});
