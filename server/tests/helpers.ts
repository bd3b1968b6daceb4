// Shared set-up for API tests: the real server on a free port (startApi), or an app on a fresh temp data folder
// with a movable clock for supertest (makeEnv), and people in it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { CreateStudentResponse, Me } from '../../shared/api';
import { createApp, type MuseApp } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import { type RunningServer, startServer } from '../src/index';

export async function startApi(overrides: Partial<Config> = {}): Promise<RunningServer & { config: Config }> {
  const config: Config = { ...loadConfig({}), port: 0, dataDir: mkdtempSync(path.join(os.tmpdir(), 'muse-api-')), ...overrides };
  const running = await startServer(config);
  return { ...running, url: `http://127.0.0.1:${running.port}`, config };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export interface TestEnv {
  app: MuseApp;
  config: Config;
  dir: string;
  clock: { now: Date };
  /** Close the database and start a new app on the same folder (a server restart). */
  restart(): void;
  close(): void;
}

// A new app's upload store creates its folder with an asynchronous mkdir (@tus/file-store). Removing
// the data folder at once could race it, and the store then throws ENOENT from a callback, which
// jest blames on whatever test runs next. So data folders go when the test process exits.
const toRemove = new Set<string>();
function removeAtExit(dir: string): void {
  if (toRemove.size === 0) process.once('exit', () => toRemove.forEach((d) => rmSync(d, { recursive: true, force: true })));
  toRemove.add(dir);
}

export function makeEnv(env: Record<string, string> = {}, start = new Date('2026-03-01T00:00:00Z')): TestEnv {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'muse-test-'));
  const config = loadConfig({ MUSE_DATA_DIR: dir, MUSE_LOG_LEVEL: 'error', ...env });
  const clock = { now: start };
  const t: TestEnv = {
    app: createApp(config, { now: () => clock.now }),
    config,
    dir,
    clock,
    restart() {
      t.app.locals.close();
      t.app = createApp(config, { now: () => clock.now });
    },
    close() {
      t.app.locals.close();
      removeAtExit(dir);
    },
  };
  return t;
}

export type Agent = TestAgent;

export interface Person {
  agent: Agent;
  me: Me;
}

process.env.MUSE_LOG_LEVEL ??= 'error';

let seq = 0;

export async function signupTeacher(t: TestEnv, timeZone = 'Asia/Seoul', name = 'Teacher'): Promise<Person> {
  const agent = request.agent(t.app);
  const email = `teacher${++seq}-${Date.now()}@example.com`;
  const res = await agent.post('/api/auth/signup').send({ email, password: 'correct horse battery', name, timeZone, language: 'ko' });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { agent, me: res.body as Me };
}

export async function addStudent(t: TestEnv, teacher: Person, timeZone = 'Asia/Dubai', name = 'Student', email?: string): Promise<CreateStudentResponse & { token: string }> {
  const res = await teacher.agent.post('/api/students').send({ name, timeZone, language: 'en', ...(email ? { email } : {}) });
  if (res.status !== 201) throw new Error(`add student failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as CreateStudentResponse;
  return { ...body, token: body.invite.url.split('/invite/')[1] };
}

export async function acceptInvite(t: TestEnv, token: string, password = 'student password 1'): Promise<Person> {
  const agent = request.agent(t.app);
  const res = await agent.post(`/api/invites/${token}/accept`).send({ password });
  if (res.status !== 200) throw new Error(`accept failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { agent, me: res.body as Me };
}

export async function enrolledStudent(t: TestEnv, teacher: Person, timeZone = 'Asia/Dubai', name = 'Student'): Promise<Person> {
  const s = await addStudent(t, teacher, timeZone, name);
  return acceptInvite(t, s.token);
}

/** Decodes a JWT's claims (no verification: the tests only read what we minted). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}
