// Starts the real Muse Studio server on a free loopback port for one test file.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../../server/src/config';
import { type RunningServer, startServer } from '../../../server/src/index';
import { ROOT } from '../../../scripts/lib/paths';
import { TEST_LIVEKIT } from './ports';

export async function startTestApp(overrides: Partial<Config> = {}): Promise<RunningServer & { config: Config }> {
  const livekitUrl = overrides.publicLiveKitUrl ?? process.env.MUSE_TEST_LIVEKIT_URL ?? `ws://127.0.0.1:${TEST_LIVEKIT.port}`;
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    port: 0,
    devRooms: true,
    publicLiveKitUrl: livekitUrl,
    liveKitApiUrl: livekitUrl.replace(/^ws/, 'http'),
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'muse-test-')),
    clientDir: path.join(ROOT, 'client', 'dist'),
    ...overrides,
  };
  const running = await startServer(config);
  return { ...running, url: `http://127.0.0.1:${running.port}`, config };
}
