// Faults during a lesson are reported to the person, never hidden, and the lesson recovers:
// the SFU restarting (a local recording goes on through it), the SFU down at join time, and our web server going away mid-call.
import { startLiveKit, type RunningLiveKit } from '../../scripts/lib/livekit';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant, waitForRemoteTone } from './harness/browser';
import { joinAndWaitConnected, openDevRoom } from './harness/lesson';
import { spareLiveKit } from './harness/ports';
import { enterLesson, lessonNow } from './harness/scheduled';

// A livekit-server of this file's own, so stopping it does not disturb other tests.
const PORTS = spareLiveKit(1);

let livekit: RunningLiveKit;
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  app = await startTestApp({ publicLiveKitUrl: livekit.url });
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660)]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
  await livekit?.stop();
});

async function inLesson(room: string): Promise<void> {
  await openDevRoom(teacher.page, app.url, room, 'Mina', 'teacher');
  await openDevRoom(student.page, app.url, room, 'Layla', 'student');
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  await Promise.all([waitForRemoteTone(student.page, 440), waitForRemoteTone(teacher.page, 660)]);
}

test('livekit-server restarts mid-lesson: both see "reconnecting", then hear each other again within 10 s', async () => {
  await inLesson(`restart-${Date.now()}`);

  livekit.process.kill('SIGKILL');
  await livekit.stop();
  for (const p of [teacher, student]) {
    const banner = p.page.locator('[data-testid=connection][data-state=reconnecting]');
    await banner.waitFor({ timeout: 15000 });
    expect(await banner.textContent()).toContain('Reconnecting');
  }

  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  const back = Date.now();
  // Functional deadline from the issue: hearing each other again within 10 s of the server being back.
  await Promise.all([waitForRemoteTone(student.page, 440, 8, 10000), waitForRemoteTone(teacher.page, 660, 8, 10000)]);
  process.stdout.write(`SFU restart: both hear each other again ${Date.now() - back} ms after the server is back\n`);
  for (const p of [teacher, student]) await p.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 10000 });
});

interface ChunkInfo {
  seq: number;
  at: number;
  size: number;
}

/** In the page: the stored chunks of a recording in progress (IndexedDB, as the recorder wrote them). */
function storedChunks(page: Participant['page'], id: string): Promise<ChunkInfo[]> {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('muse-recordings');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const rows = await new Promise<{ seq: number; at: number; data: Blob }[]>((resolve, reject) => {
      const req = db.transaction('chunks').objectStore('chunks').getAll(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]));
      req.onsuccess = () => resolve(req.result as { seq: number; at: number; data: Blob }[]);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return rows.map((r) => ({ seq: r.seq, at: r.at, size: r.data.size }));
  }, id);
}

