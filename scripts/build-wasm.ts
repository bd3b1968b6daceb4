// Builds wasm/assembly with the AssemblyScript compiler into wasm/build/muse-dsp.wasm (SIMD)
// and wasm/build/muse-dsp-scalar.wasm (no SIMD: the benchmark's baseline, and a fallback).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { log } from '../server/src/log';
import { ROOT } from './lib/paths';

const wasmDir = path.join(ROOT, 'wasm');
mkdirSync(path.join(wasmDir, 'build'), { recursive: true });
const started = Date.now();
const asc = path.join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
for (const [target, file] of [
  ['release', 'wasm/build/muse-dsp.wasm'],
  ['scalar', 'wasm/build/muse-dsp-scalar.wasm'],
] as const) {
  const result = spawnSync(
    process.execPath,
    [asc, 'assembly/index.ts', '--config', 'asconfig.json', '--target', target],
    { cwd: wasmDir, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    log.error('wasm.build.failed', { target, hint: 'Fix the AssemblyScript errors printed above, then run npm run build:wasm' });
    process.exit(result.status ?? 1);
  }
  log.info('wasm.build.done', { file, ms: Date.now() - started });
}
