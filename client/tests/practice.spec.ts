// The practice page: metronome overlay on the camera preview (checked in a screenshot), the
// tuner on the fake microphone's tone, and a practice log that records itself for the student
// and shows on the teacher's students page.
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';
import { countColour, decodePng } from './harness/png';

let app: Awaited<ReturnType<typeof startTestApp>>;
let student: Participant;

beforeAll(async () => {
  app = await startTestApp();
  // An iPad in landscape on a music stand.
  student = await launchParticipant(440, { viewport: { width: 1180, height: 820 } });
});

afterAll(async () => {
  await student?.close();
  await app?.stop();
});

/** JSON calls from the page, so the browser keeps the session cookie. */
const call = (method: string, url: string, body?: unknown) =>
  student.page.evaluate(
    async ({ method, url, body }) => {
      const res = await fetch(url, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    { method, url, body },
  );

const ACCENT: [number, number, number] = [0xe3, 0xa9, 0x4e];

test('practice with the metronome and tuner: the overlay shows the beat, the session is logged with its duration and tempos, and the teacher sees it', async () => {
  const page = student.page;
  await page.goto(app.url);
  const email = `mina-${Date.now()}@example.com`;
  expect((await call('POST', '/api/auth/signup', { email, password: 'correct horse battery', name: 'Mina Park', timeZone: 'Asia/Seoul', language: 'en' })).status).toBe(201);
  const added = await call('POST', '/api/students', { name: 'Layla', timeZone: 'Asia/Dubai', language: 'en' });
  const token = (added.body.invite.url as string).split('/invite/')[1];
  await call('POST', '/api/auth/logout', {});
  expect((await call('POST', `/api/invites/${token}/accept`, { password: 'student password 1' })).status).toBe(200);

  await page.goto(`${app.url}/practice`);
  await page.getByTestId('practice-toggle').waitFor();
  // The tuner reads the fake microphone's A4.
  await page.locator('[data-testid=practice-metronome]').waitFor();
  await page.waitForFunction(() => document.body.textContent?.includes('440'), null, { timeout: 20000 });

  // 80 → 100 BPM by tapping, then start; after two bars, up to 104.
  // Taps timed in the page (the test driver's own timing wobbles on a busy machine).
  await page.evaluate(async () => {
    const tap = document.querySelector('[data-testid=tap]')!;
    for (let i = 0; i < 5; i++) {
      tap.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
      await new Promise((r) => setTimeout(r, 600));
    }
  });
  const tapped = Number(await page.getByTestId('practice-bpm').textContent());
  expect(Math.abs(tapped - 100)).toBeLessThanOrEqual(4);
  await page.getByTestId('practice-toggle').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=practice-overlay]')?.getAttribute('data-beat')) >= 1, null, { timeout: 5000 });

  // The overlay in a screenshot: the pendulum's bob and the lit beat dots in the accent colour
  // over the camera picture, and the beat number in large type.
  const stage = page.locator('.stage');
  await page.waitForFunction(() => document.querySelector('[data-testid=practice-overlay]')?.getAttribute('data-beat') === '0', null, { timeout: 5000 });
  const shot = await stage.screenshot();
  writeFileSync(path.join(os.tmpdir(), 'muse-practice-overlay.png'), shot);
  const img = decodePng(shot);
  const accentPixels = countColour(img, ACCENT, 16);
  const beatSize = await page.locator('.overlay .beat').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  process.stdout.write(`practice overlay: ${img.width}×${img.height} px, ${accentPixels} accent-colour pixels, beat number ${beatSize} px\n`);
  expect(accentPixels).toBeGreaterThan(1500); // bob (~1,000 px) + lit downbeat dot + downbeat frame
  expect(beatSize).toBeGreaterThanOrEqual(96);

  // Four quick taps on +: one change, heard from the next bar line.
  await page.evaluate(() => {
    const faster = document.querySelector<HTMLButtonElement>('[data-testid=practice-metronome] button[aria-label="Faster"]')!;
    for (let i = 0; i < 4; i++) faster.click();
  });
  await page.waitForTimeout(5000);
  await page.getByTestId('practice-finish').click();
  const row = page.locator('[data-testid=practice-row]').first();
  await row.waitFor({ timeout: 5000 });
  const seconds = Number(await row.getAttribute('data-seconds'));
  const tempos = (await row.getAttribute('data-tempos'))!.split(',').map(Number);
  process.stdout.write(`practice log: ${seconds} s at ${tempos.join(', ')} BPM\n`);
  expect(seconds).toBeGreaterThanOrEqual(8);
  expect(seconds).toBeLessThan(60);
  expect(tempos).toEqual([tapped, tapped + 4]);
  await page.screenshot({ path: path.join(os.tmpdir(), 'muse-practice-page.png'), fullPage: true });

  // What the server keeps, including the tuner: the A string, nearly in tune.
  const mine = await call('GET', '/api/practice/sessions');
  expect(mine.body).toHaveLength(1);
  expect(mine.body[0].tuner.A.avgAbsCents).toBeLessThan(3);
  expect(mine.body[0].tuner.A.seconds).toBeGreaterThan(5);

  // The teacher sees it on the students page.
  await call('POST', '/api/auth/logout', {});
  expect((await call('POST', '/api/auth/login', { login: email, password: 'correct horse battery' })).status).toBe(200);
  await page.goto(`${app.url}/students`);
  await page.getByTestId('practice-open').click();
  const seen = page.locator('[data-testid=practice-row]').first();
  await seen.waitFor({ timeout: 5000 });
  expect(await seen.getAttribute('data-seconds')).toBe(String(seconds));
});
