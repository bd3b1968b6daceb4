// A lesson over a simulated Seoul–Abu Dhabi link (scripts/lib/netns.ts): livekit-server and the
// two browsers in their own network namespaces, 60 ms one way between the browsers, jitter and
// loss. Music mode must still carry each side's tone, the latency probe must see the distance,
// and a participant whose network drops for 20 s must come back by itself.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type NetLesson, startNetLesson } from './harness/netlesson';
import { waitForRemoteTone } from './harness/browser';
import { joinAndWaitConnected, measureProbe, openDevRoom } from './harness/lesson';
import { spareLiveKit } from './harness/ports';
import { netLabUnavailable, SEOUL_ABU_DHABI } from '../../scripts/lib/netns';

const PORTS = spareLiveKit(5);
/** One-way delay between the two browsers: both access links. */
const ONE_WAY_MS = 2 * SEOUL_ABU_DHABI.delayMs;

const SHOTS = path.join(process.cwd(), 'test-results');
/** How long the student's network is cut in the drop test: longer than the SFU waits before it removes a
 *  participant whose network went silent (ICE fails after 15 s, the participant is closed 5 s later). */
const DROP_MS = 26000;
/** How long either side may take to notice the drop (the student's ping timeout is 15 s; the SFU's removal ~20 s). */
const NOTICE_MS = 24000;

let lesson: NetLesson;

beforeAll(async () => {
  // Not root or no namespaces: fail with the reason (CI runs as root), never skip.
  const why = netLabUnavailable();
  if (why) throw new Error(`network.spec.ts cannot build its simulated network: ${why}`);
  mkdirSync(SHOTS, { recursive: true });
  lesson = await startNetLesson({ teacher: SEOUL_ABU_DHABI, student: SEOUL_ABU_DHABI, ports: PORTS });
}, 90000);

afterAll(async () => {
  await lesson?.stop();
});

async function dumpLogs(): Promise<void> {
  if (!lesson) return;
  process.stderr.write(`teacher console:\n${lesson.teacher.logs.slice(-20).join('\n')}\nstudent console:\n${lesson.student.logs.slice(-20).join('\n')}\n`);
  for (const [who, p] of [['teacher', lesson.teacher.page], ['student', lesson.student.page]] as const) {
    const text = await p.locator('main').innerText({ timeout: 2000 }).catch((e: Error) => e.message);
    process.stderr.write(`${who} page: ${text.replace(/\s+/g, ' ').slice(0, 400)}\n`);
  }
}

/** The remote address of the selected ICE pair carrying the other side's audio. */
function selectedRemote(page: NetLesson['teacher']['page']): Promise<string> {
  return page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const s = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const report = await s.peers.find((p) => !p.isLocal && p.audio)?.audio?.getRTCStatsReport();
    let remote = 'none';
    report?.forEach((st: RTCStats & Record<string, unknown>) => {
      if (st.type === 'candidate-pair' && st.nominated && st.state === 'succeeded') {
        const r = report.get(st.remoteCandidateId as string) as { address?: string; port?: number; protocol?: string } | undefined;
        remote = `${r?.protocol}:${r?.address}:${r?.port}`;
      }
    });
    return remote;
  });
}

/** Both join a new room, the teacher turns music mode on, and each hears the other's tone. */
async function musicLesson(room: string) {
  const { teacher, student, appUrl } = lesson;
  await Promise.all([openDevRoom(teacher.page, appUrl, room, 'Mina Park', 'teacher'), openDevRoom(student.page, appUrl, room, 'Layla', 'student')]);
  // Over a lossy, distant link a join can need a retry of its signalling or ICE (a lost SYN alone costs 1 s): a
  // person waits longer than on loopback, and so does the test.
  const joined = [await joinAndWaitConnected(teacher.page, 45000), await joinAndWaitConnected(student.page, 45000)];
  process.stdout.write(`joined over the emulated link in ${joined.join(' and ')} ms\n`);
  await teacher.page.getByTestId('music-toggle').click();
  await Promise.all([teacher, student].map((p) => p.page.locator('[data-testid=music-mode][data-applied=music]').waitFor({ timeout: 15000 })));
  return Promise.all([waitForRemoteTone(student.page, 440, 8, 20000), waitForRemoteTone(teacher.page, 660, 8, 20000)]);
}

