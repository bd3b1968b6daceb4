// Duet mode end to end: the teacher's switch reaches the student, both sides' WebRTC audio is
// stopped at the SFU, and each hears the other's tone through the duet path: capture worklet →
// 16-bit PCM → LiveKit lossy data packets (`?duet=pcm-120-data`, the first two tests) or RTP on
// a duet audio track (the default, the last test) → wasm jitter buffer → playback worklet.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';
import { joinAndWaitConnected, openDevRoom } from './harness/lesson';

let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  app = await startTestApp();
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660)]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
});

interface DuetReading {
  hz: number;
  db: number;
  stats: Record<string, number>;
  remoteAudioEnabled: boolean[];
  codec: string;
}

/** Waits until the duet playback worklet's output has its strongest peak at `hz`; returns the reading. */
async function duetTone(page: Page, hz: number): Promise<DuetReading> {
  return page.evaluate(async (expectHz) => {
    type Pub = { isEnabled: boolean };
    type S = { duet: { analyser: AnalyserNode | null; codec: string; bufferStats(): Record<string, number> } | null; room: { remoteParticipants: Map<string, { getTrackPublication(s: string): Pub | undefined }> } };
    const session = () => (window as unknown as { muse: { session: S } }).muse.session;
    const bins = new Float32Array(8192);
    let last = { hz: 0, db: -200 };
    const until = performance.now() + 20000;
    while (performance.now() < until) {
      const a = session().duet?.analyser;
      if (a) {
        a.getFloatFrequencyData(bins);
        let best = 4;
        for (let i = 4; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
        last = { hz: (best * a.context.sampleRate) / a.fftSize, db: bins[best] };
        if (last.db > -60 && Math.abs(last.hz - expectHz) <= 8) {
          const remoteAudioEnabled = [...session().room.remoteParticipants.values()].map((p) => p.getTrackPublication('microphone')?.isEnabled ?? false);
          return { ...last, stats: session().duet!.bufferStats(), remoteAudioEnabled, codec: session().duet!.codec };
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`No ${expectHz} Hz from the duet path within 20 s; last reading ${last.hz.toFixed(1)} Hz at ${last.db.toFixed(1)} dB; analyser ${session().duet?.analyser ? 'present' : 'missing'}; duet ${typeof session().duet} ${String(session().duet)} ${Object.keys(session()).join(',')}; dom ${document.querySelector('[data-testid=duet-mode]')?.outerHTML.slice(0, 200)}; ${JSON.stringify(session().duet?.bufferStats())}`);
  }, hz);
}

/** The remote participant's meter and pitch on that page, once its pitch is within 5 Hz of `hz` (or after 10 s). */
async function remoteMeter(page: Page, hz: number): Promise<{ rmsDb: number; hz: number | null }> {
  return page.evaluate(async (hz) => {
    type A = { read(): { rmsDb: number }; pitch(o: Record<string, unknown>): { hz: number | null } };
    const peers = () => (window as unknown as { muse: { session: { peers: { isLocal: boolean; analyser: A | null }[] } } }).muse.session.peers;
    let out = { rmsDb: -200, hz: null as number | null };
    const until = performance.now() + 10000;
    while (performance.now() < until) {
      const a = peers().find((p) => !p.isLocal)?.analyser;
      if (a) {
        out = { rmsDb: a.read().rmsDb, hz: a.pitch({}).hz };
        if (out.hz !== null && Math.abs(out.hz - hz) < 5 && out.rmsDb > -30) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  }, hz);
}

/** The duet path's counters on that page (see Duet.bufferStats). */
/** A fresh page of the student's browser without `api` (gone before the app's code runs), as a
 *  browser that lacks it; the student's usual page leaves its room first. */
async function studentPageWithout(api: 'RTCRtpScriptTransform' | 'MediaStreamTrackGenerator'): Promise<Page> {
  await student.page.goto('about:blank');
  const page = await student.context.newPage();
  await page.addInitScript((name) => delete (globalThis as Record<string, unknown>)[name], api);
  return page;
}

/** What carries the duet frames on that page. */
const carrierOf = (p: Page) => p.evaluate(() => (window as unknown as { muse: { session: { duet: { carrier: string } | null } } }).muse.session.duet?.carrier ?? null);

async function stats(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const m = (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } | null }; engine: { context: AudioContext } } }).muse;
    // The audio clock beside the page clock: on a starved machine Chromium's fake audio device skips callbacks and its clock falls behind.
    return { ...m.session.duet!.bufferStats(), audioMs: m.engine.context.currentTime * 1000, pageMs: performance.now() };
  });
}

