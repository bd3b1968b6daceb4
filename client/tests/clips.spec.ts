// Editing and deleting a saved clip on the review page: the teacher renames it and edits its note, unshares and
// shares it again, and deletes it; the student's view (API and page) follows each step and the file leaves the disk.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';

let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Participant;

beforeAll(async () => {
  app = await startTestApp({ devRooms: false });
  browser = await launchParticipant(440, { viewport: { width: 1024, height: 768 } });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function call(method: string, url: string, body: unknown, cookie?: string, type = 'application/json'): Promise<{ status: number; body: any; cookie: string | null }> {
  const res = await fetch(`${app.url}/api${url}`, {
    method,
    headers: { 'content-type': type, ...(cookie ? { cookie } : {}) },
    body: Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  const set = res.headers.get('set-cookie');
  return { status: res.status, body: await res.json().catch(() => null), cookie: set ? set.split(';')[0] : null };
}

async function pageAs(cookie: string, viewport = { width: 1024, height: 768 }): Promise<Page> {
  const ctx = await browser.browser.newContext({ viewport });
  await ctx.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
  const [name, value] = cookie.split('=');
  await ctx.addCookies([{ name, value, url: app.url }]);
  return ctx.newPage();
}

test('the teacher renames a clip, edits its note, unshares, shares and deletes it on the review page; the student follows', async () => {
  const signup = await call('POST', '/auth/signup', { email: `clips-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Kim Minji', timeZone: 'UTC', language: 'en' });
  const teacher = signup.cookie!;
  const added = await call('POST', '/students', { name: 'Layla', timeZone: 'Asia/Dubai', language: 'en' }, teacher);
  const accepted = await call('POST', `/invites/${(added.body.invite.url as string).split('/invite/')[1]}/accept`, { password: 'my violin 2026' });
  const student = accepted.cookie!;
  const start = new Date(Date.now() + 86_400_000).toISOString().slice(0, 11) + '10:00';
  expect((await call('POST', '/lessons', { title: 'Clip lesson', start, durationMinutes: 30, studentIds: [accepted.body.id] }, teacher)).status).toBe(201);
  const occurrence = (await fetch(`${app.url}/api/lessons`, { headers: { cookie: teacher } }).then((r) => r.json())).occurrences[0].id as string;

  // A recording of the lesson (tus, one PATCH) and a clip of it, saved by the teacher.
  const rec = randomBytes(4000);
  rec.writeUInt32BE(0x1a45dfa3, 0);
  const meta = { occurrence, kind: 'audio', filetype: 'audio/webm', recordingId: 'rec-clips-spec' };
  const created = await fetch(`${app.url}/api/uploads`, { method: 'POST', headers: { cookie: student, 'Tus-Resumable': '1.0.0', 'Upload-Length': String(rec.length), 'Upload-Metadata': Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',') } });
  expect(created.status).toBe(201);
  const done = await fetch(new URL(created.headers.get('location')!, app.url), { method: 'PATCH', headers: { cookie: student, 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }, body: new Uint8Array(rec) });
  const recordingId = done.headers.get('muse-recording-id')!;
  const flac = randomBytes(3000);
  flac.write('fLaC', 0, 'latin1');
  const q = new URLSearchParams({ recording: recordingId, start: '1', end: '4', title: 'Bar 12', note: 'Shift.' });
  const clip = (await call('POST', `/occurrences/${occurrence}/clips?${q}`, flac, teacher, 'audio/flac')).body as { id: string; url: string };
  const clipFile = path.join(app.config.dataDir, 'clips', `${clip.id}.flac`);
  expect(existsSync(clipFile)).toBe(true);
  const studentList = async () => ((await call('GET', `/occurrences/${occurrence}/clips`, undefined, student)).body.clips as { id: string; title: string; note: string }[]);
  const studentFile = async () => (await fetch(`${app.url}${clip.url}`, { headers: { cookie: student } })).status;

  const tp = await pageAs(teacher);
  await tp.goto(`${app.url}/review/${occurrence}`);
  const item = tp.locator(`[data-testid=shared-clip][data-id=${clip.id}]`);
  await item.waitFor({ timeout: 15000 });

  // Rename and re-note.
  await item.getByTestId('clip-edit').click();
  await item.getByTestId('clip-edit-title').fill('Bar 12: the shift to third');
  await item.getByTestId('clip-edit-note').fill('Slide slowly; land on the new finger.');
  await item.getByTestId('clip-edit-save').click();
  await item.getByText('Bar 12: the shift to third').waitFor({ timeout: 10000 });
  expect((await studentList()).map((c) => [c.title, c.note])).toEqual([['Bar 12: the shift to third', 'Slide slowly; land on the new finger.']]);

  // Unshare: marked on the page; the student no longer lists or plays it.
  await item.getByTestId('clip-share-toggle').uncheck();
  await tp.locator(`[data-testid=shared-clip][data-id=${clip.id}][data-shared=false]`).waitFor({ timeout: 10000 });
  await item.getByTestId('clip-unshared').waitFor();
  expect(await studentList()).toEqual([]);
  expect(await studentFile()).toBe(404);
  await tp.screenshot({ path: path.join(os.tmpdir(), 'muse-review-clip-unshared-tablet.png'), fullPage: true });
  await item.getByTestId('clip-share-toggle').check();
  await tp.locator(`[data-testid=shared-clip][data-id=${clip.id}][data-shared=true]`).waitFor({ timeout: 10000 });
  expect((await studentList()).map((c) => c.id)).toEqual([clip.id]);
  expect(await studentFile()).toBe(200);

  // The student's review page shows it, without any editing controls.
  const sp = await pageAs(student, { width: 1440, height: 900 });
  await sp.goto(`${app.url}/review/${occurrence}`);
  await sp.locator(`[data-testid=shared-clip][data-id=${clip.id}]`).waitFor({ timeout: 15000 });
  expect(await sp.getByTestId('clip-edit').count()).toBe(0);
  expect(await sp.getByTestId('clip-delete').count()).toBe(0);

  // Delete, after a confirmation naming the clip.
  let asked = '';
  tp.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await item.getByTestId('clip-delete').click();
  await tp.getByTestId('clip-deleted').waitFor({ timeout: 10000 });
  expect(asked).toContain('Bar 12: the shift to third');
  expect(await tp.locator('[data-testid=shared-clip]').count()).toBe(0);
  expect(existsSync(clipFile)).toBe(false);
  expect(await studentList()).toEqual([]);
  expect(await studentFile()).toBe(404);
  expect((await fetch(`${app.url}${clip.url}`, { headers: { cookie: teacher } })).status).toBe(404);
  await sp.reload();
  await sp.getByRole('heading', { name: /Review/ }).waitFor();
  expect(await sp.locator('[data-testid=shared-clip]').count()).toBe(0);
  await tp.context().close();
  await sp.context().close();
});
