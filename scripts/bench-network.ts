// npm run bench:network [-- --json FILE] [--seconds N]
// Music mode over the simulated Seoul–Abu Dhabi link (scripts/lib/netns.ts: namespaces, 60 ms one
// way between the browsers, jitter, ~2 % loss end to end), with RED on and off and with several
// receive jitter-buffer targets: one-way latency from the product's latency probe (median, p95),
// the share of received samples the jitter buffer had to conceal, and audible glitches (concealment
// events) per minute, both directions. The baseline of the same run: the same browsers, SFU and path
// with the emulator set to no delay and no loss. Needs root (network namespaces), like the test.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Page } from 'playwright-core';
import { joinAndWaitConnected, measureProbe, openDevRoom } from '../client/tests/harness/lesson';
import { type NetLesson, startNetLesson } from '../client/tests/harness/netlesson';
import { type LinkProfile, NO_IMPAIRMENT, netLabUnavailable, SEOUL_ABU_DHABI } from './lib/netns';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : null);
const jsonOut = arg('--json');
// Our server's request log would bury the table.
process.env.MUSE_LOG_LEVEL ??= 'warn';
/** Length of each condition, s: long enough for ~2 % loss to show (≈ 2000 packets each way). */
const SECONDS = Number(arg('--seconds') ?? 40);
/** Each condition runs in this many interleaved stretches (A B C … A B C …), so a burst of load on this shared machine does not land on one condition only. */
const ROUNDS = Number(arg('--rounds') ?? 2);
const PORTS = { port: 17960, udpPort: 17962 };

/**
 * One measured condition. `path` is how the music travels: 'music' is music mode's Opus track.
 * Duet mode over the same simulated link is measured by bench:duet --link seoul.
 */
interface Condition {
  label: string;
  link: LinkProfile;
  path: 'music';
  red: boolean;
  /** Receive jitter-buffer target, ms; null = WebRTC's adaptive default. */
  jitterBufferMs: number | null;
}

const CONDITIONS: Condition[] = [
  { label: 'no impairment, RED on, JB default', link: NO_IMPAIRMENT, path: 'music', red: true, jitterBufferMs: null },
  { label: 'Seoul–Abu Dhabi, RED on, JB default', link: SEOUL_ABU_DHABI, path: 'music', red: true, jitterBufferMs: null },
  { label: 'Seoul–Abu Dhabi, RED off, JB default', link: SEOUL_ABU_DHABI, path: 'music', red: false, jitterBufferMs: null },
  { label: 'Seoul–Abu Dhabi, RED on, JB 20 ms', link: SEOUL_ABU_DHABI, path: 'music', red: true, jitterBufferMs: 20 },
  { label: 'Seoul–Abu Dhabi, RED on, JB 60 ms', link: SEOUL_ABU_DHABI, path: 'music', red: true, jitterBufferMs: 60 },
  { label: 'Seoul–Abu Dhabi, RED off, JB 60 ms', link: SEOUL_ABU_DHABI, path: 'music', red: false, jitterBufferMs: 60 },
];

interface Row {
  condition: string;
  red: boolean;
  jitterBufferMs: number | null;
  latencyMedianMs: number | null;
  latencyP95Ms: number | null;
  clicks: number;
  /** concealedSamples / totalSamplesReceived of the music tracks, both directions, %. */
  concealedPct: number;
  /** concealmentEvents per minute, both directions added. */
  glitchesPerMin: number;
  /** Mean jitter-buffer delay of the music tracks, ms (what the target did). */
  jitterBufferDelayMs: number;
  seconds: number;
  /** This machine's 1-minute load average during the condition (2 cores: above ~2 the audio threads wait). */
  load: number;
}

/** What one stretch of a condition counted; stretches of a condition are added up. */
interface Part {
  samples: number[];
  d: Inbound;
  seconds: number;
  load: number;
}

interface Inbound {
  concealed: number;
  total: number;
  events: number;
  jbDelay: number;
  jbEmitted: number;
}

