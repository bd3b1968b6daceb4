// npm run bench:latency [-- --json FILE]
// One-way latency, Web Audio clock to Web Audio clock, measured by the product's own latency
// probe (wasm clicks out, wasm onsets back) in headless Chromium: through the real
// livekit-server in speech and in music mode, and over a direct RTCPeerConnection pair
// without the SFU as the baseline of the same run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchParticipant } from '../client/tests/harness/browser';
import { median, percentile } from '../client/src/audio/ProbeNode';
import { joinAndWaitConnected, measureProbe, openDevRoom } from '../client/tests/harness/lesson';
import { loadConfig } from '../server/src/config';
import { startServer } from '../server/src/index';
import { startLiveKit } from './lib/livekit';

const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
const PORTS = { port: 17920, udpPort: 17922 };
const CLICKS = 10;
const ROUNDS = 2;

interface Row {
  path: string;
  medianMs: number;
  p95Ms: number;
  n: number;
  concealedPct: number | null;
}

const p95 = (xs: number[]) => percentile(xs, 95);

async function direct(page: Page, label: string, music: boolean, ptime10: boolean): Promise<Row> {
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const res = await page.evaluate(
      (o) => (window as unknown as { muse: { directProbe(o: unknown): Promise<{ samples: number[] }> } }).muse.directProbe(o),
      { clicks: CLICKS, music, ptime10 },
    );
    samples.push(...res.samples);
  }
  return { path: label, medianMs: median(samples), p95Ms: p95(samples), n: samples.length, concealedPct: null };
}

async function viaSfu(page: Page, label: string): Promise<Row> {
  const samples: number[] = [];
  let concealed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const res = await measureProbe(page, CLICKS);
    if ('error' in res) throw new Error(`probe failed: ${res.error}`);
    samples.push(...res.samples);
    concealed = Math.max(concealed, res.concealedPct);
  }
  return { path: label, medianMs: median(samples), p95Ms: p95(samples), n: samples.length, concealedPct: concealed };
}