test('a local recording in progress goes on without a gap while livekit-server restarts', async () => {
  const lesson = await lessonNow(app.url);
  await enterLesson(teacher.page, app.url, lesson.teacher, lesson.occurrence);
  await teacher.page.locator('[data-testid=rec][data-local=true]').waitFor({ timeout: 10000 });
  const recStarted = Date.now();
  const id = await teacher.page.evaluate(() => (window as unknown as { muse: { recording: { currentId: string } } }).muse.recording.currentId);
  await enterLesson(student.page, app.url, lesson.student, lesson.occurrence);
  await Promise.all([waitForRemoteTone(student.page, 440), waitForRemoteTone(teacher.page, 660)]);
  await teacher.page.waitForTimeout(2000);

  livekit.process.kill('SIGKILL');
  await livekit.stop();
  const down = Date.now();
  await teacher.page.locator('[data-testid=connection][data-state=reconnecting]').waitFor({ timeout: 15000 });
  await teacher.page.waitForTimeout(3000);
  livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  const up = Date.now();
  await Promise.all([waitForRemoteTone(student.page, 440, 8, 15000), waitForRemoteTone(teacher.page, 660, 8, 15000)]);
  await teacher.page.waitForTimeout(2000);

  // What was stored while it ran: every timeslice, in order, including while the SFU was away.
  const chunks = await storedChunks(teacher.page, id);
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  const gaps = chunks.slice(1).map((c, i) => c.at - chunks[i].at);
  const duringOutage = chunks.filter((c) => c.at > down && c.at < up).length;
  process.stdout.write(`recording through the SFU restart: ${chunks.length} chunks, ${duringOutage} stored while the SFU was down (${up - down} ms); largest gap between stored chunks ${Math.max(...gaps)} ms\n`);
  expect(duringOutage).toBeGreaterThanOrEqual(Math.floor((up - down) / 1000) - 1);
  // Stored every second; a loaded machine delays the writes (3.2 s seen at load average 40 on 2 cores),
  // a stopped recorder would leave the whole outage (4–5 s) and more. The file below is the strict check.
  expect(Math.max(...gaps)).toBeLessThan(4000);

  // And what was captured: the finished file is as long as the wall clock says and the tone never drops out.
  await teacher.page.getByTestId('leave').click();
  const recordedMs = Date.now() - recStarted;
  await teacher.page.locator(`[data-testid=upload][data-id=${id}][data-phase=done]`).waitFor({ timeout: 30000 });
  const audio = await teacher.page.evaluate(async (id) => {
    type Row = { file: Blob };
    const store = (window as unknown as { muse: { recordingStore: { getRecording(id: string): Promise<Row> } } }).muse.recordingStore;
    const r = await store.getRecording(id);
    const ctx = new AudioContext();
    const buf = await ctx.decodeAudioData(await r.file.arrayBuffer());
    await ctx.close();
    // Level of each 50 ms window: a gap in the capture would be silence (or a missing stretch of time).
    const x = buf.getChannelData(0);
    const win = Math.round(buf.sampleRate / 20);
    const levels: number[] = [];
    for (let i = 0; i + win <= x.length; i += win) {
      let sum = 0;
      for (let j = i; j < i + win; j++) sum += x[j] * x[j];
      levels.push(10 * Math.log10(sum / win + 1e-12));
    }
    return { seconds: buf.duration, levels };
  }, id);
  // The first and last half second: the recorder starting and the microphone being released.
  const inner = audio.levels.slice(10, -10);
  const quiet = inner.filter((db) => db < -30).length;
  const runs: string[] = [];
  inner.forEach((db, i) => {
    if (db >= -30) return;
    const at = ((i + 10) * 50) / 1000;
    const last = runs.at(-1);
    if (last && last.endsWith(`–${(at - 0.05).toFixed(2)}`)) runs[runs.length - 1] = last.replace(/–[\d.]+$/, `–${at.toFixed(2)}`);
    else runs.push(`${at.toFixed(2)}–${at.toFixed(2)}`);
  });
  let longest = 0;
  for (let i = 0, run = 0; i < inner.length; i++) longest = Math.max(longest, (run = inner[i] < -30 ? run + 1 : 0));
  if (runs.length) process.stdout.write(`quiet stretches (s into the file): ${runs.join(', ')}; SFU down at ${((down - recStarted) / 1000).toFixed(1)} s, back at ${((up - recStarted) / 1000).toFixed(1)} s (from the REC indicator)\n`);
  process.stdout.write(`recording through the SFU restart: recorded ${(recordedMs / 1000).toFixed(1)} s, file ${audio.seconds.toFixed(2)} s, quietest 50 ms window ${Math.min(...inner).toFixed(1)} dBFS, ${quiet} windows below -30 dBFS, longest quiet stretch ${longest * 50} ms\n`);
  expect(audio.seconds).toBeGreaterThanOrEqual(recordedMs / 1000 - 1.5);
  expect(audio.seconds).toBeLessThanOrEqual(recordedMs / 1000 + 0.5);
  // livekit-client reopens the microphone after a full reconnect (old track stopped, then a new
  // getUserMedia): the recording follows at once, so only that hand-over may be quiet (0–150 ms
  // measured, longer on a loaded machine). Before it followed, everything after the reconnect was silent.
  expect(longest * 50).toBeLessThanOrEqual(500);
});

test('our web server goes away mid-lesson: the call goes on, the room says what waits, and it recovers', async () => {
  await inLesson(`webdown-${Date.now()}`);
  const port = app.port;
  await app.stop();
  await teacher.page.getByTestId('server-down').waitFor({ timeout: 10000 });
  expect(await teacher.page.getByTestId('server-down').textContent()).toContain('Your call goes on');
  // Media does not go through our server: the tones still arrive.
  await Promise.all([waitForRemoteTone(student.page, 440, 8, 5000), waitForRemoteTone(teacher.page, 660, 8, 5000)]);

  app = await startTestApp({ publicLiveKitUrl: livekit.url, port });
  await teacher.page.getByTestId('server-down').waitFor({ state: 'detached', timeout: 10000 });
});

test('joining while the media server is down gives a clear error', async () => {
  await livekit.stop();
  await openDevRoom(teacher.page, app.url, `down-${Date.now()}`, 'Mina', 'teacher');
  await teacher.page.getByTestId('join').click();
  const error = teacher.page.getByTestId('error');
  await error.waitFor({ timeout: 30000 });
  expect(await error.textContent()).toContain(`The media server at ${livekit.url} is not reachable`);
  // The person is still on the pre-join screen with the join button, not on a dead room.
  expect(await teacher.page.getByTestId('join').isVisible()).toBe(true);
});
