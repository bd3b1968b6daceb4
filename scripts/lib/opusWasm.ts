// libopus in wasm for Node (bench:opus, unit tests): the loader is the client's own
// (client/src/audio/opusWasm.ts, used by the duet RTP worker); here, the builds' bytes from disk.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export * from '../../client/src/audio/opusWasm';

/** The package's two builds: with WebAssembly SIMD (every browser we support) or without. */
export function opusWasmBytes(build: 'simd' | 'scalar'): Uint8Array<ArrayBuffer> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@evan/opus/package.json'));
  return readFileSync(path.join(dir, 'wasm', build === 'simd' ? 'simd.wasm' : 'opus.wasm'));
}
