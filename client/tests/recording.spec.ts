// Recording in a scheduled lesson, in two real browsers: both record their own microphone; the teacher's tab is
// closed mid-recording and the reopened app finds the recording, finalises it (≥ 9 s, decoded in the page) and
// uploads it (server sha256 = the browser's); the student's upload loses its connection half-way and resumes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';
import { type Account, apiCall, enterLesson, lessonNow } from './harness/scheduled';

const SHOTS = path.join(process.cwd(), 'test-results');
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;
let lesson: Awaited<ReturnType<typeof lessonNow>>;

const call = (method: string, url: string, body: unknown, cookie?: string) => apiCall(app.url, method, url, body, cookie);
const enter = (page: Page, account: Account, occurrence: string) => enterLesson(page, app.url, account, occurrence);

interface Checked {
  state: string;
  decodedSeconds: number;
  durationMs: number | null;
  localSha: string;
  localSize: number;
  serverSha: string | undefined;
  serverSize: number | undefined;
  serverId: string | null;
  mime: string;
  /** Level of the last three seconds (dBFS RMS): silence there means recording lost the microphone. */
  tailDb: number;
}

/** In the page: the stored recording decoded with Web Audio, its hash, and what the server lists for it. */
function check(page: Page, id: string, occurrence: string): Promise<Checked> {
  return page.evaluate(async ({ id, occurrence }) => {
    type Row = { state: string; file: Blob; durationMs: number | null; serverId: string | null; mime: string };
    const store = (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<Row> } } }).muse.recordingStore;
    const r = await store.getRecording(id);
    const bytes = await r.file.arrayBuffer();
    const ctx = new AudioContext();
    const audio = await ctx.decodeAudioData(bytes.slice(0));
    await ctx.close();
    const samples = audio.getChannelData(0).subarray(Math.max(0, audio.length - 3 * audio.sampleRate));
    let sum = 0;
    for (const x of samples) sum += x * x;
    const tailDb = 10 * Math.log10(sum / Math.max(1, samples.length) + 1e-12);
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    const localSha = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    const list = await (await fetch(`/api/occurrences/${occurrence}/recordings`)).json();
    const server = (list.recordings as { clientId: string; sha256: string; size: number }[]).find((x) => x.clientId === id);
    return { state: r.state, decodedSeconds: audio.duration, durationMs: r.durationMs, localSha, localSize: bytes.byteLength, serverSha: server?.sha256, serverSize: server?.size, serverId: r.serverId, mime: r.mime, tailDb };
  }, { id, occurrence });
}

/** Goertzel levels (dB) at `freqs` in each whole second of a stored recording, decoded in the page. */
function toneLevels(page: Page, id: string, freqs: number[]): Promise<{ seconds: number; windows: number[][] }> {
  return page.evaluate(async ({ id, freqs }) => {
    const store = (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<{ file: Blob }> } } }).muse.recordingStore;
    const r = await store.getRecording(id);
    const ctx = new AudioContext();
    const audio = await ctx.decodeAudioData(await r.file.arrayBuffer());
    await ctx.close();
    const x = audio.getChannelData(0);
    const sr = audio.sampleRate;
    const windows: number[][] = [];
    for (let a = 0; a + sr <= x.length; a += sr) {
      windows.push(freqs.map((f) => {
        const w = 2 * Math.cos((2 * Math.PI * f) / sr);
        let s1 = 0;
        let s2 = 0;
        for (let i = a; i < a + sr; i++) {
          const s0 = x[i] + w * s1 - s2;
          s2 = s1;
          s1 = s0;
        }
        return 10 * Math.log10((s1 * s1 + s2 * s2 - w * s1 * s2) / sr + 1e-12);
      }));
    }
    return { seconds: audio.duration, windows };
  }, { id, freqs });
}

const uploadTook = (page: Page, id: string) =>
  page.evaluate((id) => (window as unknown as { muse: { uploads: { entry(id: string): { tookMs: number | null } | undefined } } }).muse.uploads.entry(id)?.tookMs ?? null, id);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp({ devRooms: false });
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660, { viewport: { width: 1180, height: 820 } })]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
});

