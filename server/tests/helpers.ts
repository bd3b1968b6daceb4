// Starts the real server on a free loopback port for API tests.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../src/config';
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
