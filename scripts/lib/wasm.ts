// Where the built wasm lives, and building it on demand (tests, CLI, benchmark).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';

export const WASM_FILE = path.join(ROOT, 'wasm', 'build', 'muse-dsp.wasm');
export const WASM_SCALAR_FILE = path.join(ROOT, 'wasm', 'build', 'muse-dsp-scalar.wasm');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Runs `npm run build:wasm`'s script if a build is missing or older than wasm/assembly; throws with its output on failure. */
export function ensureWasmBuilt(): void {
  const src = Math.max(newest(path.join(ROOT, 'wasm', 'assembly')), statSync(path.join(ROOT, 'wasm', 'asconfig.json')).mtimeMs);
  if ([WASM_FILE, WASM_SCALAR_FILE].every((f) => existsSync(f) && statSync(f).mtimeMs >= src)) return;
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const r = spawnSync(process.execPath, [tsx, path.join('scripts', 'build-wasm.ts')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the wasm failed (npm run build:wasm):\n${r.stdout}\n${r.stderr}`);
}
