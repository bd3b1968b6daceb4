// A stopped SFU is reported to the person, not hidden: mid-call the room says it is
// reconnecting (and recovers when the SFU is back); joining while it is down says so.
import { startLiveKit, type RunningLiveKit } from '../../scripts/lib/livekit';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';
import { spareLiveKit } from './harness/ports';

// A livekit-server of this file's own, so stopping it does not disturb other tests.
const PORTS = spareLiveKit(1);

let livekit: RunningLiveKit;
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;

beforeAll(async () => {
  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  app = await startTestApp({ publicLiveKitUrl: livekit.url });
  teacher = await launchParticipant(440);
});

afterAll(async () => {
  await teacher?.close();
  await app?.stop();
  await livekit?.stop();
});

async function joinRoom(room: string): Promise<void> {
  await teacher.page.goto(`${app.url}/room/${room}?name=Mina&role=teacher`);
  await teacher.page.waitForFunction(() => !(document.querySelector('[data-testid=join]') as HTMLButtonElement | null)?.disabled, null, { timeout: 20000 });
  await teacher.page.getByTestId('join').click();
}

test('the room shows that the media server stopped, and recovers when it is back', async () => {
  await joinRoom(`down-${Date.now()}`);
  await teacher.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20000 });

  livekit.process.kill('SIGKILL');
  await livekit.stop();
  const banner = teacher.page.locator('[data-testid=connection][data-state=reconnecting]');
  await banner.waitFor({ timeout: 15000 });
  expect(await banner.textContent()).toContain('Reconnecting');

  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  await teacher.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 30000 });
});

test('joining while the media server is down gives a clear error', async () => {
  await livekit.stop();
  await joinRoom(`down2-${Date.now()}`);
  const error = teacher.page.getByTestId('error');
  await error.waitFor({ timeout: 30000 });
  expect(await error.textContent()).toContain(`The media server at ${livekit.url} is not reachable`);
  // The person is still on the pre-join screen with the join button, not on a dead room.
  expect(await teacher.page.getByTestId('join').isVisible()).toBe(true);
});