/** Summed inbound-rtp stats of this page's received microphone tracks (probe tracks excluded). */
function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(async () => {
    type Pub = { trackName: string; source: string; track?: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } };
    type Room = { remoteParticipants: Map<string, { trackPublications: Map<string, Pub> }> };
    const room = (window as unknown as { muse: { session: { room: Room } } }).muse.session.room;
    const out = { concealed: 0, total: 0, events: 0, jbDelay: 0, jbEmitted: 0 };
    for (const p of room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.source !== 'microphone' || !pub.track) continue;
        const report = await pub.track.getRTCStatsReport();
        report?.forEach((st: RTCStats & Record<string, number>) => {
          if (st.type !== 'inbound-rtp') return;
          out.concealed += st.concealedSamples ?? 0;
          out.total += st.totalSamplesReceived ?? 0;
          out.events += st.concealmentEvents ?? 0;
          out.jbDelay += st.jitterBufferDelay ?? 0;
          out.jbEmitted += st.jitterBufferEmittedCount ?? 0;
        });
      }
    }
    return out;
  });
}

/** Sets this page's RED choice and jitter-buffer target, and applies the target to the receivers it has now. */
function tune(page: Page, red: boolean, jitterBufferMs: number | null): Promise<void> {
  return page.evaluate(
    ({ red, jitterBufferMs }) => {
      type Room = { remoteParticipants: Map<string, { trackPublications: Map<string, { track?: { kind: string; receiver?: RTCRtpReceiver } }> }> };
      const muse = (window as unknown as { muse: { tuning: { musicRed: boolean; jitterBufferTargetMs: number | null }; session: { room: Room } } }).muse;
      muse.tuning.musicRed = red;
      muse.tuning.jitterBufferTargetMs = jitterBufferMs;
      for (const p of muse.session.room.remoteParticipants.values()) {
        for (const pub of p.trackPublications.values()) {
          const r = pub.track?.kind === 'audio' ? (pub.track.receiver as (RTCRtpReceiver & { jitterBufferTarget?: number | null }) | undefined) : undefined;
          if (r && 'jitterBufferTarget' in r) r.jitterBufferTarget = jitterBufferMs;
        }
      }
    },
    { red, jitterBufferMs },
  );
}

/** Re-publishes both microphones in music mode (RED is fixed per published track). */
async function republishMusic(lesson: NetLesson): Promise<void> {
  const pages = [lesson.teacher.page, lesson.student.page];
  const setMode = async (on: boolean) => {
    await lesson.teacher.page.evaluate((on) => (window as unknown as { muse: { session: { setMusicMode(on: boolean): Promise<void> } } }).muse.session.setMusicMode(on), on);
    const mode = on ? 'music' : 'speech';
    await Promise.all(pages.map((p) => p.locator(`[data-testid=music-mode][data-applied=${mode}]`).waitFor({ timeout: 20000 })));
  };
  await setMode(false);
  await setMode(true);
}

async function measureMusic(lesson: NetLesson, c: Condition, seconds: number): Promise<Part> {
  const pages = [lesson.teacher.page, lesson.student.page];
  for (const h of Object.values(lesson.lab.hosts)) h.profile = c.link;
  await Promise.all(pages.map((p) => tune(p, c.red, c.jitterBufferMs)));
  await republishMusic(lesson);
  await lesson.teacher.page.waitForTimeout(2000); // let the new tracks' buffers settle
  const started = Date.now();
  const before = await Promise.all(pages.map(inbound));
  // The probe (one click a second) runs while the music tracks are counted.
  const probe = await measureProbe(lesson.teacher.page, Math.max(4, seconds - 5));
  await lesson.teacher.page.waitForTimeout(Math.max(0, seconds * 1000 - (Date.now() - started)));
  const after = await Promise.all(pages.map(inbound));
  const d = {} as Inbound;
  for (const k of Object.keys(before[0]) as (keyof Inbound)[]) d[k] = after.reduce((sum, a, i) => sum + a[k] - before[i][k], 0);
  if ('error' in probe) process.stderr.write(`${c.label}: latency probe failed: ${probe.error}\n`);
  return { samples: 'error' in probe ? [] : probe.samples, d, seconds: (Date.now() - started) / 1000, load: os.loadavg()[0] };
}