test('the teacher switches duet mode on; both hear each other through the data path, not WebRTC audio', async () => {
  const room = `duet-${Date.now()}`;
  const data = '&duet=pcm-120-data';
  await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher', data), openDevRoom(student.page, app.url, room, 'Layla', 'student', data)]);
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  expect(await student.page.getByTestId('duet-toggle').count()).toBe(0); // no switch for the student

  // The teacher's side would end duet mode after 3 s of a poor path; here the path is measured, so keep it on;
  // and each buffer stays where its listener puts it (the move to Steady by itself has its own test).
  await teacher.page.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = false));
  for (const p of [teacher.page, student.page]) await p.evaluate(() => Object.assign((window as unknown as { muse: { session: { duetOptions: object } } }).muse.session.duetOptions, { autoSteady: false }));
  await teacher.page.getByTestId('duet-toggle').click();
  // Both re-publish their microphones for music mode first, which takes long on a loaded machine.
  for (const p of [student.page, teacher.page]) {
    await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await p.locator('[data-testid=duet-mode]').evaluate((el) => el.outerHTML.slice(0, 600))}`);
    });
  }
  // Duet mode implies music mode's capture (no processing).
  await student.page.locator('[data-testid=music-mode][data-applied=music]').waitFor({ timeout: 15000 });

  const atStudent = await duetTone(student.page, 440).catch((e) => {
    process.stdout.write(`student logs:\n${student.logs.slice(-20).join('\n')}\nteacher logs:\n${teacher.logs.slice(-20).join('\n')}\n`);
    throw e;
  });
  const atTeacher = await duetTone(teacher.page, 660);
  process.stdout.write(`duet: student hears ${atStudent.hz.toFixed(1)} Hz at ${atStudent.db.toFixed(1)} dB; teacher hears ${atTeacher.hz.toFixed(1)} Hz at ${atTeacher.db.toFixed(1)} dB\n`);
  for (const r of [atStudent, atTeacher]) expect(r.codec).toBe('pcm');
  // The other side's meter and tuner read the duet playback (their WebRTC audio is off): a level, and their note.
  for (const [p, hz] of [[student.page, 440], [teacher.page, 660]] as const) {
    const heard = await remoteMeter(p, hz);
    process.stdout.write(`duet: the other side's tile on the ${p === student.page ? 'student' : 'teacher'}'s page reads ${heard.rmsDb.toFixed(1)} dB RMS, ${heard.hz?.toFixed(1)} Hz\n`);
    expect(heard.rmsDb).toBeGreaterThan(-30);
    expect(Math.abs((heard.hz ?? 0) - hz)).toBeLessThan(5);
  }
  // The WebRTC audio of the other side is off at the SFU (the analyser taps the duet playback
  // only, so the tones came as data either way); a microphone re-published for music mode is
  // switched off as soon as it arrives.
  for (const p of [student.page, teacher.page]) {
    await p.waitForFunction(() => {
      type S = { room: { remoteParticipants: Map<string, { getTrackPublication(s: string): { isEnabled: boolean } | undefined }> } };
      const s = (window as unknown as { muse: { session: S } }).muse.session;
      const pubs = [...s.room.remoteParticipants.values()].map((x) => x.getTrackPublication('microphone'));
      return pubs.length === 1 && pubs.every((x) => x?.isEnabled === false);
    }, null, { timeout: 15000 });
  }

  // Delivery over loopback, each way, over a stretch of playing: read what the sender sent, then
  // (after ~4 s more of playing) what the receiver got; everything sent by the first reading must
  // have arrived, and the receiver must have played it with little concealment.
  // Each direction's window opens at the receiver before the sender and closes at the sender
  // before the receiver, so every frame counted as sent must be among those counted as received.
  // The jitter buffers learn each path's spread in their first seconds of playing (a stall before
  // then is concealed); the window measures steady playing after 3 s more of it.
  await student.page.waitForTimeout(3000);
  const rS0 = await stats(student.page);
  const sT0 = await stats(teacher.page);
  const rT0 = await stats(teacher.page);
  const sS0 = await stats(student.page);
  await student.page.waitForFunction((n) => {
    const s = (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } | null } } }).muse.session.duet?.bufferStats();
    return (s?.framesIn ?? 0) >= n;
  }, rS0.framesIn + 800, { timeout: 30000 });
  const sT1 = await stats(teacher.page);
  const sS1 = await stats(student.page);
  // Frames in flight land within moments on loopback; give them until the receiver has them all.
  for (const [page, n] of [[student.page, rS0.framesIn + sT1.framesOut - sT0.framesOut], [teacher.page, rT0.framesIn + sS1.framesOut - sS0.framesOut]] as const) {
    await page.waitForFunction((want) => {
      const s = (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } | null } } }).muse.session.duet?.bufferStats();
      return (s?.framesIn ?? 0) >= want;
    }, n, { timeout: 5000 }).catch(() => {});
  }
  const rS1 = await stats(student.page);
  const rT1 = await stats(teacher.page);
  process.stdout.write(`duet teacher: ${JSON.stringify(rT1)}\nduet student: ${JSON.stringify(rS1)}\n`);
  const rate = (a: Record<string, number>, b: Record<string, number>) => ((b.audioMs - a.audioMs) / (b.pageMs - a.pageMs)).toFixed(4);
  process.stdout.write(`audio clock / page clock over the window: teacher ${rate(rT0, rT1)}, student ${rate(rS0, rS1)}\n`);
  for (const [s0, s1, r0, r1] of [[sT0, sT1, rS0, rS1], [sS0, sS1, rT0, rT1]] as const) {
    // Nothing dropped on the sending side in the window: not by the capture ring (a starved main
    // thread), not given up waiting for the data channel. (Before the window, while both sides
    // re-publish their microphones and renegotiate, a loaded machine can hold the channel for over
    // a second; the totals are printed above.)
    expect(s1.captureDropped - s0.captureDropped).toBe(0);
    expect(s1.framesGivenUp - s0.framesGivenUp).toBe(0);
    // Every packet in the window was read straight off the data channel, not through LiveKit's
    // receive path (see Duet.tapChannels).
    expect(r1.receivedDirect - r0.receivedDirect).toBe(r1.packetsIn - r0.packetsIn);
    expect(r1.packetsIn - r0.packetsIn).toBeGreaterThan(0);
    // Every frame sent in the window arrived (loopback: no network loss).
    expect(s1.framesOut - s0.framesOut).toBeGreaterThan(300);
    expect(r1.framesIn - r0.framesIn).toBeGreaterThanOrEqual(s1.framesOut - s0.framesOut);
    // What the receiver played in the window was mostly the sender's audio, not concealment. The
    // quality figure itself (5 % is where the product falls back to music mode) belongs to
    // bench:duet: on a loaded 2-core machine the main threads' data delivery alone reached 17 %,
    // while a broken buffer conceals 85–100 %.
    const concealed = (r1.concealed - r0.concealed) / (r1.output - r0.output);
    process.stdout.write(`duet concealed share over the window: ${(100 * concealed).toFixed(1)} %\n`);
    expect(concealed).toBeLessThan(0.25);
  }

  // The readouts fill in: a buffer delay and a one-way latency in each direction.
  await student.page.waitForFunction(() => /\d+ ms/.test(document.querySelector('[data-testid=duet-outbound]')?.textContent ?? ''), null, { timeout: 15000 });
  await teacher.page.waitForFunction(() => /\d+ ms/.test(document.querySelector('[data-testid=duet-inbound]')?.textContent ?? ''), null, { timeout: 15000 });
  await teacher.page.screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-teacher.png') });
  await student.page.screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-student.png') });

  // Each side chooses how much jitter its own buffer covers. Both start on "Steady" (the default);
  // the student picks "Tight": that reaches the student's playback worklet while it plays (no
  // restart: the tone goes on), the teacher's buffer stays "Steady", and the choice is remembered
  // in the student's browser.
  expect(await student.page.getByTestId('duet-buffer-mode').getAttribute('data-mode')).toBe('steady');
  const q = (p: Page) => p.evaluate(() => (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().quantile);
  expect(await q(student.page)).toBeCloseTo(0.995, 6);
  // No restart: the same playback worklet plays on (a resync from a stall of this loaded machine is not the choice's doing).
  await student.page.evaluate(() => {
    const w = window as unknown as { muse: { session: { duet: { output: unknown } } }; playbackBefore?: unknown };
    w.playbackBefore = w.muse.session.duet.output;
  });
  await student.page.getByTestId('duet-buffer-tight').click();
  await student.page.waitForFunction(() => (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().quantile < 0.99, null, { timeout: 5000 });
  expect(await q(student.page)).toBeCloseTo(0.97, 6);
  expect(await q(teacher.page)).toBeCloseTo(0.995, 6);
  expect(await student.page.getByTestId('duet-buffer-tight').getAttribute('aria-checked')).toBe('true');
  expect(await student.page.evaluate(() => localStorage.getItem('muse.duetBuffer'))).toBe('tight');
  await duetTone(student.page, 440);
  expect(await student.page.evaluate(() => {
    const w = window as unknown as { muse: { session: { duet: { output: unknown } } }; playbackBefore?: unknown };
    return w.playbackBefore !== undefined && w.muse.session.duet.output === w.playbackBefore;
  })).toBe(true);
  await student.page.getByTestId('duet-buffer-mode').screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-buffer-choice.png') });

  // Off again: WebRTC audio comes back, music mode stays on.
  await teacher.page.getByTestId('duet-toggle').click();
  await student.page.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 10000 });
  await student.page.waitForFunction(() => {
    type S = { room: { remoteParticipants: Map<string, { getTrackPublication(s: string): { isEnabled: boolean } | undefined }> } };
    const s = (window as unknown as { muse: { session: S } }).muse.session;
    return [...s.room.remoteParticipants.values()].every((p) => p.getTrackPublication('microphone')?.isEnabled === true);
  }, null, { timeout: 10000 });
  expect(await student.page.locator('[data-testid=music-mode]').getAttribute('data-on')).toBe('true');
});

test('a path too lossy for playing together: the student side reports it, the teacher side falls back to music mode, and both are told', async () => {
  await teacher.page.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = true));
  // The first test ends with duet off; if it failed half-way, switch it off here so that this one
  // reports its own result, not the first one's.
  if ((await student.page.locator('[data-testid=duet-mode]').getAttribute('data-on')) === 'true') {
    await teacher.page.getByTestId('duet-toggle').click();
    await student.page.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 10000 });
  }
  await student.page.evaluate(() => localStorage.setItem('muse.duetBuffer', 'tight'));
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
  await duetTone(student.page, 440);
  // A buffer choice stored in the browser (the first test checks that a click stores it) is this duet's from the start.
  expect(await student.page.getByTestId('duet-buffer-mode').getAttribute('data-mode')).toBe('tight');
  expect((await stats(student.page)).quantile).toBeCloseTo(0.97, 6);
  // Nine packets in ten from the teacher are lost on their way to the student: the student's buffer conceals
  // most of what it plays, its packets tell the teacher so, and the teacher's side ends duet mode after 3 s of it.
  const lossy = Date.now();
  await student.page.evaluate(() => ((window as unknown as { muse: { session: { duet: { dropInbound: number } } } }).muse.session.duet.dropInbound = 0.9));
  // (The student's "too poor" warning shows while it lasts, which can be only moments before the teacher's side ends
  // duet mode: the test waits for the outcome, and notes whether it saw the warning.)
  let sawPoor: number | null = null;
  void student.page.getByTestId('duet-poor').waitFor({ timeout: 30000 }).then(() => (sawPoor = Date.now() - lossy), () => undefined);
  for (const p of [teacher.page, student.page]) await p.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 30000 });
  const fellBack = Date.now() - lossy;
  process.stdout.write(`duet fallback: the student's side showed the path as poor ${sawPoor === null ? 'too briefly to see' : `after ${sawPoor} ms`}; duet mode off on both sides after ${fellBack} ms\n`);
  // Both are told why, in plain words; music mode stays on, and the WebRTC audio is back.
  await teacher.page.getByTestId('duet-fell-back').waitFor({ timeout: 5000 });
  await student.page.getByTestId('duet-fell-back').waitFor({ timeout: 5000 });
  expect(await student.page.getByTestId('duet-fell-back').textContent()).toMatch(/music mode/i);
  expect(await teacher.page.locator('[data-testid=music-mode]').getAttribute('data-on')).toBe('true');
  await student.page.waitForFunction(() => {
    type S = { room: { remoteParticipants: Map<string, { getTrackPublication(s: string): { isEnabled: boolean } | undefined }> } };
    const s = (window as unknown as { muse: { session: S } }).muse.session;
    return [...s.room.remoteParticipants.values()].every((p) => p.getTrackPublication('microphone')?.isEnabled === true);
  }, null, { timeout: 10000 });
  await student.page.screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-fell-back-student.png') });
});

