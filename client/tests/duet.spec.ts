// Duet mode end to end: the teacher's switch reaches the student, both sides' WebRTC audio is
// stopped at the SFU, and each hears the other's tone through the data path: capture worklet →
// 16-bit PCM (the default, see README) → LiveKit lossy data packets → decoder → wasm jitter buffer → playback worklet.
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

test('the teacher switches duet mode on; both hear each other through the data path, not WebRTC audio', async () => {
  const room = `duet-${Date.now()}`;
  await Promise.all([openDevRoom(teacher.page, app.url, room, 'Mina Park', 'teacher'), openDevRoom(student.page, app.url, room, 'Layla', 'student')]);
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  expect(await student.page.getByTestId('duet-toggle').count()).toBe(0); // no switch for the student

  await teacher.page.getByTestId('duet-toggle').click();
  await student.page.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 15000 });
  await teacher.page.locator('[data-testid=duet-mode][data-on=true][data-running=true]').waitFor({ timeout: 15000 });
  // Duet mode implies music mode's capture (no processing).
  await student.page.locator('[data-testid=music-mode][data-applied=music]').waitFor({ timeout: 15000 });

  const atStudent = await duetTone(student.page, 440).catch((e) => {
    process.stdout.write(`student logs:\n${student.logs.slice(-20).join('\n')}\nteacher logs:\n${teacher.logs.slice(-20).join('\n')}\n`);
    throw e;
  });
  const atTeacher = await duetTone(teacher.page, 660);
  process.stdout.write(`duet: student hears ${atStudent.hz.toFixed(1)} Hz at ${atStudent.db.toFixed(1)} dB (${JSON.stringify(atStudent.stats)}); teacher hears ${atTeacher.hz.toFixed(1)} Hz (${JSON.stringify(atTeacher.stats)})\n`);
  for (const r of [atStudent, atTeacher]) {
    expect(r.codec).toBe('pcm');
    expect(r.stats.received).toBeGreaterThan(50);
    // The WebRTC audio of the other side is off at the SFU: the tone can only have come as data.
    expect(r.remoteAudioEnabled).toEqual([false]);
  }
  // The readouts fill in: a buffer delay and a one-way latency in each direction.
  await student.page.waitForFunction(() => /\d+ ms/.test(document.querySelector('[data-testid=duet-outbound]')?.textContent ?? ''), null, { timeout: 15000 });
  await teacher.page.waitForFunction(() => /\d+ ms/.test(document.querySelector('[data-testid=duet-inbound]')?.textContent ?? ''), null, { timeout: 15000 });
  await teacher.page.screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-teacher.png') });
  await student.page.screenshot({ path: path.join(process.cwd(), 'test-results', 'duet-student.png') });

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