test('a closed tab loses at most a second: the recording is recovered, finalised and uploaded; a cut upload resumes', async () => {
  lesson = await lessonNow(app.url);
  const { teacher: t, student: s, occurrence } = lesson;
  await enter(teacher.page, t, occurrence);
  await teacher.page.locator('[data-testid=rec][data-local=true]').waitFor({ timeout: 10000 });
  const recordingStarted = Date.now();
  await enter(student.page, s, occurrence);
  await student.page.locator('[data-testid=rec][data-local=true]').waitFor({ timeout: 10000 });
  const studentStarted = Date.now();
  // Everyone sees who records; the student is told, once, that lessons are recorded.
  await student.page.locator('[data-testid=rec]', { hasText: 'Kim Minji' }).waitFor({ timeout: 10000 });
  await teacher.page.locator('[data-testid=rec]', { hasText: 'Layla' }).waitFor({ timeout: 10000 });
  await student.page.getByTestId('rec-notice').waitFor();
  expect(await teacher.page.getByTestId('rec-notice').count()).toBe(0);
  await teacher.page.screenshot({ path: path.join(SHOTS, 'recording-teacher-room.png') });
  await student.page.screenshot({ path: path.join(SHOTS, 'recording-student-room.png') });

  // Music mode re-publishes the microphone as a new track mid-recording; the recording follows it.
  await teacher.page.getByTestId('music-toggle').click();
  await teacher.page.locator('[data-testid=music-mode][data-applied=music]').waitFor({ timeout: 10000 });
  // The teacher's browser also records the lesson as heard: the student's microphone is one of its inputs. The student
  // follows the teacher into music mode by re-publishing its microphone, so for a moment there is no track to mix: the
  // mix must pick the new one up, which is what this waits for.
  await teacher.page.waitForFunction(() => (window as unknown as { muse: { recording: { mixing: string[] } } }).muse.recording.mixing.length === 1, null, { timeout: 15000 })
    .catch(() => undefined);
  const { teacherRec, mixRec, mixing } = await teacher.page.evaluate(() => {
    const r = (window as unknown as { muse: { recording: { currentId: string; mixId: string; mixing: string[] } } }).muse.recording;
    return { teacherRec: r.currentId, mixRec: r.mixId, mixing: [...r.mixing] };
  });
  expect(mixRec).toMatch(/^rec-/);
  expect(mixing).toHaveLength(1);
  await teacher.page.waitForTimeout(Math.max(0, 11_000 - (Date.now() - recordingStarted)));
  const recordedMs = Date.now() - recordingStarted;
  // The tab goes away without any chance to finish the recording.
  await teacher.page.close({ runBeforeUnload: false });

  const reopened = await teacher.context.newPage();
  const t0 = Date.now();
  await reopened.goto(`${app.url}/`);
  await reopened.locator(`[data-testid=upload][data-id=${teacherRec}][data-phase=done]`).waitFor({ timeout: 30000 });
  const recoveredAndUploadedMs = Date.now() - t0;
  const a = await check(reopened, teacherRec, occurrence);
  const onDisk = readFileSync(path.join(app.config.dataDir, 'recordings', `${a.serverId}.webm`));
  console.log(`[recording] teacher: recorded ${(recordedMs / 1000).toFixed(1)} s, recovered ${a.decodedSeconds.toFixed(2)} s decoded (${a.durationMs} ms written into WebM), last 3 s (music mode) at ${a.tailDb.toFixed(1)} dBFS, ${a.localSize} bytes ${a.mime}, reopen → uploaded ${recoveredAndUploadedMs} ms (upload ${await uploadTook(reopened, teacherRec)} ms)`);
  expect(a.state).toBe('uploaded');
  expect(a.mime).toBe('audio/webm;codecs=opus');
  expect(a.decodedSeconds).toBeGreaterThanOrEqual(9);
  expect(a.decodedSeconds).toBeLessThanOrEqual(recordedMs / 1000 + 0.5);
  expect(a.tailDb).toBeGreaterThan(-30);
  expect(a.serverSha).toBe(a.localSha);
  expect(a.serverSize).toBe(a.localSize);
  expect(createHash('sha256').update(onDisk).digest('hex')).toBe(a.localSha);

  // The lesson as heard, recovered and uploaded the same way: both tones are in it (teacher 440 Hz, student 660 Hz),
  // each far above the spectrum between and around them; the teacher's own recording has only 440.
  await reopened.locator(`[data-testid=upload][data-id=${mixRec}][data-phase=done]`).waitFor({ timeout: 30000 });
  const freqs = [440, 660, 550, 770, 1000];
  const mix = await toneLevels(reopened, mixRec, freqs);
  const own = await toneLevels(reopened, teacherRec, freqs);
  // A second "has" a tone when it stands 20 dB above the strongest of the control frequencies in that second.
  const has = (w: number[], k: number) => w[k] - Math.max(...w.slice(2)) > 20;
  const both = mix.windows.filter((w) => has(w, 0) && has(w, 1)).length;
  const ownStudent = own.windows.filter((w) => has(w, 1)).length;
  const best = mix.windows.find((w) => has(w, 0) && has(w, 1));
  console.log(`[recording] mix ${mix.seconds.toFixed(2)} s: both tones in ${both} of ${mix.windows.length} seconds${best ? ` (e.g. ${freqs.map((f, i) => `${f} Hz ${best[i].toFixed(1)} dB`).join(', ')})` : ''}; the teacher's own file has 660 Hz in ${ownStudent} of ${own.windows.length} seconds`);
  expect(both).toBeGreaterThanOrEqual(3);
  expect(ownStudent).toBe(0);
  const mixInfo = (await fetch(`${app.url}/api/occurrences/${occurrence}/recordings`, { headers: { cookie: t.cookie } }).then((r) => r.json())).recordings.find((r: { clientId: string }) => r.clientId === mixRec);
  expect([mixInfo.kind, mixInfo.mime, mixInfo.participant.role]).toEqual(['mix', 'audio/webm', 'teacher']);

  // The student's upload: small chunks, and the connection drops after the first one for four seconds.
  const sp = student.page;
  const studentRec = await sp.evaluate(() => {
    localStorage.setItem('muse.uploadChunkBytes', String(64 * 1024));
    return (window as unknown as { muse: { recording: { currentId: string } } }).muse.recording.currentId;
  });
  const patches: { offset: number; cut: boolean }[] = [];
  let creates = 0;
  let cutUntil = 0;
  await sp.route('**/api/uploads**', async (route) => {
    const req = route.request();
    if (req.method() === 'POST') creates++;
    if (req.method() === 'PATCH') {
      const cut = Date.now() < cutUntil;
      patches.push({ offset: Number(req.headers()['upload-offset']), cut });
      if (patches.length === 1) cutUntil = Date.now() + 4000;
      if (cut) return route.abort('internetdisconnected');
    } else if (req.method() === 'HEAD' && Date.now() < cutUntil) return route.abort('internetdisconnected');
    return route.continue();
  });
  await sp.getByTestId('leave').click();
  const studentRecordedMs = Date.now() - studentStarted;
  await sp.locator(`[data-testid=upload][data-id=${studentRec}][data-phase=failed]`).waitFor({ timeout: 15000 });
  await sp.locator(`[data-testid=upload][data-id=${studentRec}][data-phase=done]`).waitFor({ timeout: 30000 });
  const b = await check(sp, studentRec, occurrence);
  const resumed = patches.filter((p) => !p.cut && p.offset > 0);
  console.log(`[recording] student: recorded ${(studentRecordedMs / 1000).toFixed(1)} s, stopped cleanly: ${b.decodedSeconds.toFixed(2)} s decoded, ${b.localSize} bytes; ${patches.length} PATCHes (${patches.filter((p) => p.cut).length} cut), resumed at ${resumed[0]?.offset} bytes; upload ${await uploadTook(sp, studentRec)} ms`);
  expect(creates).toBe(1);
  expect(patches.some((p) => p.cut)).toBe(true);
  expect(resumed.length).toBeGreaterThan(0);
  expect(resumed[0].offset).toBeGreaterThanOrEqual(64 * 1024);
  expect(b.serverSha).toBe(b.localSha);
  // A clean stop flushes the recorder: nothing is lost (the first chunk starts just before the REC indicator shows).
  expect(b.decodedSeconds).toBeGreaterThanOrEqual(studentRecordedMs / 1000 - 1);

  // All three tracks are on the review page, with waveforms, for the teacher; the mix is "Lesson (both sides)".
  await reopened.setViewportSize({ width: 1024, height: 768 });
  await reopened.goto(`${app.url}/review/${occurrence}`);
  await reopened.getByTestId('recording').nth(2).waitFor({ timeout: 10000 });
  await reopened.locator('[data-testid=waveform][data-ready=true]').nth(2).waitFor({ timeout: 15000 });
  expect(await reopened.getByTestId('recording').count()).toBe(3);
  expect(await reopened.locator('[data-testid=recording][data-kind=mix] h2').textContent()).toContain('Lesson (both sides)');

  // Lined up on one axis by their start on the teacher's clock. Both browsers run on this machine, so their wall-clock
  // starts (Date.now) are the truth; what the review page shows went through the student's measured clock offset to
  // the teacher's page clock (which can sit hundreds of ms from Date.now) and each page's own page − wall difference.
  const studentRow = await sp.evaluate(async (id) => (await (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<{ startedAt: string; clockOffsetMs?: number | null }> } } }).muse.recordingStore.getRecording(id)), studentRec);
  const teacherRow = await reopened.evaluate(async (id) => (await (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<{ startedAt: string; clockOffsetMs?: number | null }> } } }).muse.recordingStore.getRecording(id)), teacherRec);
  expect(typeof studentRow.clockOffsetMs).toBe('number');
  expect(typeof teacherRow.clockOffsetMs).toBe('number');
  const timeline = reopened.locator('[data-testid=timeline][data-ready=true]');
  await timeline.waitFor({ timeout: 30000 });
  const rows = await reopened.locator('[data-testid=timeline-track]').evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-id'), offsetMs: Number(e.getAttribute('data-offset-ms')), durationMs: Number(e.getAttribute('data-duration-ms')) })));
  const list = (await fetch(`${app.url}/api/occurrences/${occurrence}/recordings`, { headers: { cookie: t.cookie } }).then((r) => r.json())).recordings as { id: string; clientId: string }[];
  const rowOf = (clientId: string) => rows.find((r) => r.id === list.find((x) => x.clientId === clientId)?.id)!;
  const expected = Date.parse(studentRow.startedAt) - Date.parse(teacherRow.startedAt);
  const seenDiff = rowOf(studentRec).offsetMs - rowOf(teacherRec).offsetMs;
  console.log(`[recording] timeline: ${rows.map((r) => `${r.id} at ${r.offsetMs} ms for ${r.durationMs} ms`).join('; ')}; student − teacher ${seenDiff} ms (wall-clock starts ${expected.toFixed(0)} ms apart, REC lights ${studentStarted - recordingStarted} ms), stored offsets: student ${studentRow.clockOffsetMs!.toFixed(1)} ms, teacher ${teacherRow.clockOffsetMs!.toFixed(1)} ms`);
  expect(rows).toHaveLength(3);
  // The clock-sync estimate is good to about half a round trip of its best pings: tens of ms on a loaded machine.
  // (Before each page's page − wall difference was added, the student's track sat 450 ms off.)
  expect(Math.abs(seenDiff - expected)).toBeLessThan(150);
  expect(seenDiff).toBeGreaterThan(500);
  // The mix starts a little after the teacher's microphone recording, in the same browser: exactly that far along.
  const mixRow = await reopened.evaluate(async (id) => (await (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<{ startedAt: string }> } } }).muse.recordingStore.getRecording(id)), mixRec);
  expect(Math.abs(rowOf(mixRec).offsetMs - rowOf(teacherRec).offsetMs - (Date.parse(mixRow.startedAt) - Date.parse(teacherRow.startedAt)))).toBeLessThanOrEqual(2);
  // One transport plays them together: each element stays within 150 ms of where the transport says it is.
  await reopened.getByTestId('timeline-play').click();
  await reopened.waitForTimeout(2500);
  const sync = await reopened.evaluate(() => {
    const tl = (window as unknown as { muse: { timeline: { drift(): Record<string, number | null>; position(): number } } }).muse.timeline;
    return { drift: tl.drift(), position: tl.position() };
  });
  console.log(`[recording] timeline playing at ${sync.position.toFixed(2)} s, drift per track (s): ${JSON.stringify(sync.drift)}`);
  expect(sync.position).toBeGreaterThan(1.5);
  const drifts = Object.values(sync.drift).filter((d): d is number => d !== null);
  expect(drifts.length).toBeGreaterThanOrEqual(2);
  for (const d of drifts) expect(Math.abs(d)).toBeLessThan(0.15);
  await reopened.getByTestId('timeline-solo').nth(0).click();
  expect(await reopened.locator('audio').evaluateAll((els) => els.slice(0, 3).map((a) => (a as HTMLAudioElement).muted))).toEqual([false, true, true]);
  await reopened.getByTestId('timeline-play').click();
  await reopened.screenshot({ path: path.join(SHOTS, 'recording-review-tablet.png'), fullPage: true });
  await reopened.setViewportSize({ width: 1440, height: 900 });
  await reopened.screenshot({ path: path.join(SHOTS, 'recording-review-laptop.png'), fullPage: true });
});

