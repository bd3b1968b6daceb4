// Loads the built wasm for tests, rebuilding it first if any AssemblyScript source is newer.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMuseDsp, type MuseDsp } from '../../src/museDsp.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const WASM_FILE = path.join(ROOT, 'wasm', 'build', 'muse-dsp.wasm');
export const WASM_SCALAR_FILE = path.join(ROOT, 'wasm', 'build', 'muse-dsp-scalar.wasm');

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the wasm if it is missing or older than wasm/assembly or wasm/asconfig.json. */
export function ensureWasmBuilt(): void {
  const src = Math.max(newestSource(path.join(ROOT, 'wasm', 'assembly')), statSync(path.join(ROOT, 'wasm', 'asconfig.json')).mtimeMs);
  const fresh = [WASM_FILE, WASM_SCALAR_FILE].every((f) => existsSync(f) && statSync(f).mtimeMs >= src);
  if (fresh) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/build-wasm.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`npm run build:wasm failed:\n${r.stdout}\n${r.stderr}`);
}

/** A fresh instance of the SIMD build (or the scalar one). */
export function loadDsp(scalar = false): MuseDsp {
  ensureWasmBuilt();
  return createMuseDsp(readFileSync(scalar ? WASM_SCALAR_FILE : WASM_FILE));
}
