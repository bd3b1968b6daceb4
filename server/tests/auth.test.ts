// Sessions, cookies, log-in limits, CSRF and the student's invite journey.
import request from 'supertest';
import type { InviteInfo, Me } from '../../shared/api';
import { addStudent, makeEnv, signupTeacher, type TestEnv } from './helpers';

let t: TestEnv;
beforeAll(() => {
  t = makeEnv({ MUSE_LOGIN_MAX_ATTEMPTS: '3', MUSE_LOGIN_WINDOW_MINUTES: '15' });
});
afterAll(() => t.close());

function sessionCookie(res: request.Response): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const c = set.find((s) => s.startsWith('muse_session='));
  if (!c) throw new Error('no session cookie');
  return c;
}

test('sign-up sets an HttpOnly SameSite=Lax session cookie (not Secure over http) and /me answers', async () => {
  const agent = request.agent(t.app);
  const res = await agent.post('/api/auth/signup').send({ email: 'Kim@Example.com', password: 'correct horse battery', name: '김선생', timeZone: 'Asia/Seoul', language: 'ko' });
  expect(res.status).toBe(201);
  const cookie = sessionCookie(res);
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Lax/);
  expect(cookie).not.toMatch(/Secure/);
  const me = (await agent.get('/api/me')).body as Me;
  expect(me).toMatchObject({ role: 'teacher', name: '김선생', login: 'Kim@Example.com', timeZone: 'Asia/Seoul', language: 'ko' });
  expect(me.calendarFeedUrl).toMatch(/\/api\/calendar\/u[0-9a-f]{20}-[A-Za-z0-9_-]{32}\.ics$/);
  expect(JSON.stringify(me)).not.toMatch(/password|hash/i);
});

test('behind an https proxy the cookie is Secure', async () => {
  const res = await request(t.app)
    .post('/api/auth/signup')
    .set('X-Forwarded-Proto', 'https')
    .send({ email: 'secure@example.com', password: 'correct horse battery', name: 'S', timeZone: 'Asia/Seoul', language: 'en' });
  expect(res.status).toBe(201);
  expect(sessionCookie(res)).toMatch(/Secure/);
});

test('log-in is case-insensitive on the email; log-out ends the session for good', async () => {
  const agent = request.agent(t.app);
  const res = await agent.post('/api/auth/login').send({ login: 'kim@example.com', password: 'correct horse battery' });
  expect(res.status).toBe(200);
  const cookie = sessionCookie(res).split(';')[0];
  expect((await request(t.app).get('/api/me').set('Cookie', cookie)).status).toBe(200);
  expect((await agent.post('/api/auth/logout').send({})).status).toBe(204);
  // The old cookie value, replayed, no longer works: the session row is gone.
  expect((await request(t.app).get('/api/me').set('Cookie', cookie)).status).toBe(401);
  expect((await request(t.app).get('/api/me').set('Cookie', 'muse_session=forged')).status).toBe(401);
});

test('sessions end after MUSE_SESSION_DAYS', async () => {
  const agent = request.agent(t.app);
  await agent.post('/api/auth/login').send({ login: 'kim@example.com', password: 'correct horse battery' });
  const saved = t.clock.now;
  t.clock.now = new Date(saved.getTime() + 31 * 86_400_000);
  expect((await agent.get('/api/me')).status).toBe(401);
  t.clock.now = saved;
});

test('wrong password and unknown login give the same 401; the 4th try in the window gets 429 with Retry-After', async () => {
  const wrong = await request(t.app).post('/api/auth/login').send({ login: 'kim@example.com', password: 'nope nope nope' });
  const unknown = await request(t.app).post('/api/auth/login').send({ login: 'nobody@example.com', password: 'nope nope nope' });
  expect([wrong.status, unknown.status]).toEqual([401, 401]);
  expect(wrong.body).toEqual(unknown.body);
  await request(t.app).post('/api/auth/login').send({ login: 'kim@example.com', password: 'nope nope nope' });
  await request(t.app).post('/api/auth/login').send({ login: 'kim@example.com', password: 'nope nope nope' });
  const limited = await request(t.app).post('/api/auth/login').send({ login: 'KIM@example.com', password: 'correct horse battery' });
  expect(limited.status).toBe(429);
  expect(limited.body.error.code).toBe('too_many_attempts');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
  // Another login from the same IP is not affected, and the window passes.
  expect((await request(t.app).post('/api/auth/login').send({ login: 'secure@example.com', password: 'correct horse battery' })).status).toBe(200);
  const saved = t.clock.now;
  t.clock.now = new Date(saved.getTime() + 15 * 60_000 + 1000);
  expect((await request(t.app).post('/api/auth/login').send({ login: 'kim@example.com', password: 'correct horse battery' })).status).toBe(200);
  t.clock.now = saved;
});