test('the teacher switches recording off: both browsers stop at once, and the lesson remembers it', async () => {
  const { teacher: t, student: s, occurrence } = lesson;
  const tp = await teacher.context.newPage();
  const sp = await student.context.newPage();
  await enter(tp, t, occurrence);
  await enter(sp, s, occurrence);
  for (const p of [tp, sp]) await p.locator('[data-testid=rec][data-local=true]').waitFor({ timeout: 10000 });
  await sp.locator('[data-testid=rec]', { hasText: 'Kim Minji' }).waitFor({ timeout: 10000 });
  expect(await sp.getByTestId('auto-record').count()).toBe(0); // the student has no switch
  await tp.getByTestId('auto-record').uncheck();
  for (const p of [tp, sp]) await p.locator('[data-testid=rec][data-on=false]').waitFor({ timeout: 10000 });
  expect(await sp.getByTestId('rec-notice').count()).toBe(0);
  const got = await fetch(`${app.url}/api/lessons/${occurrence.split('.')[0]}`, { headers: { cookie: t.cookie } }).then((r) => r.json());
  expect(got.autoRecord).toBe(false);
  // What both recorded until then is finished and uploaded: the occurrence now holds six recordings (each visit:
  // the teacher's microphone and the lesson as heard, the student's microphone).
  for (const p of [tp, sp]) await p.locator('[data-testid=upload][data-phase=done]').last().waitFor({ timeout: 30000 });
  await sp.waitForFunction(async (occ) => ((await (await fetch(`/api/occurrences/${occ}/recordings`)).json()).recordings.length === 6), occurrence, { timeout: 20000, polling: 500 });
});

