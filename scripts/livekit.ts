// npm run livekit:build | livekit:start — build the real livekit-server once, or run it alone.
import { buildLiveKit, findLiveKit, SetupError, startLiveKit } from './lib/livekit';
import { log } from '../server/src/log';

const command = process.argv[2];
try {
  if (command === 'build') {
    const existing = findLiveKit();
    if (existing) log.info('livekit.present', { bin: existing });
    else buildLiveKit();
  } else if (command === 'start') {
    const lk = await startLiveKit({ onLog: (l) => process.stdout.write(`${l}\n`) });
    log.info('livekit.ready', { url: lk.url });
    const stop = async () => {
      await lk.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } else {
    process.stderr.write('usage: tsx scripts/livekit.ts build|start\n');
    process.exit(2);
  }
} catch (err) {
  if (err instanceof SetupError) {
    log.error('livekit.setup', { message: err.message });
    process.exit(1);
  }
  throw err;
}
