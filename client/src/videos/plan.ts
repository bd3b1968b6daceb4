// Which packaging a video's codecs allow, read from what ffmpeg prints about it (pure: unit-tested):
//   H.264 (+ AAC/MP3 or no sound) in MP4/MOV  → MPEG-TS segments (hls-ts), what every HLS player plays
//   VP9 (+ Opus or no sound) in WebM         → fragmented-MP4 segments (hls-fmp4): MSE and hls.js play VP9/Opus in fMP4
//   anything else (VP8, HEVC, …)            → the original file, played with Range requests (file)
// VP8 has no MP4 mapping, so a VP8 WebM cannot become fMP4 segments without re-encoding, which would take the length
// of the video or longer in wasm: we keep it as it is.
import type { VideoFileMime, VideoFormat } from '../../../shared/api';

export interface Probe {
  container: string;
  durationS: number | null;
  video: string | null;
  audio: string | null;
}

/** The container type of a file the teacher picked, from its type or its name; null for anything else. */
export function fileMime(file: { type: string; name: string }): VideoFileMime | null {
  const type = file.type.split(';')[0];
  if (type === 'video/mp4' || type === 'video/webm' || type === 'video/quicktime') return type;
  const ext = file.name.toLowerCase().split('.').pop();
  return ext === 'mp4' || ext === 'm4v' ? 'video/mp4' : ext === 'webm' ? 'video/webm' : ext === 'mov' ? 'video/quicktime' : null;
}

/** Reads what ffmpeg prints about an input: container, duration, first video and audio codec. */
export function parseProbe(lines: string[]): Probe {
  const text = lines.join('\n');
  const container = /Input #0, ([^ ]+?), from/.exec(text)?.[1] ?? '';
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
  const video = /Stream #0:\d+[^:]*: Video: ([a-z0-9_]+)/.exec(text)?.[1] ?? null;
  const audio = /Stream #0:\d+[^:]*: Audio: ([a-z0-9_]+)/.exec(text)?.[1] ?? null;
  return { container, durationS: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null, video, audio };
}

/** Which packaging the codecs allow. */
export function planFormat(p: Probe): VideoFormat {
  const mp4 = /mov|mp4/.test(p.container);
  const webm = /matroska|webm/.test(p.container);
  if (mp4 && p.video === 'h264' && (p.audio === null || p.audio === 'aac' || p.audio === 'mp3')) return 'hls-ts';
  if (webm && p.video === 'vp9' && (p.audio === null || p.audio === 'opus')) return 'hls-fmp4';
  return 'file';
}