test('camera recording (opt-in): one video file per stretch the camera is on, each playable on the review page', async () => {
  const { teacher: t, occurrence } = lesson;
  const lessonId = occurrence.split('.')[0];
  expect((await call('PATCH', `/lessons/${lessonId}`, { scope: 'series', autoRecord: true }, t.cookie)).status).toBe(200);
  const tp = await teacher.context.newPage();
  await tp.goto(`${app.url}/`);
  await tp.evaluate(() => localStorage.setItem('muse.recordCamera', '1'));
  await enter(tp, t, occurrence);
  await tp.getByTestId('camera-recording').waitFor({ timeout: 10000 });
  await tp.waitForTimeout(3000);
  await tp.getByRole('button', { name: 'Camera off' }).click();
  await tp.getByTestId('camera-recording').waitFor({ state: 'detached', timeout: 10000 });
  await tp.getByRole('button', { name: 'Camera on' }).click();
  await tp.getByTestId('camera-recording').waitFor({ timeout: 10000 });
  await tp.waitForTimeout(3000);
  const videoIds = await tp.evaluate(() => (window as unknown as { muse: { recording: { videoIds: string[] } } }).muse.recording.videoIds);
  expect(videoIds).toHaveLength(2);
  await tp.getByTestId('leave').click();
  for (const id of videoIds) await tp.locator(`[data-testid=upload][data-id=${id}][data-phase=done]`).waitFor({ timeout: 30000 });
  const list = await fetch(`${app.url}/api/occurrences/${occurrence}/recordings`, { headers: { cookie: t.cookie } }).then((r) => r.json());
  const videos = (list.recordings as { clientId: string; kind: string; mime: string; size: number; durationMs: number }[]).filter((r) => videoIds.includes(r.clientId));
  console.log(`[recording] camera: ${videos.map((v) => `${v.mime} ${(v.durationMs / 1000).toFixed(1)} s ${v.size} bytes`).join('; ')}`);
  expect(videos.map((v) => [v.kind, v.mime])).toEqual([['video', 'video/webm'], ['video', 'video/webm']]);
  for (const v of videos) expect(v.durationMs).toBeGreaterThan(2500);

  await tp.goto(`${app.url}/review/${occurrence}`);
  await tp.getByTestId('video').nth(1).waitFor({ timeout: 10000 });
  const durations = await tp.evaluate(async () => {
    const els = [...document.querySelectorAll('video')];
    await Promise.all(els.map((v) => (v.readyState >= 1 ? null : new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true })))));
    return els.map((v) => ({ duration: v.duration, width: v.videoWidth }));
  });
  expect(durations).toHaveLength(2);
  for (const d of durations) {
    expect(d.duration).toBeGreaterThan(2.5);
    expect(d.width).toBeGreaterThan(0);
  }
});