test('the teacher\'s side ending duet mode as a fallback is told on the student\'s side even when the student heard nothing wrong; a plain switch-off is not', async () => {
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
  // A new duet clears the last one's notice on both sides.
  for (const p of [student.page, teacher.page]) expect(await p.getByTestId('duet-fell-back').count()).toBe(0);
  // What the teacher's side does when its verdict says the path is too poor (watchDuet), here at once.
  await teacher.page.evaluate(() => (window as unknown as { muse: { session: { setDuet(on: boolean, reason?: string): Promise<void> } } }).muse.session.setDuet(false, 'fallback'));
  await student.page.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 10000 });
  await student.page.getByTestId('duet-fell-back').waitFor({ timeout: 5000 });
  expect(await student.page.evaluate(() => (window as unknown as { muse: { session: { roomState: { duetEnded: string | null } } } }).muse.session.roomState.duetEnded)).toBe('fallback');
  // Switched on again and off by the teacher's own click: no fallback notice anywhere.
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 10000 });
  expect(await student.page.evaluate(() => (window as unknown as { muse: { session: { roomState: { duetEnded: string | null } } } }).muse.session.roomState.duetEnded)).toBe('teacher');
  for (const p of [student.page, teacher.page]) expect(await p.getByTestId('duet-fell-back').count()).toBe(0);
});