/** Round-trip time of the selected ICE pair (browser ↔ SFU), s, as the browser's STUN checks measure it. */
function iceRtt(page: NetLesson['teacher']['page']): Promise<number | null> {
  return page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const s = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const report = await s.peers.find((p) => !p.isLocal && p.audio)?.audio?.getRTCStatsReport();
    let rtt: number | null = null;
    report?.forEach((st: RTCStats & Record<string, unknown>) => {
      if (st.type === 'candidate-pair' && st.nominated && st.state === 'succeeded' && typeof st.currentRoundTripTime === 'number') rtt = st.currentRoundTripTime;
    });
    return rtt;
  });
}

test('over the Seoul–Abu Dhabi link, in music mode, both hear each other and the probe sees the distance', async () => {
  const { teacher, student, appUrl, lab } = lesson;
  try {
    const [heardByStudent, heardByTeacher] = await musicLesson(`net-${Date.now()}`);
    expect(Math.abs(heardByStudent.hz - 440)).toBeLessThanOrEqual(8);
    expect(Math.abs(heardByTeacher.hz - 660)).toBeLessThanOrEqual(8);

    // Media goes through the emulated link, nowhere else: the SFU as the browsers see it is the front address.
    // (A track re-published moments ago may not list its selected pair in its stats yet: ask again for a few seconds.)
    let remote = await selectedRemote(teacher.page);
    for (let i = 0; i < 25 && remote === 'none'; i++) {
      await teacher.page.waitForTimeout(200);
      remote = await selectedRemote(teacher.page);
    }
    expect(remote).toBe(`udp:${lab.frontIp}:${PORTS.udpPort}`);
    // The emulated delay applies: the teacher's own link to the SFU has a 60 ms round trip (loopback: under 5 ms).
    // (A pair's currentRoundTripTime appears with its first STUN response after selection: ask again too.
    // A clean-clone CI run read none just after the pair was listed.)
    let rtt = await iceRtt(teacher.page);
    for (let i = 0; i < 25 && rtt === null; i++) {
      await teacher.page.waitForTimeout(200);
      rtt = await iceRtt(teacher.page);
    }
    process.stdout.write(`teacher ↔ SFU ICE round trip: ${rtt === null ? 'n/a' : (rtt * 1000).toFixed(1)} ms\n`);
    expect(rtt).not.toBeNull();
    expect(rtt!).toBeGreaterThanOrEqual((2 * SEOUL_ABU_DHABI.delayMs - 2 * SEOUL_ABU_DHABI.jitterMs) / 1000);

    // On a loaded machine the other side's probe track can take longer than the probe waits
    // (10 s); a person would press Measure again, and so does the test, once.
    const measure = () => measureProbe(teacher.page, 8);
    let measured = await measure();
    if ('error' in measured) {
      process.stdout.write(`latency probe, first try: ${measured.error}; measuring again\n`);
      measured = await measure();
    }
    if ('error' in measured) throw new Error(`latency probe failed twice: ${measured.error}`);
    const result = measured;
    process.stdout.write(
      `Seoul–Abu Dhabi link (${ONE_WAY_MS} ms one way emulated, ±${SEOUL_ABU_DHABI.jitterMs} ms, ${SEOUL_ABU_DHABI.lossPct} % loss a link): ` +
        `probe one-way median ${result.medianMs.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms, ${result.samples.length} clicks, ` +
        `concealed ${result.concealedPct.toFixed(2)} %; emulator lost ${lesson.emulator.stats.udpLost} of ${lesson.emulator.stats.udpIn + lesson.emulator.stats.udpOut} packets\n`,
    );
    expect(result.samples.length).toBeGreaterThanOrEqual(4);
    // The probe's figure includes the emulated delay (and the codecs' and jitter buffers' own).
    expect(result.medianMs).toBeGreaterThan(ONE_WAY_MS);
    // The emulator really dropped packets, as a lossy path does.
    expect(lesson.emulator.stats.udpLost).toBeGreaterThan(0);
  } catch (err) {
    await dumpLogs();
    throw err;
  }
});

