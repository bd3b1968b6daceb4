// Starts one real livekit-server for the browser tests. Plain JS: jest loads global setup
// outside its TypeScript transform, so the project's TS modules come in through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startLiveKit } = await tsImport('../../../scripts/lib/livekit.ts', import.meta.url);
  const { TEST_LIVEKIT } = await tsImport('./ports.ts', import.meta.url);
  const lk = await startLiveKit({ ...TEST_LIVEKIT, logLevel: 'warn' });
  globalThis.__museLiveKit = lk;
  process.env.MUSE_TEST_LIVEKIT_URL = lk.url;
}
