// npm start: build what is missing, start livekit-server and the Muse Studio server together,
// print the URL, and stop both cleanly on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../server/src/config';
import { startServer } from '../server/src/index';
import { log } from '../server/src/log';
import { ensureLiveKit, liveKitConfig, startLiveKit } from './lib/livekit';
import { ROOT } from './lib/paths';
import { assertPortsFree, tcpFree } from './lib/ports';
import { type RunningRedis, startRedis } from './lib/redis';

function run(script: string): void {
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run ${script} failed (see above).`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const lkConf = liveKitConfig();
  await assertPortsFree([
    { port: config.port, proto: 'tcp', what: 'Muse Studio web server', env: 'MUSE_PORT' },
    { port: Number(lkConf.port), proto: 'tcp', what: 'livekit-server signalling' },
    { port: Number((lkConf.rtc as { udp_port: number }).udp_port), proto: 'udp', what: 'livekit-server media' },
  ]);
  ensureLiveKit();
  if (process.env.MUSE_SKIP_BUILD !== '1') {
    log.info('start.build', { what: 'wasm and client' });
    run('build');
  }
  // MUSE_LIVEKIT_REDIS=host:port runs this node in LiveKit's distributed mode; a loopback Redis
  // that is not running yet is started here (Debian's redis-server).
  const redisAddress = process.env.MUSE_LIVEKIT_REDIS;
  let redis: RunningRedis | null = null;
  if (redisAddress) {
    const [host, port] = redisAddress.split(':');
    if ((host === '127.0.0.1' || host === 'localhost') && (await tcpFree(Number(port)))) redis = await startRedis(Number(port));
  }
  const livekit = await startLiveKit(redisAddress ? { overrides: { redis: { address: redisAddress } } } : {});
  log.info('livekit.ready', { url: livekit.url });
  const server = await startServer(config);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info('start.stopping', { why });
    await Promise.allSettled([server.stop(), livekit.stop()]);
    await redis?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  livekit.process.once('exit', (code) => {
    if (!stopping) {
      log.error('livekit.exited', { code, hint: 'livekit-server stopped unexpectedly; calls cannot connect. Run with MUSE_LIVEKIT_LOG=1 to see why.' });
      void stop('livekit-server exited');
    }
  });
  process.stdout.write(`\n  Muse Studio is running: ${server.url}\n  LiveKit SFU: ${livekit.url}\n  Press Ctrl-C to stop.\n\n`);
}

main().catch((err: Error) => {
  log.error('start.failed', { message: err.message });
  process.exit(1);
});
