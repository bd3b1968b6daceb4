// Which packaging a video gets, from ffmpeg's own description of real files (lines as ffmpeg prints them).
import { fileMime, parseProbe, planFormat } from './plan';

const mp4 = [
  "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'input.mp4':",
  '  Duration: 00:01:02.50, start: 0.000000, bitrate: 117 kb/s',
  '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 2035 kb/s, 30 fps, 30 tbr, 15360 tbn (default)',
  '  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)',
];
const webm = (video: string, audio: string, duration = '00:00:12.01') => [
  "Input #0, matroska,webm, from 'input.webm':",
  `  Duration: ${duration}, start: -0.007000, bitrate: 132 kb/s`,
  `  Stream #0:0: Video: ${video}, yuv420p(tv, progressive), 640x480, SAR 1:1 DAR 4:3, 25 fps, 25 tbr, 1k tbn`,
  `  Stream #0:1: Audio: ${audio}, 48000 Hz, mono, fltp`,
];

test('H.264/AAC in MP4 → MPEG-TS segments; duration read', () => {
  const p = parseProbe(mp4);
  expect(p).toEqual({ container: 'mov,mp4,m4a,3gp,3g2,mj2', durationS: 62.5, video: 'h264', audio: 'aac' });
  expect(planFormat(p)).toBe('hls-ts');
});

test('VP9/Opus WebM → fMP4 segments; VP8 WebM → the original; no duration (MediaRecorder) → null', () => {
  expect(planFormat(parseProbe(webm('vp9 (Profile 0)', 'opus')))).toBe('hls-fmp4');
  expect(planFormat(parseProbe(webm('vp8', 'opus')))).toBe('file');
  expect(parseProbe(webm('vp8', 'vorbis', 'N/A')).durationS).toBeNull();
});

test('HEVC in MOV, H.264 with PCM sound, and a file without video keep the original', () => {
  expect(planFormat(parseProbe(mp4.map((l) => l.replace('h264 (High)', 'hevc (Main)'))))).toBe('file');
  expect(planFormat(parseProbe(mp4.map((l) => l.replace('aac (LC)', 'pcm_s16le'))))).toBe('file');
  expect(parseProbe([mp4[0], mp4[1], mp4[3]]).video).toBeNull();
});

test('the container type from the file type or, failing that, its name', () => {
  expect(fileMime({ type: 'video/quicktime', name: 'x' })).toBe('video/quicktime');
  expect(fileMime({ type: '', name: 'Bach.MOV' })).toBe('video/quicktime');
  expect(fileMime({ type: 'application/octet-stream', name: 'take.webm' })).toBe('video/webm');
  expect(fileMime({ type: 'video/x-msvideo', name: 'old.avi' })).toBeNull();
});
