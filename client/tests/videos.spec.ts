// Preview videos, in headless Chromium against the real server: a 12 s H.264/AAC video is made in the page with
// ffmpeg.wasm (lavfi testsrc + sine, libx264, a keyframe every 2 s), the teacher uploads it on the library page and
// it is packaged (HLS by stream copy) and uploaded; the student finds it, the playlist holds duration/4 s segments,
// it plays to the end, seeking lands and frames play after it, speed 0.5× plays at half speed with the pitch kept,
// the A–B loop stays between A and B; watching appears in the practice log; "practise with this" opens the practice
// page with the video, the metronome and the tuner. A dead ffmpeg instance is replaced and packaging still succeeds.
// A VP9/Opus WebM becomes fMP4 segments; a VP8 WebM (MediaRecorder's default) is kept as the original.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';

const SHOTS = path.join(process.cwd(), 'test-results');
const DURATION_S = 12;
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;
let accounts: { teacher: string; student: string; studentId: string };

async function call(method: string, url: string, body: unknown, cookie?: string): Promise<{ status: number; body: any; cookie: string | null }> {
  const res = await fetch(`${app.url}/api${url}`, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const set = res.headers.get('set-cookie');
  return { status: res.status, body: await res.json().catch(() => null), cookie: set ? set.split(';')[0] : null };
}

async function logIn(page: Page, cookie: string): Promise<void> {
  const [name, value] = cookie.split('=');
  await page.context().addCookies([{ name, value, url: app.url }]);
}

/** In the page: a video made with the page's own ffmpeg.wasm, returned as base64. */
function makeVideo(page: Page, args: string[], output: string): Promise<string> {
  return page.evaluate(async ({ args, output }) => {
    const f = await (window as unknown as { muse: { clips: { ffmpeg(): Promise<{ exec(a: string[]): Promise<number>; readFile(p: string): Promise<Uint8Array>; deleteFile(p: string): Promise<void> }> } } }).muse.clips.ffmpeg();
    const code = await f.exec([...args, output]);
    if (code !== 0) throw new Error(`ffmpeg ${code}`);
    const data = await f.readFile(output);
    await f.deleteFile(output);
    let s = '';
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return btoa(s);
  }, { args, output });
}

/** In the page: a VP9/Opus WebM recorded by MediaRecorder from a drawn canvas and an oscillator, as base64. */
function recordVp9(page: Page, seconds: number): Promise<string> {
  return page.evaluate(async (seconds) => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext('2d')!;
    const audio = new AudioContext();
    const osc = audio.createOscillator();
    const dest = audio.createMediaStreamDestination();
    osc.frequency.value = 550;
    osc.connect(dest);
    osc.start();
    const stream = new MediaStream([...canvas.captureStream(25).getVideoTracks(), ...dest.stream.getAudioTracks()]);
    const rec = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp9,opus', videoBitsPerSecond: 300_000, videoKeyFrameIntervalDuration: 1000 } as MediaRecorderOptions);
    const parts: Blob[] = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    const t0 = performance.now();
    let frame = 0;
    const draw = () => {
      const s = (performance.now() - t0) / 1000;
      g.fillStyle = `hsl(${(s * 40) % 360} 70% 40%)`;
      g.fillRect(0, 0, 320, 240);
      g.fillStyle = '#fff';
      g.font = '64px sans-serif';
      g.fillText(s.toFixed(1), 60, 140);
      frame = requestAnimationFrame(draw);
    };
    draw();
    rec.start(1000);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await new Promise<void>((r) => {
      rec.onstop = () => r();
      rec.stop();
    });
    cancelAnimationFrame(frame);
    osc.stop();
    await audio.close();
    const data = new Uint8Array(await new Blob(parts).arrayBuffer());
    let out = '';
    for (let i = 0; i < data.length; i += 0x8000) out += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return btoa(out);
  }, seconds);
}

