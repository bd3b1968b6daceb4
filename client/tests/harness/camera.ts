// A small fake camera for the browser tests: a 320×180, 15 fps Y4M loop that Chromium plays as
// its camera (--use-file-for-fake-video-capture). Chromium's built-in fake camera answers the
// app's 720p request with 720p at 30 fps, and encoding that as simulcast VP8 in software, twice,
// beside the SFU, took most of a 2-core machine: the audio paths the tests measure then starved.
// The app still asks for 720p; it gets what this camera has, as with a low-resolution webcam.
// The benches keep Chromium's own 720p camera (launchParticipant's `camera: 'builtin'`).
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const W = 320;
const H = 180;
const FPS = 15;
const FRAMES = 30;

/** The Y4M file's path, written on first use (the same bytes every time). */
export function smallCameraFile(): string {
  const file = path.join(os.tmpdir(), `muse-fake-camera-${W}x${H}-${FPS}fps-v1.y4m`);
  if (existsSync(file)) return file;
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${W} H${H} F${FPS}:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < FRAMES; f++) {
    const y = Buffer.alloc(W * H);
    const u = Buffer.alloc((W * H) / 4);
    const v = Buffer.alloc((W * H) / 4);
    // A gradient with stripes, and a bright block swinging left and right: enough motion that
    // the encoder has real work and a frozen picture is visible.
    const bx = Math.round((W - 60) * (0.5 + 0.5 * Math.sin((2 * Math.PI * f) / FRAMES)));
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const block = c >= bx && c < bx + 60 && r >= 60 && r < 120;
        y[r * W + c] = block ? 235 : 40 + Math.round((120 * c) / W) + ((r >> 3) & 1) * 10;
      }
    }
    for (let r = 0; r < H / 2; r++) {
      for (let c = 0; c < W / 2; c++) {
        u[(r * W) / 2 + c] = 100 + Math.round((50 * r) / (H / 2));
        v[(r * W) / 2 + c] = 150 - Math.round((40 * c) / (W / 2));
      }
    }
    parts.push(Buffer.from('FRAME\n'), y, u, v);
  }
  // Two browsers launch at once: write aside, then rename into place.
  const tmp = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file);
  return file;
}