test('by default duet frames ride RTP: both hear each other through the duet tracks, nothing over the data channel, and WebRTC audio passes the worker unchanged after', async () => {
  const room = `duet-rtp-${Date.now()}`;
  await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher'), openDevRoom(student.page, app.url, room, 'Layla', 'student')]);
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  await teacher.page.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = false));
  // The teacher sends each packet twice (off by default, see DuetOptions.rtpRepeat); the student once.
  const repeat = (on: boolean) => teacher.page.evaluate((v) => Object.assign((window as unknown as { muse: { session: { duetOptions: object } } }).muse.session.duetOptions, { rtpRepeat: v }), on);
  await repeat(true);
  // The student's duet track takes a second longer to publish, as on a loaded machine: longer than
  // the capture ring holds (640 ms), so the ring is full when its packets may start.
  await student.page.evaluate(() => {
    type Lp = { publishTrack(t: unknown, o?: { name?: string }): Promise<unknown> };
    const lp = (window as unknown as { muse: { session: { room: { localParticipant: Lp } } } }).muse.session.room.localParticipant;
    const publish = lp.publishTrack.bind(lp);
    lp.publishTrack = async (t, o) => {
      const pub = await publish(t, o);
      if (o?.name === 'duet') await new Promise((r) => setTimeout(r, 1000));
      return pub;
    };
  });
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
  await repeat(false);
  for (const p of [student.page, teacher.page]) {
    const how = await p.evaluate(() => {
      const d = (window as unknown as { muse: { session: { duet: { carrier: string; rtpPacing: string | null } } } }).muse.session.duet;
      return { carrier: d.carrier, pacing: d.rtpPacing };
    });
    // Chromium has MediaStreamTrackGenerator: packets leave as frames are captured.
    expect(how).toEqual({ carrier: 'rtp', pacing: 'capture' });
  }
  const atStudent = await duetTone(student.page, 440).catch((e) => {
    process.stdout.write(`student logs:\n${student.logs.slice(-20).join('\n')}\n`);
    throw e;
  });
  const atTeacher = await duetTone(teacher.page, 660).catch(async (e) => {
    process.stdout.write(`teacher logs:\n${teacher.logs.slice(-20).join('\n')}\nstudent logs:\n${student.logs.slice(-20).join('\n')}\nstudent stats: ${JSON.stringify(await stats(student.page).catch(String))}; student duet error: ${await student.page.evaluate(() => String((window as unknown as { muse: { session: { duet: { error: string | null } } } }).muse.session.duet.error)).catch(String)}\n`);
    throw e;
  });
  process.stdout.write(`duet in RTP: student hears ${atStudent.hz.toFixed(1)} Hz at ${atStudent.db.toFixed(1)} dB; teacher hears ${atTeacher.hz.toFixed(1)} Hz at ${atTeacher.db.toFixed(1)} dB\n`);
  for (const p of [student.page, teacher.page]) {
    // Three seconds and more of playing (its counters start with this duet).
    await p.waitForFunction(() => {
      const b = (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats();
      return (b.packetsIn ?? 0) > 300 && (b.packetsOut ?? 0) > 200;
    }, null, { timeout: 15000 });
    const s = await stats(p);
    process.stdout.write(`duet in RTP ${p === student.page ? 'student' : 'teacher'}: ${JSON.stringify(s)}\n`);
    // Every duet frame came in RTP: none written to or read off the data channel.
    expect(s.sentDirect).toBe(0);
    expect(s.receivedDirect).toBe(0);
    // A packet each time the worker finds frames captured (each packet, and each repeat, came from
    // one of the worker's writes into the duet track; a write made for a repeat carries new frames
    // when some came meanwhile), each with the 2.5 ms frames captured since the last. The teacher's
    // packets go once more 3–15 ms later, and arrive at the student as duplicates.
    expect(s.paced).toBeGreaterThan(s.packetsOut / 2);
    expect(s.pacerWrites).toBeGreaterThanOrEqual(s.packetsOut + s.packetsRepeated);
    expect(s.packetsOut).toBeGreaterThan(150);
    expect(s.packetsIn).toBeGreaterThan(300);
    expect((s.framesIn + s.framesDuplicate) / s.packetsIn).toBeGreaterThan(2);
    if (p === teacher.page) {
      expect(s.packetsRepeated).toBeGreaterThan(s.packetsOut / 4);
      expect(s.packetsRepeated).toBeLessThanOrEqual(s.packetsOut);
      expect(s.framesDuplicate).toBe(0);
    } else {
      expect(s.packetsRepeated).toBe(0);
      expect(s.framesDuplicate).toBeGreaterThan(s.framesIn / 4);
      // The slow publish (above) happened, and this side's packets flowed after it.
      expect(s.rtpPublishMs).toBeGreaterThan(1000);
    }
    // The receiving clock is known (the sender was found), so the panel's figures are real.
    expect(Number.isFinite(s.transitP50Ms)).toBe(true);
    expect(s.concealed / s.output).toBeLessThan(0.2);
    // Each side publishes its duet track; the other side's is there to be read.
    const names = await p.evaluate(() => {
      type R = { localParticipant: { trackPublications: Map<string, { trackName: string }> }; remoteParticipants: Map<string, { trackPublications: Map<string, { trackName: string }> }> };
      const r = (window as unknown as { muse: { session: { room: R } } }).muse.session.room;
      return { local: [...r.localParticipant.trackPublications.values()].map((t) => t.trackName), remote: [...r.remoteParticipants.values()].flatMap((x) => [...x.trackPublications.values()].map((t) => t.trackName)) };
    });
    expect(names.local).toContain('duet');
    expect(names.remote).toContain('duet');
  }
  // Duet off: the duet track is unpublished and the other side's WebRTC audio, which now passes
  // through the same worker (every remote audio receiver does), is heard again as their note.
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 30000 });
  for (const [p, hz] of [[student.page, 440], [teacher.page, 660]] as const) {
    const heard = await remoteMeter(p, hz);
    process.stdout.write(`after duet in RTP: the other side's tile on the ${p === student.page ? 'student' : 'teacher'}'s page reads ${heard.rmsDb.toFixed(1)} dB RMS, ${heard.hz?.toFixed(1)} Hz\n`);
    expect(heard.rmsDb).toBeGreaterThan(-30);
    expect(Math.abs((heard.hz ?? 0) - hz)).toBeLessThan(5);
    await p.waitForFunction(() => {
      type R = { localParticipant: { trackPublications: Map<string, { trackName: string }> } };
      const r = (window as unknown as { muse: { session: { room: R } } }).muse.session.room;
      return ![...r.localParticipant.trackPublications.values()].some((t) => t.trackName === 'duet');
    }, null, { timeout: 10000 });
  }
});