/** The transport of the call's selected ICE candidate pair (must be UDP on loopback). */
async function selectedTransport(page: Page): Promise<string> {
  return page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const s = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const report = await s.peers.find((p) => !p.isLocal && p.audio)!.audio!.getRTCStatsReport();
    let protocol = 'unknown';
    report?.forEach((st: RTCStats & Record<string, unknown>) => {
      if (st.type === 'candidate-pair' && st.nominated && st.state === 'succeeded') {
        const local = report.get(st.localCandidateId as string) as { protocol?: string; candidateType?: string } | undefined;
        protocol = `${local?.protocol ?? '?'} (${local?.candidateType ?? '?'})`;
      }
    });
    return protocol;
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'muse-latency-'));
  const livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  const server = await startServer({ ...loadConfig({}), port: 0, devRooms: true, publicLiveKitUrl: livekit.url, liveKitApiUrl: livekit.httpUrl.replace(/\/$/, ''), dataDir: dir });
  const base = `http://127.0.0.1:${server.port}`;
  const [teacher, student] = await Promise.all([launchParticipant(440, { camera: 'builtin' }), launchParticipant(660, { camera: 'builtin' })]);
  const rows: Row[] = [];
  const hops: Row[] = [];
  let transport = '';
  try {
    await teacher.page.goto(`${base}/dev`);
    rows.push(await direct(teacher.page, 'direct pair, Opus defaults (20 ms frames)', false, false));
    rows.push(await direct(teacher.page, 'direct pair, music SDP (stereo 256k, no DTX)', true, false));
    rows.push(await direct(teacher.page, 'direct pair, music SDP + a=ptime:10', true, true));
    const room = `latency-${Date.now()}`;
    await openDevRoom(teacher.page, base, room, 'Teacher', 'teacher');
    await openDevRoom(student.page, base, room, 'Student', 'student');
    await joinAndWaitConnected(teacher.page);
    await joinAndWaitConnected(student.page);
    await teacher.page.waitForFunction(() => (window as unknown as { muse: { session: { peers: { isLocal: boolean; audio: unknown }[] } } }).muse.session.peers.some((p) => !p.isLocal && p.audio));
    transport = await selectedTransport(teacher.page);
    const toggleMusic = async (on: boolean) => {
      await teacher.page.getByTestId('music-toggle').click();
      for (const p of [teacher.page, student.page]) await p.locator(`[data-testid=music-mode][data-applied=${on ? 'music' : 'speech'}]`).waitFor();
    };
    rows.push(await viaSfu(teacher.page, 'SFU, speech mode'));
    await teacher.page.getByTestId('music-toggle').click();
    await student.page.locator('[data-testid=music-mode][data-applied=music]').waitFor();
    await teacher.page.locator('[data-testid=music-mode][data-applied=music]').waitFor();
    rows.push(await viaSfu(teacher.page, 'SFU, music mode (10 ms frames)'));
    // The same call with Opus's default 20 ms frames: music mode off, override, on again.
    for (const p of [teacher.page, student.page]) await p.evaluate(() => localStorage.setItem('muse.musicPtimeMs', '20'));
    await toggleMusic(false);
    await toggleMusic(true);
    rows.push(await viaSfu(teacher.page, 'SFU, music mode, 20 ms frames'));
    // What a boosted microphone's publish path adds before the encoder (last: its probe nodes stay in the page's
    // context): the probe's loop through a MediaStream hop, without and with the limiter (its 2 ms lookahead included).
    for (const [label, limiter] of [['publish hop: Web Audio → MediaStream', false], ['publish hop: through the wasm limiter', true]] as const) {
      const res = await teacher.page.evaluate(
        (o) => (window as unknown as { muse: { publishHopProbe(o: unknown): Promise<{ samples: number[] }> } }).muse.publishHopProbe(o),
        { clicks: CLICKS, limiter },
      );
      hops.push({ path: label, medianMs: median(res.samples), p95Ms: p95(res.samples), n: res.samples.length, concealedPct: null });
    }

  } catch (err) {
    process.stderr.write(`teacher console:\n${teacher.logs.slice(-15).join('\n')}\nstudent console:\n${student.logs.slice(-15).join('\n')}\n`);
    throw err;
  } finally {
    await Promise.allSettled([teacher.close(), student.close()]);
    await server.stop();
    await livekit.stop();
  }

  const baseline = rows.find((r) => r.path.startsWith('direct pair, music SDP ('))!;
  const w = [46, 10, 10, 6, 12, 16];
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join(' | ');
  process.stdout.write(`\nOne-way latency, Web Audio → WebRTC → Web Audio (probe: wasm clicks out, wasm onsets back), loopback, ${os.cpus().length} cores\n`);
  process.stdout.write(`selected candidate pair of the SFU call: ${transport}\n`);
  process.stdout.write(`${line(['path', 'median ms', 'p95 ms', 'n', 'concealed %', 'vs direct music'])}\n${w.map((n) => '-'.repeat(n)).join('-|-')}\n`);
  for (const r of rows) {
    const diff = r.medianMs - baseline.medianMs;
    process.stdout.write(`${line([r.path, r.medianMs.toFixed(1), r.p95Ms.toFixed(1), String(r.n), r.concealedPct === null ? '–' : r.concealedPct.toFixed(3), r === baseline ? 'baseline' : `${diff >= 0 ? '+' : ''}${diff.toFixed(1)} ms (${(r.medianMs / baseline.medianMs).toFixed(2)}×)`])}\n`);
  }
  process.stdout.write(`\nMusic mode's publish path with a mic boost (Web Audio → limiter → MediaStream → encoder), same page:\n${line(['path', 'median ms', 'p95 ms', 'n', '', 'vs plain hop'])}\n${w.map((n) => '-'.repeat(n)).join('-|-')}\n`);
  for (const r of hops) {
    const d = r.medianMs - hops[0].medianMs;
    process.stdout.write(`${line([r.path, r.medianMs.toFixed(1), r.p95Ms.toFixed(1), String(r.n), '', r === hops[0] ? 'baseline' : `+${d.toFixed(1)} ms`])}\n`);
  }
  process.stdout.write('\nTargets (issue 4): SFU adds ≤ 3 ms over the direct pair; music mode median ≤ 60 ms, p95 ≤ 70 ms, no concealment.\n');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ transport, rows, publishHops: hops }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`bench:latency failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