function summarise(c: Condition, parts: Part[]): Row {
  const samples = parts.flatMap((p) => p.samples).sort((a, b) => a - b);
  const sum = (k: keyof Inbound) => parts.reduce((s, p) => s + p.d[k], 0);
  const seconds = parts.reduce((s, p) => s + p.seconds, 0);
  const pick = (q: number) => (samples.length ? samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] : null);
  return {
    condition: c.label,
    red: c.red,
    jitterBufferMs: c.jitterBufferMs,
    latencyMedianMs: samples.length ? (samples[(samples.length - 1) >> 1] + samples[samples.length >> 1]) / 2 : null,
    latencyP95Ms: pick(0.95),
    clicks: samples.length,
    concealedPct: (100 * sum('concealed')) / Math.max(1, sum('total')),
    glitchesPerMin: (sum('events') * 60) / seconds,
    jitterBufferDelayMs: (1000 * sum('jbDelay')) / Math.max(1, sum('jbEmitted')),
    seconds,
    load: parts.reduce((s, p) => s + p.load, 0) / parts.length,
  };
}

const PATHS: Record<Condition['path'], (lesson: NetLesson, c: Condition, seconds: number) => Promise<Part>> = { music: measureMusic };

async function main(): Promise<void> {
  const why = netLabUnavailable();
  if (why) throw new Error(`bench:network cannot build its simulated network: ${why}`);
  const lesson = await startNetLesson({ teacher: NO_IMPAIRMENT, student: NO_IMPAIRMENT, ports: PORTS, camera: 'builtin' });
  const parts: Part[][] = CONDITIONS.map(() => []);
  try {
    const room = `bench-net-${Date.now()}`;
    await Promise.all([openDevRoom(lesson.teacher.page, lesson.appUrl, room, 'Teacher', 'teacher'), openDevRoom(lesson.student.page, lesson.appUrl, room, 'Student', 'student')]);
    await joinAndWaitConnected(lesson.teacher.page);
    await joinAndWaitConnected(lesson.student.page);
    await lesson.teacher.page.waitForFunction(() => (window as unknown as { muse: { session: { peers: unknown[] } } }).muse.session.peers.length === 2);
    // Warm-up: the first seconds of a call (bandwidth estimation, buffers growing) belong to no condition.
    await lesson.teacher.page.waitForTimeout(8000);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, c] of CONDITIONS.entries()) {
        process.stderr.write(`round ${r + 1}/${ROUNDS}: ${c.label} (${Math.round(SECONDS / ROUNDS)} s)…\n`);
        parts[i].push(await PATHS[c.path](lesson, c, SECONDS / ROUNDS));
      }
    }
  } catch (err) {
    process.stderr.write(`teacher console:\n${lesson.teacher.logs.slice(-15).join('\n')}\nstudent console:\n${lesson.student.logs.slice(-15).join('\n')}\n`);
    throw err;
  } finally {
    await lesson.stop();
  }

  const rows = CONDITIONS.map((c, i) => summarise(c, parts[i]));
  const baseline = rows[0];
  const f = (x: number | null, d = 1) => (x === null ? 'n/a' : x.toFixed(d));
  const w = [40, 12, 8, 11, 12, 11, 8, 7, 6];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' ');
  const out = [
    `bench:network — music mode, ${SECONDS} s a condition in ${ROUNDS} interleaved rounds; link ${SEOUL_ABU_DHABI.delayMs} ms ±${SEOUL_ABU_DHABI.jitterMs} ms, ${SEOUL_ABU_DHABI.lossPct} % loss on each browser's link (${2 * SEOUL_ABU_DHABI.delayMs} ms one way between them)`,
    line(['condition', 'one-way med', 'p95 ms', '× baseline', 'concealed %', 'glitch/min', 'JB ms', 'clicks', 'load']),
    ...rows.map((r) =>
      line([r.condition, f(r.latencyMedianMs), f(r.latencyP95Ms), r.latencyMedianMs && baseline.latencyMedianMs ? `${(r.latencyMedianMs / baseline.latencyMedianMs).toFixed(2)}×` : 'n/a', f(r.concealedPct, 2), f(r.glitchesPerMin), f(r.jitterBufferDelayMs), String(r.clicks), f(r.load)]),
    ),
    'one-way: the latency probe (wasm clicks out and back through the SFU, halved); concealed/glitches: inbound-rtp',
    'concealedSamples/totalSamplesReceived and concealmentEvents of the two music tracks; JB ms: mean jitter-buffer delay; load: 1-min load average (2 cores).',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, link: SEOUL_ABU_DHABI, baseline: baseline.condition, rows }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