/** Uploads through the library form and returns the result text and the progress phases seen. */
async function uploadThroughForm(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, title: string, target: string): Promise<{ result: string; phases: string[] }> {
  await page.evaluate(() => {
    const w = window as unknown as { phases: string[] };
    w.phases = [];
    new MutationObserver(() => {
      const p = document.querySelector('[data-testid=video-progress]')?.getAttribute('data-phase');
      if (p && w.phases[w.phases.length - 1] !== p) w.phases.push(p);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByTestId('video-file').setInputFiles(file);
  await page.getByTestId('video-title').fill(title);
  await page.getByTestId('video-piece').fill('Bach, Concerto in A minor');
  await page.getByTestId('video-notes').fill('Bars 1–16: listen to the bow changes.');
  await page.getByTestId('video-target').selectOption(target);
  await page.getByTestId('video-send').click();
  const result = page.getByTestId('video-result').or(page.getByTestId('video-problem'));
  await result.waitFor({ timeout: 90000 });
  return { result: (await result.textContent()) ?? '', phases: await page.evaluate(() => (window as unknown as { phases: string[] }).phases) };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  const signup = await call('POST', '/auth/signup', { email: `video-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Kim Minji', timeZone: 'Asia/Seoul', language: 'en' });
  expect(signup.status).toBe(201);
  const added = await call('POST', '/students', { name: 'Layla', timeZone: 'Asia/Dubai', language: 'en' }, signup.cookie!);
  const accepted = await call('POST', `/invites/${(added.body.invite.url as string).split('/invite/')[1]}/accept`, { password: 'my violin 2026' });
  expect(accepted.status).toBe(200);
  accounts = { teacher: signup.cookie!, student: accepted.cookie!, studentId: accepted.body.id as string };
  teacher = await launchParticipant(440, { viewport: { width: 1440, height: 900 } });
  student = await launchParticipant(440, { viewport: { width: 1024, height: 768 } });
  await logIn(teacher.page, accounts.teacher);
  await logIn(student.page, accounts.student);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
});

let videoId: string;

test('the teacher uploads an H.264/AAC video; it is packaged as HLS with duration/4 s segments', async () => {
  const page = teacher.page;
  await page.goto(`${app.url}/library`);
  await page.getByTestId('video-upload').waitFor();
  // A keyframe every 2 s (50 frames at 25 fps), so the 4 s segments can be cut where asked.
  const mp4 = await makeVideo(page, [
    '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${DURATION_S}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${DURATION_S}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-shortest',
  ], 'test.mp4');
  // The page's ffmpeg instance dies behind the loader's back (as after a crash): packaging must notice, terminate
  // it, load a fresh one and succeed on the second try.
  await page.evaluate(async () => (await (window as unknown as { muse: { clips: { ffmpeg(): Promise<{ terminate(): void }> } } }).muse.clips.ffmpeg()).terminate());
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && m.text().startsWith('video packaging failed') && warnings.push(m.text()));
  const { result, phases } = await uploadThroughForm(page, { name: 'bach.mp4', mimeType: 'video/mp4', buffer: Buffer.from(mp4, 'base64') }, 'Bach A minor, first page', `student:${accounts.studentId}`);
  expect(result).toMatch(/Packaged for streaming \(HLS, 3 segments of about 4 s\)/);
  expect(warnings).toHaveLength(1);
  expect(phases).toEqual(expect.arrayContaining(['packaging', 'uploading']));
  const card = page.getByTestId('video-card').first();
  await card.waitFor();
  expect(await card.getAttribute('data-format')).toBe('hls-ts');
  videoId = (await card.getAttribute('data-id'))!;
  await page.screenshot({ path: path.join(SHOTS, 'videos-teacher-library-1440.png'), fullPage: true });
});

test('the student plays it: whole playlist, to the end, seeking, speed with pitch kept, A–B loop, watching logged', async () => {
  const page = student.page;
  await page.goto(`${app.url}/library`);
  const card = page.locator(`[data-testid=video-card][data-id="${videoId}"]`);
  await card.waitFor({ timeout: 20000 });
  await page.locator('[data-testid=video-player][data-engine="hls.js"]').waitFor({ timeout: 20000 });

  // The playlist as the student gets it: VOD, segments of at most ~4 s, as many as duration / 4 s.
  const pl = await page.evaluate(async (id) => {
    const res = await fetch(`/api/videos/${id}/hls/index.m3u8`);
    const text = await res.text();
    const extinf = [...text.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    const seg = await fetch(`/api/videos/${id}/hls/seg000.ts`);
    return { type: res.headers.get('content-type'), segType: seg.headers.get('content-type'), segCache: seg.headers.get('cache-control'), extinf, vod: text.includes('#EXT-X-PLAYLIST-TYPE:VOD') };
  }, videoId);
  const total = pl.extinf.reduce((a, b) => a + b, 0);
  expect(pl.type).toMatch(/application\/vnd\.apple\.mpegurl/);
  expect(pl.segType).toBe('video/mp2t');
  expect(pl.segCache).toContain('immutable');
  expect(pl.vod).toBe(true);
  expect(Math.abs(total - DURATION_S)).toBeLessThan(0.2);
  expect(pl.extinf.length).toBe(Math.ceil(total / 4 - 0.01));
  for (const d of pl.extinf) expect(d).toBeLessThanOrEqual(4.1);

  // Frames presented, counted by requestVideoFrameCallback; the element is muted so autoplay rules never block it.
  await page.evaluate(() => {
    const v = document.querySelector('[data-testid=video-element]') as HTMLVideoElement;
    const w = window as unknown as { frames: number[] };
    w.frames = [];
    v.muted = true;
    const count = (_now: number, meta: VideoFrameCallbackMetadata) => {
      w.frames.push(meta.mediaTime);
      v.requestVideoFrameCallback(count);
    };
    v.requestVideoFrameCallback(count);
  });
  const state = () => page.evaluate(() => {
    const v = document.querySelector('[data-testid=video-element]') as HTMLVideoElement;
    const frames = (window as unknown as { frames: number[] }).frames;
    return { t: v.currentTime, paused: v.paused, ended: v.ended, duration: v.duration, rate: v.playbackRate, pitch: v.preservesPitch, frames: frames.length, lastFrame: frames[frames.length - 1] ?? -1 };
  });

  // Speed 0.5×: media time advances at half the wall-clock rate; the pitch is kept.
  await page.locator('[data-testid=video-speed][data-rate="0.5"]').click();
  await page.evaluate(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).play());
  await page.waitForFunction(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).currentTime > 0.3, null, { timeout: 20000 });
  const slow = await page.evaluate(async () => {
    const v = document.querySelector('[data-testid=video-element]') as HTMLVideoElement;
    const t0 = v.currentTime;
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    return { media: v.currentTime - t0, wall: (performance.now() - w0) / 1000, rate: v.playbackRate, pitch: v.preservesPitch };
  });
  expect(slow.rate).toBe(0.5);
  expect(slow.pitch).toBe(true);
  expect(slow.media / slow.wall).toBeGreaterThan(0.4);
  expect(slow.media / slow.wall).toBeLessThan(0.6);
  expect(await page.getByTestId('video-player').getAttribute('data-rate')).toBe('0.5');
  await page.locator('[data-testid=video-speed][data-rate="1"]').click();

  // Seeking: currentTime lands on the target (within a frame or two) and frames play after it.
  await page.evaluate(() => {
    const v = document.querySelector('[data-testid=video-element]') as HTMLVideoElement;
    v.currentTime = 6.5;
  });
  await page.waitForFunction(() => !(document.querySelector('[data-testid=video-element]') as HTMLVideoElement).seeking, null, { timeout: 15000 });
  const landed = await state();
  expect(Math.abs(landed.t - 6.5)).toBeLessThan(0.25);
  const framesAtSeek = landed.frames;
  await page.waitForFunction((n) => (window as unknown as { frames: number[] }).frames.length > n + 10, framesAtSeek, { timeout: 15000 });
  const after = await state();
  expect(after.lastFrame).toBeGreaterThan(6.5);
  expect(after.t).toBeGreaterThan(6.6);

  // A–B loop: A at ~8 s, B at ~9.5 s; for 4 s of playing the position stays inside and wraps at least twice.
  await page.waitForFunction(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).currentTime >= 8, null, { timeout: 15000 });
  await page.getByTestId('video-loop-a').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).currentTime >= 9.5, null, { timeout: 15000 });
  await page.getByTestId('video-loop-b').click();
  const player = page.getByTestId('video-player');
  const a = Number(await player.getAttribute('data-loop-a'));
  const b = Number(await player.getAttribute('data-loop-b'));
  expect(b - a).toBeGreaterThan(1);
  const positions = await page.evaluate(async () => {
    const v = document.querySelector('[data-testid=video-element]') as HTMLVideoElement;
    const out: number[] = [];
    const end = performance.now() + 4000;
    while (performance.now() < end) {
      out.push(v.currentTime);
      await new Promise((r) => setTimeout(r, 50));
    }
    return out;
  });
  expect(Math.min(...positions)).toBeGreaterThanOrEqual(a - 0.05);
  expect(Math.max(...positions)).toBeLessThan(b + 0.3);
  expect(Number(await player.getAttribute('data-loops'))).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: path.join(SHOTS, 'videos-student-library-1024.png'), fullPage: true });

  // Clear the loop; play to the end.
  await page.getByTestId('video-loop-clear').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).ended, null, { timeout: 20000 });
  const end = await state();
  expect(Math.abs(end.t - end.duration)).toBeLessThan(0.1);
  expect(Math.abs(end.duration - DURATION_S)).toBeLessThan(0.2);
  expect(end.lastFrame).toBeGreaterThan(DURATION_S - 0.5);

  // Watching was logged (sent when it ended): for the student and their teacher, about as long as it played.
  let log: { videoId: string; seconds: number }[] = [];
  for (let i = 0; i < 50 && log.length === 0; i++) {
    log = (await call('GET', `/practice/videos?studentId=${accounts.studentId}`, undefined, accounts.teacher)).body as typeof log;
    if (log.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = log.filter((w) => w.videoId === videoId).reduce((s, w) => s + w.seconds, 0);
  // 2 s at 0.5× + ~1 s to 6.5 s skipped by the seek + 6.5→9.5 s + 4 s looping + 9.5→12 s: at least 10 s of playing.
  expect(seconds).toBeGreaterThan(10);
  expect(seconds).toBeLessThan(40);
});

test('"Practise with this" opens the practice page with the video beside the metronome and tuner', async () => {
  const page = student.page;
  await page.getByTestId('video-practise').first().click();
  await page.waitForURL(`**/practice?video=${videoId}`);
  await page.getByTestId('practice-video').waitFor({ timeout: 20000 });
  await page.locator('[data-testid=practice-video] [data-testid=video-player][data-engine="hls.js"]').waitFor({ timeout: 20000 });
  await page.getByTestId('practice-metronome').waitFor();
  await page.evaluate(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).play());
  await page.waitForFunction(() => (document.querySelector('[data-testid=video-element]') as HTMLVideoElement).currentTime > 1, null, { timeout: 15000 });
  await page.getByTestId('practice-toggle').click();
  await page.locator('[data-testid=practice-metronome][data-running="true"]').waitFor();
  await page.getByTestId('video-watches').waitFor();
  expect(await page.getByTestId('video-watch-row').count()).toBeGreaterThan(0);
  await page.screenshot({ path: path.join(SHOTS, 'videos-practice-1024.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: path.join(SHOTS, 'videos-practice-1440.png') });
  await page.getByTestId('practice-toggle').click();
  // In Korean, at tablet size, the library's player and its controls.
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByRole('button', { name: 'Language / 언어' }).click();
  await page.getByTestId('nav-library').click();
  await page.getByText('미리보기 영상').first().waitFor();
  expect(await page.getByTestId('video-practise').first().textContent()).toBe('이 영상으로 연습하기');
  await page.screenshot({ path: path.join(SHOTS, 'videos-student-library-ko-1024.png') });
  await page.getByRole('button', { name: 'Language / 언어' }).click();
});

test('a VP9/Opus WebM is packaged as fMP4 HLS segments by stream copy and plays to the end', async () => {
  const page = teacher.page;
  await page.goto(`${app.url}/library`);
  await page.getByTestId('video-upload').waitFor();
  // libvpx-vp9 crashes in ffmpeg.wasm 0.12 (memory access out of bounds), so the VP9/Opus file is what Chromium's
  // MediaRecorder makes of a canvas and an oscillator, with a keyframe every second.
  const webm = await recordVp9(page, 9);
  const { result } = await uploadThroughForm(page, { name: 'scales.webm', mimeType: 'video/webm', buffer: Buffer.from(webm, 'base64') }, 'Scales in VP9', 'studio');
  // MediaRecorder places keyframes by the wall clock (asked for every second); on a loaded machine it may skip some,
  // and stream copy can cut only at keyframes, so the count is read, not assumed: at least two segments.
  const segments = Number(/Packaged for streaming \(HLS, (\d+) segments/.exec(result)?.[1]);
  expect(segments).toBeGreaterThanOrEqual(2);
  const card = page.locator('[data-testid=video-card][data-format=hls-fmp4]');
  await card.waitFor();
  const id = (await card.getAttribute('data-id'))!;
  expect(Number(await card.getAttribute('data-segments'))).toBe(segments);

  const s = student.page;
  await s.goto(`${app.url}/library`);
  await s.locator(`[data-testid=video-card][data-id="${id}"] [data-testid=video-player][data-engine="hls.js"]`).waitFor({ timeout: 20000 });
  const played = await s.evaluate(async (id) => {
    const init = await fetch(`/api/videos/${id}/hls/init.mp4`);
    const v = document.querySelector(`[data-testid=video-card][data-id="${id}"] video`) as HTMLVideoElement;
    v.muted = true;
    let frames = 0;
    const count = () => {
      frames++;
      v.requestVideoFrameCallback(count);
    };
    v.requestVideoFrameCallback(count);
    await v.play();
    await new Promise<void>((r) => v.addEventListener('ended', () => r(), { once: true }));
    return { t: v.currentTime, duration: v.duration, frames, initType: init.headers.get('content-type') };
  }, id);
  expect(played.initType).toBe('video/mp4');
  expect(Math.abs(played.duration - 9)).toBeLessThan(0.5);
  expect(played.t).toBeGreaterThan(played.duration - 0.1);
  // 25 fps for 9 s asked of the canvas: frames keep being presented to the end (a loaded machine drops many of
  // them while recording and again while playing, so only a fifth are required).
  expect(played.frames).toBeGreaterThan(45);
});

test('a VP8/Opus WebM (what MediaRecorder makes) is kept as the original and played with Range requests', async () => {
  const page = teacher.page;
  await page.goto(`${app.url}/library`);
  await page.getByTestId('video-upload').waitFor();
  const webm = await makeVideo(page, [
    '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15:duration=4', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=4',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k', '-c:a', 'libopus', '-ac', '1', '-b:a', '32k', '-shortest',
  ], 'test.webm');
  const { result } = await uploadThroughForm(page, { name: 'take.webm', mimeType: 'video/webm', buffer: Buffer.from(webm, 'base64') }, 'Open strings', 'studio');
  expect(result).toMatch(/Kept as the original file: its codecs \(vp8 \+ opus\)/);
  const card = page.locator('[data-testid=video-card][data-format=file]');
  await card.waitFor();
  const id = (await card.getAttribute('data-id'))!;

  const s = student.page;
  await s.goto(`${app.url}/library`);
  await s.locator(`[data-testid=video-card][data-id="${id}"] [data-testid=video-player][data-engine=file]`).waitFor({ timeout: 20000 });
  const played = await s.evaluate(async (id) => {
    const v = document.querySelector(`[data-testid=video-card][data-id="${id}"] video`) as HTMLVideoElement;
    v.muted = true;
    await v.play();
    await new Promise<void>((r) => v.addEventListener('ended', () => r(), { once: true }));
    const range = await fetch(`/api/videos/${id}/file`, { headers: { Range: 'bytes=0-99' } });
    return { t: v.currentTime, status: range.status, bytes: (await range.arrayBuffer()).byteLength };
  }, id);
  expect(played.t).toBeGreaterThan(3.5);
  expect(played.status).toBe(206);
  expect(played.bytes).toBe(100);
});
