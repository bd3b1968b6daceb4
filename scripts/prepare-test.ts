// Runs before `npm test`: installs or builds what the tests need, or says exactly what to run.
//  - Debian packages (Chromium for browser tests; fluidsynth + a GM soundfont for sampled-violin tests)
//  - livekit-server v1.13.5 (built once with go install into .cache/)
//  - the wasm DSP module and the client bundle
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { log } from '../server/src/log';
import { ensureLiveKit, SetupError } from './lib/livekit';
import { ROOT } from './lib/paths';

/** Debian package → a file it installs, to tell whether it is there. */
export const TEST_PACKAGES: Record<string, string> = {
  chromium: '/usr/bin/chromium',
  'fonts-noto-cjk': '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  // Sampled-violin pitch tests render real notes (GM program 41) with FluidSynth.
  fluidsynth: '/usr/bin/fluidsynth',
  // Two livekit-server nodes share one Redis in the multi-node test.
  'redis-server': '/usr/bin/redis-server',
  'fluid-soundfont-gm': '/usr/share/sounds/sf2/FluidR3_GM.sf2',
  // network.spec.ts and bench:network build their simulated network with `ip netns` and veths.
  iproute2: '/bin/ip',
};

function aptInstall(missing: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot) {
    throw new SetupError(`Missing Debian packages for the tests: ${missing.join(', ')}. Install them with: sudo sh -c '${cmd}'`);
  }
  log.info('test.prepare.apt', { packages: missing });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  if (r.status !== 0) throw new SetupError(`apt-get install ${missing.join(' ')} failed (see above).`);
}

function run(script: string): void {
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new SetupError(`npm run ${script} failed (see above).`);
}

try {
  const started = Date.now();
  const missing = Object.entries(TEST_PACKAGES).filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
  if (missing.length) aptInstall(missing);
  ensureLiveKit();
  run('build');
  run('typecheck');
  log.info('test.prepare.done', { seconds: Math.round((Date.now() - started) / 1000) });
} catch (err) {
  log.error('test.prepare.failed', { message: (err as Error).message });
  process.exit(1);
}