test('a clip of a passage with ffmpeg.wasm from our own server: exact (FLAC, to the sample) and by stream copy', async () => {
  const page = await teacher.context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${app.url}/review/${lesson.occurrence}`);
  const wave = page.getByTestId('waveform').first();
  await page.locator('[data-testid=waveform][data-ready=true]').first().waitFor({ timeout: 15000 });
  await page.locator('[data-testid=timeline][data-ready=true]').waitFor({ timeout: 60000 });
  // The timeline of all tracks is above the recordings: bring the first one into view to drag across it.
  await wave.scrollIntoViewIfNeeded();
  const box = (await wave.locator('.canvas').boundingBox())!;
  // About 3 s from a fifth of the way in (the tracks' lengths depend on how fast the pages joined).
  const duration = Number(await wave.getAttribute('data-duration'));
  const to = Math.min(0.95, 0.2 + 3 / duration);
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 10 });
  await page.mouse.up();
  const panel = page.getByTestId('clip').first();
  await panel.locator('[data-testid=clip-exact]').waitFor();
  const start = Number(await panel.getAttribute('data-start'));
  const end = Number(await panel.getAttribute('data-end'));
  expect(end - start).toBeGreaterThan(2);

  const decoded = async (mode: string) => {
    const t0 = Date.now();
    await panel.getByTestId(mode === 'exact' ? 'clip-exact' : 'clip-copy').click();
    const link = panel.locator(`[data-testid=clip-download][data-mode=${mode}]`);
    await link.waitFor({ timeout: 120000 });
    const ms = Date.now() - t0;
    const href = (await link.getAttribute('href'))!;
    return { ms, ...(await page.evaluate(async (href) => {
      const blob = await (await fetch(href)).blob();
      const ctx = new AudioContext();
      const audio = await ctx.decodeAudioData(await blob.arrayBuffer());
      await ctx.close();
      return { seconds: audio.duration, channels: audio.numberOfChannels, type: blob.type, bytes: blob.size };
    }, href)) };
  };
  const exact = await decoded('exact');
  const copy = await decoded('copy');
  console.log(`[recording] clip of ${(end - start).toFixed(3)} s: exact ${exact.type} ${exact.seconds.toFixed(3)} s ${exact.channels} ch ${exact.bytes} bytes in ${exact.ms} ms (ffmpeg load included); copy ${copy.type} ${copy.seconds.toFixed(3)} s ${copy.bytes} bytes in ${copy.ms} ms`);
  expect(exact.type).toBe('audio/flac');
  expect(exact.channels).toBe(2);
  expect(Math.abs(exact.seconds - (end - start))).toBeLessThan(0.005);
  expect(copy.type).toBe('audio/webm');
  // Stream copy cuts between packets: Chromium's recorder writes 60 ms Opus packets whose wall-clock stamps wander
  // 51–69 ms apart, so the clip may be one packet (plus that wander) longer or shorter than the range asked for.
  expect(Math.abs(copy.seconds - (end - start))).toBeLessThan(0.07);
  // ffmpeg's core and wasm came from this server, nothing from anywhere else.
  expect(requests.some((u) => u.startsWith(`${app.url}/assets/`) && u.endsWith('.wasm') && u.includes('ffmpeg-core'))).toBe(true);
  expect(requests.filter((u) => !u.startsWith(app.url) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);

  // The teacher saves the exact clip with a title and a note and shares it with the student.
  await panel.getByTestId('clip-exact').click();
  await panel.locator('[data-testid=clip-download][data-mode=exact]').waitFor({ timeout: 120000 });
  const share = page.getByTestId('clip-share').first();
  await share.getByTestId('clip-title').fill('Bar 12: the shift');
  await share.getByTestId('clip-note').fill('Listen to the slide into third position.');
  await share.getByTestId('clip-save').click();
  await share.getByTestId('clip-saved').waitFor({ timeout: 30000 });
  await page.close();

  // The student finds it in the library (linked from the header) and it plays: its media element's duration is the clip's.
  const sp = await student.context.newPage();
  const [name, value] = lesson.student.cookie.split('=');
  await sp.context().addCookies([{ name, value, url: app.url }]);
  await sp.goto(`${app.url}/`);
  await sp.getByTestId('nav-library').click();
  const item = sp.locator('[data-testid=library-clip]', { hasText: 'Bar 12: the shift' });
  await item.waitFor({ timeout: 15000 });
  expect(await item.textContent()).toContain('Listen to the slide into third position.');
  const played = await item.locator('audio').evaluate(async (a: HTMLAudioElement) => {
    a.muted = true;
    await a.play();
    await new Promise((r) => setTimeout(r, 700));
    const out = { duration: a.duration, time: a.currentTime };
    a.pause();
    return out;
  });
  console.log(`[recording] shared clip in the student's library: duration ${played.duration.toFixed(3)} s, played to ${played.time.toFixed(3)} s`);
  expect(Math.abs(played.duration - (end - start))).toBeLessThan(0.01);
  expect(played.time).toBeGreaterThan(0.2);
  await sp.screenshot({ path: path.join(SHOTS, 'library.png'), fullPage: true });
  await sp.close();
});

