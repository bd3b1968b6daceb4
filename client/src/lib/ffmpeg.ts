// The one ffmpeg.wasm instance of the page, loaded on first use from our own server (Vite bundles @ffmpeg/core's
// ESM build and its wasm as assets: no CDN). A run that fails or crashes leaves the instance in an unknown state,
// so it is terminated and the next use loads a fresh one.
import { FFmpeg, type FFFSType } from '@ffmpeg/ffmpeg';
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';

let loaded: Promise<FFmpeg> | null = null;

export function ffmpeg(): Promise<FFmpeg> {
  loaded ??= (async () => {
    const f = new FFmpeg();
    await f.load({ coreURL, wasmURL });
    return f;
  })().catch((err) => {
    loaded = null;
    throw err;
  });
  return loaded;
}

/** Terminates the instance (its worker and memory); the next ffmpeg() loads a new one. */
export async function resetFfmpeg(): Promise<void> {
  const was = loaded;
  loaded = null;
  const f = await was?.catch(() => null);
  f?.terminate();
}

let mounts = 0;

/**
 * Runs fn with `blob` readable at the returned path without copying it into ffmpeg's memory (WORKERFS reads
 * the Blob in the worker as ffmpeg asks for bytes). The folder is unmounted afterwards.
 */
export async function withMountedInput<T>(f: FFmpeg, blob: Blob, name: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = `/input${++mounts}`;
  await f.createDir(dir);
  await f.mount('WORKERFS' as FFFSType, { blobs: [{ name, data: blob }] }, dir);
  try {
    return await fn(`${dir}/${name}`);
  } finally {
    await f.unmount(dir).catch(() => undefined);
    await f.deleteDir(dir).catch(() => undefined);
  }
}