test('the student\'s network drops for 26 s: the teacher is told, keeps being told after the SFU removes the student, and the lesson resumes by itself', async () => {
  const { teacher, student, lab } = lesson;
  try {
    await musicLesson(`drop-${Date.now()}`);
    lab.setLink('s', false);
    const cut = Date.now();
    // The student's own screen says the connection is lost and being restored.
    const banner = student.page.locator('[data-testid=connection][data-state=reconnecting]');
    await banner.waitFor({ timeout: NOTICE_MS });
    expect(await banner.textContent()).toContain('Reconnecting');
    const studentSawMs = Date.now() - cut;
    // The teacher's tile for the student says their connection dropped.
    const badge = teacher.page.locator('[data-testid=participant][data-local=false] [data-testid=peer-connection][data-state=lost]');
    await badge.waitFor({ timeout: NOTICE_MS });
    const teacherSawMs = Date.now() - cut;
    expect(await badge.textContent()).toContain('Layla');
    for (const vp of [{ width: 1024, height: 768 }, { width: 1440, height: 900 }]) {
      await teacher.page.setViewportSize(vp);
      await teacher.page.screenshot({ path: path.join(SHOTS, `network-drop-teacher-${vp.width}.png`) });
    }
    await student.page.screenshot({ path: path.join(SHOTS, 'network-drop-student.png') });
    // The same notice in Korean.
    const lang = teacher.page.getByRole('button', { name: 'Language / 언어' });
    await lang.click();
    expect(await badge.textContent()).toContain('Layla 님의 연결이 끊겼습니다');
    await teacher.page.setViewportSize({ width: 1024, height: 768 });
    await teacher.page.screenshot({ path: path.join(SHOTS, 'network-drop-teacher-ko-1024.png') });
    await lang.click();
    await teacher.page.setViewportSize({ width: 1280, height: 800 });

    // The SFU removes the silent student ~20 s into the drop (a connection timeout, not a leave): the
    // teacher must still see who dropped, not "waiting for the other side to join".
    const removed = () => teacher.logs.some((l) => l.includes('participant dropped') && l.includes('CONNECTION_TIMEOUT'));
    while (!removed() && Date.now() - cut < DROP_MS) await new Promise((r) => setTimeout(r, 250));
    const removedMs = Date.now() - cut;
    expect(removed()).toBe(true);
    await teacher.page.waitForTimeout(500);
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toContain('Layla');
    expect(await teacher.page.getByText('Waiting for the other side to join').count()).toBe(0);
    // Nothing to measure against while the student is away.
    expect(await teacher.page.locator('[data-testid=latency-measure]').isDisabled()).toBe(true);
    await teacher.page.screenshot({ path: path.join(SHOTS, 'network-drop-teacher-removed.png') });

    await new Promise((r) => setTimeout(r, Math.max(0, cut + DROP_MS - Date.now())));
    lab.setLink('s', true);
    const back = Date.now();
    const [s, t] = await Promise.all([waitForRemoteTone(student.page, 440, 8, 60000), waitForRemoteTone(teacher.page, 660, 8, 60000)]);
    process.stdout.write(
      `${DROP_MS / 1000} s drop of the student's link: student saw "reconnecting" after ${studentSawMs} ms, teacher saw "connection dropped" after ${teacherSawMs} ms, ` +
        `the SFU removed the student after ${removedMs} ms (the teacher's notice stayed); ` +
        `after the link returned, the student heard the teacher again after ${Math.round(s.elapsedMs)} ms, the teacher the student after ${Math.round(t.elapsedMs)} ms (${Date.now() - back} ms for both)\n`,
    );
    for (const p of [teacher, student]) await p.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20000 });
    await teacher.page.locator('[data-testid=peer-connection]').waitFor({ state: 'detached', timeout: 20000 });
  } catch (err) {
    await dumpLogs();
    throw err;
  } finally {
    lab.setLink('s', true);
  }
});