test('CSRF: a form post is refused with 415; a foreign Origin with 403; the same origin passes', async () => {
  const agent = request.agent(t.app);
  await agent.post('/api/auth/login').send({ login: 'secure@example.com', password: 'correct horse battery' });
  const form = await agent.post('/api/students').type('form').send('name=Evil&timeZone=UTC&language=en');
  expect(form.status).toBe(415);
  expect(form.body.error.code).toBe('json_required');
  const plain = await agent.post('/api/auth/logout').set('Content-Type', 'text/plain').send('{}');
  expect(plain.status).toBe(415);
  const foreign = await agent.post('/api/students').set('Origin', 'https://evil.example').send({ name: 'Evil', timeZone: 'UTC', language: 'en' });
  expect(foreign.status).toBe(403);
  expect(foreign.body.error.code).toBe('bad_origin');
  const same = await agent.post('/api/students').set('Host', 'studio.test').set('Origin', 'http://studio.test').send({ name: 'Fine', timeZone: 'UTC', language: 'en' });
  expect(same.status).toBe(201);
  // The Vite dev server (:5173) proxies to us with Host rewritten to :3000; localhost and 127.0.0.1 are one machine.
  const vite = await agent.post('/api/students').set('Host', '127.0.0.1:3000').set('Origin', 'http://localhost:5173').send({ name: 'Dev', timeZone: 'UTC', language: 'en' });
  expect(vite.status).toBe(201);
  const lookalike = await agent.post('/api/students').set('Host', 'studio.test').set('Origin', 'http://studio.test.evil.example').send({ name: 'Evil', timeZone: 'UTC', language: 'en' });
  expect(lookalike.status).toBe(403);
});

test('ended sessions are swept from the database at the next log-in', async () => {
  const db = t.app.locals.db;
  const saved = t.clock.now;
  t.clock.now = new Date(saved.getTime() + 40 * 86_400_000);
  await request(t.app).post('/api/auth/login').send({ login: 'secure@example.com', password: 'correct horse battery' });
  const rows = db.prepare('SELECT expires_at FROM sessions').all() as { expires_at: string }[];
  expect(rows.every((r) => r.expires_at > t.clock.now.toISOString())).toBe(true);
  expect(rows).toHaveLength(1);
  t.clock.now = saved;
});

describe('a student without an email', () => {
  test('opens the invite, sets a password, and logs in with the login name shown there', async () => {
    const teacher = await signupTeacher(t, 'Asia/Seoul', 'Park');
    const s = await addStudent(t, teacher, 'Asia/Dubai', 'Layla Al-Mansouri');
    expect(s.student).toMatchObject({ status: 'invited', email: null });
    expect(s.student.login).toMatch(/^layla-al-mansouri-\d{4}$/);
    expect(s.invite.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9_-]{43}$/);
    const info = (await request(t.app).get(`/api/invites/${s.token}`)).body as InviteInfo;
    expect(info).toMatchObject({ studentName: 'Layla Al-Mansouri', teacherName: 'Park', login: s.student.login, timeZone: 'Asia/Dubai' });
    const short = await request(t.app).post(`/api/invites/${s.token}/accept`).send({ password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.fields).toHaveProperty('password');
    const accepted = await request(t.app).post(`/api/invites/${s.token}/accept`).send({ password: 'my violin 2026' });
    expect(accepted.status).toBe(200);
    expect(sessionCookie(accepted)).toMatch(/HttpOnly/);
    const login = await request(t.app).post('/api/auth/login').send({ login: s.student.login, password: 'my violin 2026' });
    expect(login.status).toBe(200);
    expect((login.body as Me).role).toBe('student');
    const list = (await teacher.agent.get('/api/students')).body as { id: string; status: string }[];
    expect(list.find((x) => x.id === s.student.id)?.status).toBe('active');
  });

  test('a student with an email logs in with it; the email cannot be reused for another account', async () => {
    const teacher = await signupTeacher(t, 'Asia/Seoul', 'Lee');
    const s = await addStudent(t, teacher, 'Asia/Dubai', 'Omar', 'omar@example.com');
    expect(s.student.login).toBe('omar@example.com');
    await request(t.app).post(`/api/invites/${s.token}/accept`).send({ password: 'my violin 2026' });
    expect((await request(t.app).post('/api/auth/login').send({ login: 'OMAR@example.com', password: 'my violin 2026' })).status).toBe(200);
    const dup = await teacher.agent.post('/api/students').send({ name: 'Other', email: 'omar@example.com', timeZone: 'UTC', language: 'en' });
    expect(dup.status).toBe(409);
    const signup = await request(t.app).post('/api/auth/signup').send({ email: 'omar@example.com', password: 'correct horse battery', name: 'X', timeZone: 'UTC', language: 'en' });
    expect(signup.status).toBe(409);
  });
});
