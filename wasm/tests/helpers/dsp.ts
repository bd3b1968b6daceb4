// Loads the built wasm for tests, rebuilding it first if any AssemblyScript source is newer.
import { readFileSync } from 'node:fs';
import { ensureWasmBuilt, WASM_FILE, WASM_SCALAR_FILE } from '../../../scripts/lib/wasm.ts';
import { ROOT } from '../../../scripts/lib/paths.ts';
import { createMuseDsp, type MuseDsp } from '../../src/museDsp.ts';

export { ROOT };

/** A fresh instance of the SIMD build (or the scalar one). */
export function loadDsp(scalar = false): MuseDsp {
  ensureWasmBuilt();
  return createMuseDsp(readFileSync(scalar ? WASM_SCALAR_FILE : WASM_FILE));
}
