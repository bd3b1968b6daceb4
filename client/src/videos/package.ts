// Packaging a preview video for streaming, in the teacher's browser with ffmpeg.wasm: HLS by stream copy (no
// re-encoding, so it takes seconds, not the video's length) when the codecs allow it (plan.ts), else the original.
import type { FFmpeg } from '@ffmpeg/ffmpeg';
import { VIDEO_BUNDLE_MIME, type VideoFileMime, type VideoFormat } from '../../../shared/api';
import { encodeBundle, PLAYLIST_NAME } from '../../../shared/videoBundle';
import { ffmpeg, resetFfmpeg, withMountedInput } from '../lib/ffmpeg';
import { fileMime, parseProbe, planFormat, type Probe } from './plan';

export { fileMime };

/** Segment length asked of ffmpeg; segments cut at the next keyframe, so their length follows the keyframe interval. */
export const SEGMENT_SECONDS = 4;

export interface Packaged {
  format: VideoFormat;
  /** What to upload: the bundle (HLS) or the original file. */
  blob: Blob;
  filetype: VideoFileMime | typeof VIDEO_BUNDLE_MIME;
  durationMs: number | null;
  segments: number;
  probe: Probe;
  /** Why the original was kept: the codecs, or packaging failed twice. */
  keptBecause: 'codecs' | 'failed' | null;
}

/** A run that takes longer than this (ms) is taken as stuck: ffmpeg stops it (code 1) and the instance is replaced. */
function timeLimit(bytes: number): number {
  // Stream copy reads and writes the file once: allow a minute plus a second per 5 MB, far beyond what it needs.
  return 60_000 + Math.ceil(bytes / 5_000_000) * 1000;
}

async function run(f: FFmpeg, args: string[], timeoutMs: number, onLine?: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const listen = ({ message }: { message: string }) => {
    lines.push(message);
    onLine?.(message);
  };
  f.on('log', listen);
  try {
    return { code: await f.exec(args, timeoutMs), lines };
  } finally {
    f.off('log', listen);
  }
}

async function probeInput(f: FFmpeg, path: string): Promise<Probe> {
  // No output named: ffmpeg prints the input's description and stops (code 1), which is all we want.
  return parseProbe((await run(f, ['-hide_banner', '-i', path], 30_000)).lines);
}

/** Segments the mounted input by stream copy into /hls (in ffmpeg's memory); returns the playlist and segments as bundle entries. */
async function segment(f: FFmpeg, path: string, bytes: number, format: 'hls-ts' | 'hls-fmp4', durationS: number | null, onProgress: (fraction: number) => void): Promise<{ name: string; data: Uint8Array }[]> {
  const out = '/hls';
  await f.createDir(out).catch(() => undefined);
  const ts = format === 'hls-ts';
  const args = [
    '-hide_banner', '-i', path, '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy',
    ...(ts ? ['-bsf:v', 'h264_mp4toannexb'] : []),
    '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_playlist_type', 'vod', '-hls_list_size', '0',
    ...(ts ? [] : ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4']),
    '-hls_segment_filename', `${out}/seg%03d.${ts ? 'ts' : 'm4s'}`, `${out}/${PLAYLIST_NAME}`,
  ];
  try {
    const { code, lines } = await run(f, args, timeLimit(bytes), (line) => {
      const m = /time=(\d+):(\d+):(\d+(?:\.\d+)?)/.exec(line);
      if (m && durationS) onProgress(Math.min(1, (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) / durationS));
    });
    if (code !== 0) throw new Error(`ffmpeg stopped with code ${code}: ${lines.slice(-3).join(' ')}`);
    const names = (await f.listDir(out)).filter((n) => !n.isDir).map((n) => n.name);
    const files: { name: string; data: Uint8Array }[] = [];
    // The playlist first, then the init segment and the segments in order: the server reads them in this order.
    for (const name of names.sort((a, b) => (a === PLAYLIST_NAME ? -1 : b === PLAYLIST_NAME ? 1 : a.localeCompare(b)))) {
      files.push({ name, data: (await f.readFile(`${out}/${name}`)) as Uint8Array });
    }
    return files;
  } finally {
    for (const n of await f.listDir(out).catch(() => [])) if (!n.isDir) await f.deleteFile(`${out}/${n.name}`).catch(() => undefined);
  }
}

/**
 * Packages `file` for streaming when its codecs allow it (probe, then HLS by stream copy, with progress 0–1);
 * otherwise, or when ffmpeg fails twice (the instance is replaced in between), returns the original file.
 */
export async function packageVideo(file: File, onProgress: (phase: 'probing' | 'packaging', fraction: number) => void): Promise<Packaged> {
  const mime = fileMime(file);
  if (!mime) throw new Error('unsupported');
  const original = (probe: Probe, keptBecause: Packaged['keptBecause']): Packaged => ({
    format: 'file', blob: file, filetype: mime, durationMs: probe.durationS !== null ? Math.round(probe.durationS * 1000) : null, segments: 0, probe, keptBecause,
  });
  let probe: Probe = { container: '', durationS: null, video: null, audio: null };
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      onProgress('probing', 0);
      const f = await ffmpeg();
      const name = `input.${mime === 'video/webm' ? 'webm' : mime === 'video/quicktime' ? 'mov' : 'mp4'}`;
      return await withMountedInput(f, file, name, async (path) => {
        probe = await probeInput(f, path);
        if (!probe.video) throw new NoVideo();
        const format = planFormat(probe);
        if (format === 'file') return original(probe, 'codecs');
        onProgress('packaging', 0);
        const files = await segment(f, path, file.size, format, probe.durationS, (x) => onProgress('packaging', x));
        const segments = files.filter((x) => /^seg/.test(x.name)).length;
        onProgress('packaging', 1);
        return { format, blob: encodeBundle(files), filetype: VIDEO_BUNDLE_MIME, durationMs: probe.durationS !== null ? Math.round(probe.durationS * 1000) : null, segments, probe, keptBecause: null };
      });
    } catch (err) {
      if (err instanceof NoVideo) throw err;
      // A crashed or stuck instance is not reused: terminate it; the next attempt loads a fresh one.
      console.warn('video packaging failed', err);
      await resetFfmpeg();
    }
  }
  return original(probe, 'failed');
}

export class NoVideo extends Error {
  constructor() {
    super('no video stream');
  }
}
