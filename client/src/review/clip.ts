// Clips of a recording with ffmpeg.wasm (the page's one instance, lib/ffmpeg.ts). Two ways: stream copy (instant,
// no quality loss, cut on packet boundaries: Chromium's MediaRecorder writes 60 ms Opus packets, stamped by the wall
// clock ±10 ms) and exact (decoded and cut to the sample, written as
// FLAC; ffmpeg.wasm 0.12 crashes encoding stereo libopus, and FLAC is lossless anyway).
import type { ApiErrorBody, ClipInfo } from '../../../shared/api';
import { ApiError } from '../lib/api';
import { ffmpeg } from '../lib/ffmpeg';

export { ffmpeg };

export type ClipMode = 'copy' | 'exact';

const ext = (mime: string) => (mime.includes('mp4') ? 'm4a' : 'webm');
const sec = (s: number) => s.toFixed(3);

/** The part [start, end) seconds of `source` as a new file: same format (copy) or FLAC (exact). */
export async function makeClip(source: Blob, mime: string, start: number, end: number, mode: ClipMode): Promise<Blob> {
  if (!(end > start)) throw new Error('The clip must end after it starts.');
  const f = await ffmpeg();
  const input = `in.${ext(mime)}`;
  const output = mode === 'copy' ? `clip.${ext(mime)}` : 'clip.flac';
  await f.writeFile(input, new Uint8Array(await source.arrayBuffer()));
  const args = mode === 'copy'
    ? // Seeking on the output side: MediaRecorder's WebM has no cues, so input seeking lands on a cluster a second early.
      ['-i', input, '-ss', sec(start), '-to', sec(end), '-map', '0:a', '-c', 'copy', output]
    : // Timestamps replaced by sample counts first: MediaRecorder's timestamps can jitter by a few ms under load,
      // while the waveform (the browser's decode) counts samples; so the cut is exactly what was selected.
      ['-i', input, '-map', '0:a', '-af', `asetpts=N/SR/TB,atrim=start=${sec(start)}:end=${sec(end)},asetpts=PTS-STARTPTS`, '-c:a', 'flac', output];
  const code = await f.exec(args);
  try {
    if (code !== 0) throw new Error(`ffmpeg stopped with code ${code}.`);
    const data = await f.readFile(output);
    return new Blob([data as Uint8Array<ArrayBuffer>], { type: mode === 'copy' ? mime.split(';')[0].replace('video/', 'audio/') : 'audio/flac' });
  } finally {
    await f.deleteFile(input).catch(() => undefined);
    await f.deleteFile(output).catch(() => undefined);
  }
}

/**
 * Saves a cut clip on the server and shares it with the lesson's students: the body is the clip itself, the query
 * names its source recording, its place in it, its title and note (POST /api/occurrences/:id/clips).
 */
export async function saveClip(occurrence: string, blob: Blob, meta: { recording: string; start: number; end: number; title: string; note: string }): Promise<ClipInfo> {
  const q = new URLSearchParams({ recording: meta.recording, start: meta.start.toFixed(3), end: meta.end.toFixed(3), title: meta.title, note: meta.note });
  let res: Response;
  try {
    res = await fetch(`/api/occurrences/${encodeURIComponent(occurrence)}/clips?${q}`, { method: 'POST', headers: { 'Content-Type': blob.type }, body: blob, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The Muse Studio server is not reachable. Check your connection and try again.');
  }
  const data = (await res.json().catch(() => null)) as (ClipInfo & Partial<ApiErrorBody>) | null;
  if (!res.ok) {
    const e = data?.error;
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${res.status}.`, e?.fields);
  }
  return data as ClipInfo;
}
