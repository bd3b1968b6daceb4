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

test('a practice recording: recorded on the practice page, uploaded, in the student’s library playing for its length, linked to the log, and the teacher hears it', async () => {
  // A fresh teacher (from here, by API) and student (in the browser).
  const email = `rec-teacher-${Date.now()}@example.com`;
  const signup = await fetch(`${app.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery', name: 'Kim Minji', timeZone: 'Asia/Seoul', language: 'en' }) });
  expect(signup.status).toBe(201);
  const teacherCookie = signup.headers.get('set-cookie')!.split(';')[0];
  const added = await (await fetch(`${app.url}/api/students`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: teacherCookie }, body: JSON.stringify({ name: 'Noor', timeZone: 'Asia/Dubai', language: 'en' }) })).json();
  const token = (added.invite.url as string).split('/invite/')[1];
  const page = student.page;
  await page.goto(app.url);
  await call('POST', '/api/auth/logout', {});
  expect((await call('POST', `/api/invites/${token}/accept`, { password: 'student password 2' })).status).toBe(200);

  await page.goto(`${app.url}/practice`);
  await page.evaluate(() => localStorage.setItem('muse.recordCamera', '0'));
  const record = page.getByTestId('practice-record');
  await record.waitFor();
  await page.waitForFunction(() => document.body.textContent?.includes('440'), null, { timeout: 20000 });
  await record.click();
  await page.locator('[data-testid=practice-recording][data-active=true]').waitFor({ timeout: 10000 });
  const startedAt = Date.now();
  await page.waitForTimeout(4500);
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'muse-practice-recording-tablet.png'), fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'muse-practice-recording-laptop.png'), fullPage: true });
  await page.setViewportSize({ width: 1180, height: 820 });
  await record.click();
  const recordedMs = Date.now() - startedAt;
  await page.locator('[data-testid=practice-recording][data-active=false]').waitFor({ timeout: 10000 });
  const id = await page.evaluate(() => (window as unknown as { muse: { practice: { recording: { lastIds: string[] } } } }).muse.practice.recording.lastIds[0]);
  await page.locator(`[data-testid=upload][data-id=${id}][data-phase=done]`).waitFor({ timeout: 30000 });
  // The session the recording was part of goes into the log.
  await page.getByTestId('practice-finish').click();
  await page.locator('[data-testid=practice-row]').first().waitFor({ timeout: 5000 });
  const logged = (await call('GET', '/api/practice/sessions')).body as { id: string; key: string }[];
  expect(logged).toHaveLength(1);

  /** In the library: the practice item, its waveform's decoded length, and how far Play gets in 800 ms. */
  const playInLibrary = async (p: typeof page) => {
    await p.goto(`${app.url}/library`);
    const item = p.locator(`[data-testid=library-practice-recording][data-client-id=${id}]`);
    await item.waitFor({ timeout: 15000 });
    await item.locator('[data-testid=waveform][data-ready=true]').waitFor({ timeout: 15000 });
    const duration = Number(await item.getByTestId('waveform').getAttribute('data-duration'));
    await item.getByRole('button', { name: /^Play/ }).click();
    await p.waitForTimeout(800);
    const playing = await item.getByRole('button', { name: /^Pause/ }).count();
    return { duration, playing, session: await item.getAttribute('data-session') };
  };
  const mine = await playInLibrary(page);
  console.log(`[practice] recorded ${(recordedMs / 1000).toFixed(1)} s; library waveform ${mine.duration.toFixed(2)} s, session ${mine.session}`);
  expect(mine.duration).toBeGreaterThanOrEqual(recordedMs / 1000 - 1);
  expect(mine.duration).toBeLessThanOrEqual(recordedMs / 1000 + 1.5);
  expect(mine.playing).toBe(1);
  expect(mine.session).toBe(logged[0].id);
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'muse-library-practice-tablet.png'), fullPage: true });

  // The teacher, in another browser context, finds it under the student's name and it plays.
  const ctx = await student.browser.newContext({ viewport: { width: 1440, height: 900 } });
  await ctx.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
  const [name, value] = teacherCookie.split('=');
  await ctx.addCookies([{ name, value, url: app.url }]);
  const tp = await ctx.newPage();
  const theirs = await playInLibrary(tp);
  expect(await tp.locator('[data-testid=library-student]', { hasText: 'Noor' }).count()).toBe(1);
  expect(Math.abs(theirs.duration - mine.duration)).toBeLessThan(0.05);
  expect(theirs.playing).toBe(1);
  await tp.screenshot({ path: path.join(os.tmpdir(), 'muse-library-teacher.png'), fullPage: true });
  await ctx.close();
});