test('an upload interrupted by a reload resumes from the upload URL kept in IndexedDB', async () => {
  const { teacher: t, occurrence } = lesson;
  const tp = await teacher.context.newPage();
  await tp.goto(`${app.url}/`);
  await tp.evaluate(() => {
    localStorage.setItem('muse.recordCamera', '0');
    localStorage.setItem('muse.uploadChunkBytes', String(64 * 1024));
  });
  await enter(tp, t, occurrence);
  await tp.locator('[data-testid=rec][data-local=true]').waitFor({ timeout: 10000 });
  const id = await tp.evaluate(() => (window as unknown as { muse: { recording: { currentId: string } } }).muse.recording.currentId);
  await tp.waitForTimeout(7000);
  let creates = 0;
  let ownUrl = '';
  const offsets: number[] = [];
  let firstDone: () => void = () => undefined;
  const first = new Promise<void>((r) => (firstDone = r));
  // The first chunk goes through; the next one hangs, as on a dead connection, until the page is reloaded.
  const mine = Buffer.from(id).toString('base64');
  // The lesson-as-heard recording uploads too, after this one: only this recording's requests are counted and held.
  await tp.route('**/api/uploads**', async (route) => {
    const req = route.request();
    if (req.method() === 'POST' && (req.headers()['upload-metadata'] ?? '').includes(mine)) creates++;
    if (req.method() !== 'PATCH' || (offsets.length > 0 && !req.url().endsWith(ownUrl))) return route.continue();
    ownUrl ||= new URL(req.url()).pathname;
    offsets.push(Number(req.headers()['upload-offset']));
    if (offsets.length > 1) return; // never answered
    await route.continue();
    setTimeout(firstDone, 300);
  });
  await tp.getByTestId('leave').click();
  await first;
  const stored = await tp.evaluate(async (id) => (await (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<{ uploadUrl: string | null; state: string }> } } }).muse.recordingStore.getRecording(id)), id);
  expect(stored.state).toBe('finished');
  expect(stored.uploadUrl).toMatch(/\/api\/uploads\/u[0-9a-f]{20}$/);
  await tp.unroute('**/api/uploads**');
  const after: number[] = [];
  tp.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/uploads') && (r.headers()['upload-metadata'] ?? '').includes(mine)) creates++;
    if (r.method() === 'PATCH' && r.url().endsWith(stored.uploadUrl!)) after.push(Number(r.headers()['upload-offset']));
  });
  await tp.reload();
  await tp.locator(`[data-testid=upload][data-id=${id}][data-phase=done]`).waitFor({ timeout: 30000 });
  const c = await check(tp, id, occurrence);
  console.log(`[recording] reload: ${c.localSize} bytes; before the reload PATCH at ${offsets.join(', ')}; after it at ${after.join(', ')}`);
  // One upload, continued: the first request after the reload starts where the server had got to (playwright lets
  // the held request through when the route is removed, so that may be one chunk further).
  expect(creates).toBe(1);
  expect(after[0]).toBeGreaterThanOrEqual(64 * 1024);
  expect(after[0] % (64 * 1024)).toBe(0);
  expect(after[0]).toBeLessThan(c.localSize);
  expect(c.serverSha).toBe(c.localSha);
  expect(c.decodedSeconds).toBeGreaterThan(6);
});