test("a side that hears nothing of the other's duet frames counts the path as poor after 5 s, and the teacher's side falls back", async () => {
  type S = { duetFallback: boolean; duetDropInbound: number };
  const session = (p: Page, set: Partial<S>) => p.evaluate((v) => Object.assign((window as unknown as { muse: { session: S } }).muse.session, v), set);
  // The previous test left duet off in its RTP room; the student now drops every duet packet on arrival.
  await session(teacher.page, { duetFallback: true });
  await session(student.page, { duetDropInbound: 1 });
  try {
    await teacher.page.getByTestId('duet-toggle').click();
    for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    const on = Date.now();
    // The teacher hears the student; only the student's verdict, carried in its packets, can end it.
    for (const p of [teacher.page, student.page]) await p.locator('[data-testid=duet-mode][data-on=false]').waitFor({ timeout: 30000 });
    const off = Date.now() - on;
    process.stdout.write(`duet, nothing arriving at the student: duet mode off on both sides ${off} ms after it was running\n`);
    expect(off).toBeGreaterThan(5000);
    await teacher.page.getByTestId('duet-fell-back').waitFor({ timeout: 5000 });
    await student.page.getByTestId('duet-fell-back').waitFor({ timeout: 5000 });
  } finally {
    await session(student.page, { duetDropInbound: 0 });
  }
});

