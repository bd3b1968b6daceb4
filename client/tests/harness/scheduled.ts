// Scheduled lessons for browser tests: accounts, a lesson whose room is open now, and entering it
// (recording happens in scheduled lessons only, not in dev rooms).
import type { Page } from 'playwright-core';

export interface Account {
  cookie: string;
  id: string;
}

/** One JSON API call to the server at `base`, as a signed-in person (`cookie`) or anonymously. */
export async function apiCall(base: string, method: string, url: string, body: unknown, cookie?: string): Promise<{ status: number; body: any; cookie: string | null }> {
  const res = await fetch(`${base}/api${url}`, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
  const set = res.headers.get('set-cookie');
  return { status: res.status, body: await res.json().catch(() => null), cookie: set ? set.split(';')[0] : null };
}

/** A teacher (UTC), a student who accepted the invite, and a 30-minute lesson whose room is open now. */
export async function lessonNow(base: string): Promise<{ teacher: Account; student: Account; occurrence: string }> {
  const call = (method: string, url: string, body: unknown, cookie?: string) => apiCall(base, method, url, body, cookie);
  const signup = await call('POST', '/auth/signup', { email: `rec-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Kim Minji', timeZone: 'UTC', language: 'en' });
  expect(signup.status).toBe(201);
  const t: Account = { cookie: signup.cookie!, id: signup.body.id };
  const added = await call('POST', '/students', { name: 'Layla', timeZone: 'Asia/Dubai', language: 'en' }, t.cookie);
  const token = (added.body.invite.url as string).split('/invite/')[1];
  const accepted = await call('POST', `/invites/${token}/accept`, { password: 'my violin 2026' });
  expect(accepted.status).toBe(200);
  const s: Account = { cookie: accepted.cookie!, id: accepted.body.id };
  const start = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000).toISOString().slice(0, 16);
  const lesson = await call('POST', '/lessons', { title: 'Recorded lesson', start, durationMinutes: 30, studentIds: [s.id] }, t.cookie);
  expect(lesson.status).toBe(201);
  const list = await fetch(`${base}/api/lessons`, { headers: { cookie: t.cookie } }).then((r) => r.json());
  return { teacher: t, student: s, occurrence: list.occurrences[0].id as string };
}

/** Signs `page` in as `account`, opens the lesson's room and joins it. */
export async function enterLesson(page: Page, base: string, account: Account, occurrence: string): Promise<void> {
  const [name, value] = account.cookie.split('=');
  await page.context().addCookies([{ name, value, url: base }]);
  await page.goto(`${base}/lesson/${occurrence}`);
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-testid=join]') as HTMLButtonElement | null;
    return b !== null && !b.disabled;
  }, null, { timeout: 20000 });
  await page.getByTestId('join').click();
  await page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20000 });
}