test('duet mode in a recorded lesson: the lesson as heard has the student in it while only the duet path carries them', async () => {
  const l = await lessonNow(app.url);
  const tp = await teacher.context.newPage();
  const sp = await student.context.newPage();
  try {
    await tp.goto(`${app.url}/`);
    await tp.evaluate(() => localStorage.setItem('muse.recordCamera', '0'));
    await enter(tp, l.teacher, l.occurrence);
    await enter(sp, l.student, l.occurrence);
    await tp.locator('[data-testid=rec][data-local=true]').waitFor({ timeout: 10000 });
    await tp.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = false));
    await tp.getByTestId('duet-toggle').click();
    for (const p of [tp, sp]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    // The student's WebRTC audio is off at the SFU for the teacher: from now on only the duet path carries it.
    await tp.waitForFunction(() => {
      type S = { room: { remoteParticipants: Map<string, { getTrackPublication(s: string): { isEnabled: boolean } | undefined }> } };
      const s = (window as unknown as { muse: { session: S } }).muse.session;
      const pubs = [...s.room.remoteParticipants.values()].map((x) => x.getTrackPublication('microphone'));
      return pubs.length === 1 && pubs.every((x) => x?.isEnabled === false);
    }, null, { timeout: 15000 });
    await tp.waitForFunction(() => (window as unknown as { muse: { recording: { mixing: string[] } } }).muse.recording.mixing.includes('duet'), null, { timeout: 10000 });
    const mixRec = await tp.evaluate(() => (window as unknown as { muse: { recording: { mixId: string } } }).muse.recording.mixId);
    await tp.waitForTimeout(6000);
    const duetStats = async (p: typeof tp) => p.evaluate(() => JSON.stringify((window as unknown as { muse: { session: { duet: { carrier: string; rtpPacing: string | null; error: string | null; bufferStats(): object } } } }).muse.session.duet, ['carrier', 'rtpPacing', 'error']) + JSON.stringify((window as unknown as { muse: { session: { duet: { bufferStats(): object } } } }).muse.session.duet.bufferStats()));
    console.log(`[recording] duet stats: teacher ${await duetStats(tp)}; student ${await duetStats(sp)}`);
    await tp.getByTestId('leave').click();
    await tp.locator(`[data-testid=upload][data-id=${mixRec}][data-phase=done]`).waitFor({ timeout: 30000 });
    const freqs = [440, 660, 550, 770, 1000];
    const mix = await toneLevels(tp, mixRec, freqs);
    // The last whole seconds were played in duet mode: the student's 660 Hz stands 20 dB above the control frequencies.
    const last = mix.windows.slice(-5);
    const withStudent = last.filter((w) => w[1] - Math.max(...w.slice(2)) > 20).length;
    console.log(`[recording] duet: the mix's last ${last.length} seconds have the student's 660 Hz in ${withStudent} (${last.map((w) => w[1].toFixed(1)).join(', ')} dB)`);
    expect(withStudent).toBeGreaterThanOrEqual(3);
  } finally {
    await Promise.allSettled([tp.close(), sp.close()]);
  }
});