test('a listener on Tight whose sound needs too much repair is moved to Steady, told so, and the stored choice is kept', async () => {
  type S = { duetFallback: boolean; duetDropInbound: number };
  const session = (p: Page, set: Partial<S>) => p.evaluate((v) => Object.assign((window as unknown as { muse: { session: S } }).muse.session, v), set);
  // One packet in eight from the teacher is lost on its way to the student (10 ms of sound each, over 3 % of it);
  // the path stays on (no fallback) so that only the buffer's move is seen.
  await session(teacher.page, { duetFallback: false });
  await session(student.page, { duetDropInbound: 0.125 });
  await student.page.evaluate(() => localStorage.setItem('muse.duetBuffer', 'tight'));
  try {
    await teacher.page.getByTestId('duet-toggle').click();
    for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    expect(await student.page.getByTestId('duet-buffer-mode').getAttribute('data-mode')).toBe('tight');
    const t0 = Date.now();
    await student.page.getByTestId('duet-auto-steady').waitFor({ timeout: 20000 });
    process.stdout.write(`duet, 1 packet in 8 lost at the student: moved to Steady after ${Date.now() - t0} ms\n`);
    expect(await student.page.getByTestId('duet-buffer-mode').getAttribute('data-mode')).toBe('steady');
    await student.page.waitForFunction(() => (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().quantile > 0.99, null, { timeout: 5000 });
    // A move made for this duet, not the listener's choice: the stored choice stays Tight.
    expect(await student.page.evaluate(() => localStorage.getItem('muse.duetBuffer'))).toBe('tight');
    await student.page.getByTestId('duet-mode').screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-auto-steady.png') });
    // Choosing Tight again is the listener's word: no move back for the rest of this duet.
    await student.page.getByTestId('duet-buffer-tight').click();
    await student.page.waitForTimeout(5000);
    expect(await student.page.getByTestId('duet-buffer-mode').getAttribute('data-mode')).toBe('tight');
    expect(await student.page.getByTestId('duet-auto-steady').count()).toBe(0);
  } finally {
    await session(student.page, { duetDropInbound: 0 });
    if ((await teacher.page.locator('[data-testid=duet-mode]').getAttribute('data-on')) === 'true') await teacher.page.getByTestId('duet-toggle').click();
  }
});

test('a lesson with a browser that cannot read duet frames in RTP: both sides carry them on the data channel, and each hears the other', async () => {
  // The student's browser as one without WebRTC Encoded Transform (Chrome and Edge before 141):
  // a fresh page whose RTCRtpScriptTransform is gone before the app's code runs.
  const page = await studentPageWithout('RTCRtpScriptTransform');
  try {
    expect(await student.page.evaluate(() => typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform)).toBe('function');
    const room = `duet-mixed-${Date.now()}`;
    await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher'), openDevRoom(page, app.url, room, 'Layla', 'student')]);
    await joinAndWaitConnected(teacher.page);
    await joinAndWaitConnected(page);
    // What each side told the room when joining (the participant attribute our server put in its token).
    const attr = (p: Page) => p.evaluate(() => [...(window as unknown as { muse: { session: { room: { remoteParticipants: Map<string, { attributes: Record<string, string> }> } } } }).muse.session.room.remoteParticipants.values()].map((x) => x.attributes.duetRtp ?? null));
    expect(await attr(page)).toEqual(['1']);
    expect(await attr(teacher.page)).toEqual([null]);
    await teacher.page.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = false));
    await teacher.page.getByTestId('duet-toggle').click();
    for (const p of [page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    expect(await carrierOf(teacher.page)).toBe('data');
    expect(await carrierOf(page)).toBe('data');
    const atStudent = await duetTone(page, 440);
    const atTeacher = await duetTone(teacher.page, 660);
    process.stdout.write(`duet, mixed lesson: student hears ${atStudent.hz.toFixed(1)} Hz at ${atStudent.db.toFixed(1)} dB; teacher hears ${atTeacher.hz.toFixed(1)} Hz at ${atTeacher.db.toFixed(1)} dB\n`);
    for (const p of [page, teacher.page]) {
      await p.waitForFunction(() => ((window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().packetsIn ?? 0) > 300, null, { timeout: 15000 });
      const s = await stats(p);
      process.stdout.write(`duet, mixed lesson, ${p === page ? 'student' : 'teacher'}: sent ${s.sentDirect} and read ${s.receivedDirect} packets straight on the data channel, ${s.packetsIn} in\n`);
      // Written straight onto the data channel and read straight off it, both ways; no duet track.
      expect(s.sentDirect).toBeGreaterThan(200);
      expect(s.receivedDirect).toBeGreaterThan(200);
      const local = await p.evaluate(() => [...(window as unknown as { muse: { session: { room: { localParticipant: { trackPublications: Map<string, { trackName: string }> } } } } }).muse.session.room.localParticipant.trackPublications.values()].map((t) => t.trackName));
      expect(local).not.toContain('duet');
    }
  } finally {
    if ((await teacher.page.locator('[data-testid=duet-mode]').getAttribute('data-on').catch(() => null)) === 'true') await teacher.page.getByTestId('duet-toggle').click();
    await page.close();
  }
});

test('a browser with Encoded Transform but no MediaStreamTrackGenerator sends duet RTP at WebRTC\'s 10 ms steps, and both still hear each other', async () => {
  // Firefox and Safari have RTCRtpScriptTransform but not Chromium's MediaStreamTrackGenerator.
  const page = await studentPageWithout('MediaStreamTrackGenerator');
  try {
    const room = `duet-tick-${Date.now()}`;
    await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher'), openDevRoom(page, app.url, room, 'Layla', 'student')]);
    await joinAndWaitConnected(teacher.page);
    await joinAndWaitConnected(page);
    await teacher.page.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = false));
    await teacher.page.getByTestId('duet-toggle').click();
    for (const p of [page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    const how = (p: Page) => p.evaluate(() => {
      const d = (window as unknown as { muse: { session: { duet: { carrier: string; rtpPacing: string | null } } } }).muse.session.duet;
      return { carrier: d.carrier, pacing: d.rtpPacing };
    });
    expect(await how(page)).toEqual({ carrier: 'rtp', pacing: 'tick' });
    expect(await how(teacher.page)).toEqual({ carrier: 'rtp', pacing: 'capture' });
    await duetTone(page, 440);
    await duetTone(teacher.page, 660);
    for (const p of [page, teacher.page]) await p.waitForFunction(() => ((window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().packetsIn ?? 0) > 300, null, { timeout: 15000 });
    const st = await stats(page);
    const te = await stats(teacher.page);
    process.stdout.write(`duet in RTP, tick-paced student: ${st.packetsOut} packets out (${st.paced} paced writes), ${(st.framesOut / st.packetsOut).toFixed(2)} frames each; capture-paced teacher: ${te.packetsOut} out (${te.paced} writes)\n`);
    // No writes of its own: WebRTC's 10 ms steps made its packets, up to four 2.5 ms frames each.
    expect(st.paced).toBe(0);
    expect(st.packetsOut).toBeGreaterThan(250);
    expect(st.framesOut / st.packetsOut).toBeGreaterThan(2.5);
    expect(st.framesOut / st.packetsOut).toBeLessThanOrEqual(4);
    expect(te.pacerWrites).toBeGreaterThanOrEqual(te.packetsOut);
    for (const s of [st, te]) expect(s.sentDirect).toBe(0);
  } finally {
    if ((await teacher.page.locator('[data-testid=duet-mode]').getAttribute('data-on').catch(() => null)) === 'true') await teacher.page.getByTestId('duet-toggle').click();
    await page.close();
  }
});

test('a student who rejoins during duet mode in a browser that cannot read RTP: the teacher moves to the data channel, and back when they return', async () => {
  const room = `duet-rejoin-${Date.now()}`;
  await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher'), openDevRoom(student.page, app.url, room, 'Layla', 'student')]);
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  await teacher.page.evaluate(() => ((window as unknown as { muse: { session: { duetFallback: boolean } } }).muse.session.duetFallback = false));
  await teacher.page.getByTestId('duet-toggle').click();
  for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
  expect([await carrierOf(teacher.page), await carrierOf(student.page)]).toEqual(['rtp', 'rtp']);
  const restarts = () => teacher.page.evaluate(() => (window as unknown as { muse: { session: { duetRestarts: number } } }).muse.session.duetRestarts);
  // The student comes back in a browser without Encoded Transform, duet mode still on.
  const page = await studentPageWithout('RTCRtpScriptTransform');
  try {
    await openDevRoom(page, app.url, room, 'Layla', 'student');
    await joinAndWaitConnected(page);
    await page.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    await teacher.page.waitForFunction(() => (window as unknown as { muse: { session: { duet: { carrier: string; running: boolean } | null } } }).muse.session.duet?.carrier === 'data', null, { timeout: 15000 });
    expect(await carrierOf(page)).toBe('data');
    expect(await restarts()).toBe(1);
    const atStudent = await duetTone(page, 440);
    const atTeacher = await duetTone(teacher.page, 660);
    process.stdout.write(`duet, student back without Encoded Transform: student hears ${atStudent.hz.toFixed(1)} Hz, teacher ${atTeacher.hz.toFixed(1)} Hz, both on the data channel\n`);
    // The teacher is told nothing went wrong: the duet went on, on the other carrier.
    expect(await teacher.page.getByTestId('duet-fell-back').count()).toBe(0);
    const s = await stats(teacher.page);
    expect(s.receivedDirect + s.packetsIn).toBeGreaterThan(0);
    expect(s.sentDirect).toBeGreaterThan(0);
  } finally {
    await page.close();
  }
  // And back in a browser that reads RTP: the teacher returns to RTP.
  await openDevRoom(student.page, app.url, room, 'Layla', 'student');
  await joinAndWaitConnected(student.page);
  await student.page.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
  await teacher.page.waitForFunction(() => (window as unknown as { muse: { session: { duet: { carrier: string } | null } } }).muse.session.duet?.carrier === 'rtp', null, { timeout: 15000 });
  expect(await carrierOf(student.page)).toBe('rtp');
  expect(await restarts()).toBe(2);
  await duetTone(student.page, 440);
  await duetTone(teacher.page, 660);
  await teacher.page.getByTestId('duet-toggle').click();
});

test('Opus in RTP (?duet=opus-120-rtp): libopus in the worker, each packet repeating the one before, so a dropped packet\'s frames still arrive', async () => {
  const room = `duet-opus-rtp-${Date.now()}`;
  const opus = '&duet=opus-120-rtp';
  await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher', opus), openDevRoom(student.page, app.url, room, 'Layla', 'student', opus)]);
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  // A fifth of the student's packets are dropped as they reach the teacher.
  await teacher.page.evaluate(() => Object.assign((window as unknown as { muse: { session: object } }).muse.session, { duetFallback: false, duetDropInbound: 0.2 }));
  await teacher.page.getByTestId('duet-toggle').click();
  try {
    for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    for (const p of [student.page, teacher.page]) {
      expect(await p.evaluate(() => {
        const d = (window as unknown as { muse: { session: { duet: { carrier: string; codec: string } } } }).muse.session.duet;
        return `${d.codec} in ${d.carrier}`;
      })).toBe('opus in rtp');
    }
    const atStudent = await duetTone(student.page, 440);
    const atTeacher = await duetTone(teacher.page, 660);
    for (const p of [student.page, teacher.page]) {
      await p.waitForFunction(() => {
        const b = (window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats();
        return (b.packetsIn ?? 0) > 300 && (b.packetsOut ?? 0) > 200;
      }, null, { timeout: 15000 });
    }
    const te = await stats(teacher.page);
    const st = await stats(student.page);
    process.stdout.write(`duet, Opus in RTP: student hears ${atStudent.hz.toFixed(1)} Hz, teacher ${atTeacher.hz.toFixed(1)} Hz; teacher (a fifth of packets dropped): ${te.framesIn} frames in, ${te.framesRecovered} from a later packet's repeat, ${(100 * te.concealed / te.output).toFixed(1)} % concealed; student: ${st.framesIn} in, ${st.framesDuplicate} repeats already heard; ` +
      `libopus in the worker per 2.5 ms frame: encode ${(te.encodeMs * 1000).toFixed(1)} / ${(st.encodeMs * 1000).toFixed(1)} µs, decode ${(te.rtpDecodeMs * 1000).toFixed(1)} / ${(st.rtpDecodeMs * 1000).toFixed(1)} µs; instantiated and warmed up in ${te.opusWarmMs.toFixed(1)} / ${st.opusWarmMs.toFixed(1)} ms as the page joined (teacher / student)\n`);
    for (const s of [te, st]) {
      expect(s.undecodable).toBe(0);
      // libopus was instantiated and warmed up in the worker ahead of the packets (as the page joined).
      expect(s.opusWarmMs).toBeGreaterThan(0);
      expect(s.sentDirect).toBe(0);
      // Measured, and far inside real time: a frame is 2.5 ms of sound.
      for (const ms of [s.encodeMs, s.rtpDecodeMs]) {
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThan(0.5);
      }
    }
    // Without the repeat a dropped packet's frames never arrive: here most come with the next packet
    // (in time to be played if the listener's buffer is a packet deep: see the README).
    expect(te.framesRecovered).toBeGreaterThan(te.framesIn * 0.1);
    // Nothing dropped on the way to the student: each frame arrives twice, the second time already heard.
    expect(st.framesDuplicate).toBeGreaterThan(st.framesIn * 0.5);
    expect(st.framesRecovered).toBeLessThan(st.framesIn * 0.05);
  } finally {
    await teacher.page.evaluate(() => Object.assign((window as unknown as { muse: { session: object } }).muse.session, { duetDropInbound: 0 }));
    if ((await teacher.page.locator('[data-testid=duet-mode]').getAttribute('data-on').catch(() => null)) === 'true') await teacher.page.getByTestId('duet-toggle').click();
  }
});

test('a listener on Steady that still repairs over 1 % asks for repeats: the other side switches to Opus in RTP, and the lost packets come back', async () => {
  const room = `duet-ask-${Date.now()}`;
  await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher'), openDevRoom(student.page, app.url, room, 'Layla', 'student')]);
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  // The teacher listens on Steady over a path that loses a tenth of the student's packets; the
  // student listens on Tight (which never asks), so only one side asks.
  await teacher.page.evaluate(() => Object.assign((window as unknown as { muse: { session: object } }).muse.session, { duetFallback: false, duetDropInbound: 0.1 }));
  await student.page.evaluate(() => localStorage.setItem('muse.duetBuffer', 'tight'));
  await teacher.page.getByTestId('duet-toggle').click();
  try {
    for (const p of [student.page, teacher.page]) await p.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 45000 });
    await teacher.page.evaluate(() => (window as unknown as { muse: { session: { duet: { chooseBuffer(m: string): void } } } }).muse.session.duet.chooseBuffer('steady'));
    // Both start with PCM (the default); once past its first 8 s, with Steady repairing a tenth over the last 4 s, the teacher asks.
    await teacher.page.waitForFunction(() => (window as unknown as { muse: { session: { duet: { askingRepeat: boolean } } } }).muse.session.duet.askingRepeat, null, { timeout: 20000 });
    const before = await stats(teacher.page);
    await student.page.waitForFunction(() => ((window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().opusOut ?? 0) > 200, null, { timeout: 15000 });
    // A tenth of 400 packets a second is lost, each recoverable from the next: give the recovered count time to pass 50
    // (a loaded CI run counted 85 after a fixed 2 s).
    await teacher.page.waitForFunction(() => ((window as unknown as { muse: { session: { duet: { bufferStats(): Record<string, number> } } } }).muse.session.duet.bufferStats().framesRecovered ?? 0) > 100, null, { timeout: 10000 }).catch(() => {});
    const te = await stats(teacher.page);
    const st = await stats(student.page);
    process.stdout.write(`duet, repeats asked: before the ask ${before.framesRecovered} frames recovered; after it the student sent ${st.opusOut} of ${st.packetsOut} packets as Opus, the teacher recovered ${te.framesRecovered} of ${te.framesIn} frames; the teacher, not asked, sent ${te.opusOut} Opus packets; the teacher asked ${te.askedAtS} s into the duet\n`);
    // Not before the buffer's first 8 s (its start's repairs are not loss).
    expect(te.askedAtS).toBeGreaterThanOrEqual(8);
    expect(before.framesRecovered).toBe(0);
    expect(te.framesRecovered).toBeGreaterThan(50);
    expect(te.undecodable).toBe(0);
    // Only the asking listener's partner switches: the teacher, not asked, goes on with PCM.
    expect(te.opusOut).toBe(0);
    expect(st.askingRepeat).toBe(0);
    await duetTone(teacher.page, 660);
  } finally {
    await teacher.page.evaluate(() => {
      Object.assign((window as unknown as { muse: { session: object } }).muse.session, { duetDropInbound: 0 });
      localStorage.removeItem('muse.duetBuffer'); // the choice made above is remembered in this browser
    });
    await student.page.evaluate(() => localStorage.removeItem('muse.duetBuffer'));
    if ((await teacher.page.locator('[data-testid=duet-mode]').getAttribute('data-on').catch(() => null)) === 'true') await teacher.page.getByTestId('duet-toggle').click();
  }
});
