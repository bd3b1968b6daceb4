// npm run bench:load [-- --json FILE] [--steps 1,2,4,8] [--seconds 20] [--procs 2]
// (a) One local livekit-server under N concurrent two-person lessons of @livekit/rtc-node clients, N
// rising until quality degrades: each participant publishes its own violin-like tone as Opus in
// music-mode settings (256 kbps, no DTX) and checks what it hears of its partner (frames, gaps, the
// partner's note), with the SDK's WebRTC stats beside it; the SFU's CPU and RSS, the load
// generator's CPU and the whole machine's are read from /proc. The 1-lesson step is the baseline.
// (b) Our join endpoint (POST /api/lessons/:id/join, a student of a scheduled lesson whose room is
// open) under HTTP load with autocannon, against GET /api/health in the same run.
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OccurrenceList } from '../shared/api';
import { loadConfig } from '../server/src/config';
import { startServer } from '../server/src/index';
import { mintToken } from '../server/src/livekit/tokens';
import { startLiveKit, type RunningLiveKit } from './lib/livekit';
import { judgeStep, limitsAfterBaseline, linearSlope, QUALITY_LIMITS, type StepQuality } from './lib/loadQuality';
import { ROOT } from './lib/paths';
import { assertPortsFree } from './lib/ports';
import { machineBusyPercent, ProcSampler, readMachineTimes, readRssKb } from './lib/procstat';
import { participantFrequencies } from './lib/ViolinTone';
import type { FromHost, ParticipantResult, ParticipantSpec, PublishSettings, ToHost } from './load/messages';

process.env.MUSE_LOG_LEVEL ??= 'warn';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : null);
const jsonOut = arg('--json');
const STEPS = (arg('--steps') ?? '1,2,4,8,12,16,24,32').split(',').map(Number);
const MEASURE_S = Number(arg('--seconds') ?? 20);
const PROCS = Number(arg('--procs') ?? os.cpus().length);
const WARMUP_MS = 3000;
const JOIN_TIMEOUT_MS = 60000;
const PORTS = { port: 17970, udpPort: 17972 };
const HTTP_SECONDS = 4;
/** Interleaved rounds per endpoint; the best is kept (the one least disturbed by other work on a shared machine). */
const HTTP_ROUNDS = 3;
const HTTP_CONNECTIONS = 10;
/** What music mode sends (README, "Sound"): 256 kbps, DTX off; stereo PCM in. */
const PUBLISH: PublishSettings = { channels: 2, maxBitrate: 256000, dtx: false, red: true };

interface Step {
  lessons: number;
  participants: number;
  processes: number;
  seconds: number;
  sfuCpuPct: number;
  sfuRssMb: number;
  clientCpuPct: number;
  machineBusyPct: number;
  meanJoinMs: number;
  meanSentKbps: number | null;
  sendCodec: string;
  quality: StepQuality;
  worst: { identity: string; gapPct: number; longestGapMs: number; longestStallMs: number } | null;
  /** Every participant's own figures (JSON only). */
  results: ParticipantResult[];
  error?: string;
}

/** A load-generator process (scripts/load/participants.ts) and a way to wait for its next message. */
class Host {
  readonly child: ChildProcess;
  private readonly inbox: FromHost[] = [];
  private waiters: ((m: FromHost) => void)[] = [];
  private exited: string | null = null;

  constructor() {
    // NODE_ENV=production keeps the SDK's own logger at info rather than debug.
    this.child = fork(path.join(ROOT, 'scripts', 'load', 'participants.ts'), [], {
      // MUSE_LOAD_PROFILE=DIR writes a V8 CPU profile of each load generator (where its JavaScript time goes).
      execArgv: ['--import', 'tsx', ...(process.env.MUSE_LOAD_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.MUSE_LOAD_PROFILE}`] : [])],
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    // Keep only errors from the SDK's log lines: they explain a failed join.
    let tail = '';
    this.child.stderr?.on('data', (b: Buffer) => {
      const lines = (tail + b.toString()).split('\n');
      tail = lines.pop() ?? '';
      for (const l of lines) if (/"level":(50|60)|\bERROR\b|Error:/.test(l)) process.stderr.write(`${l}\n`);
    });
    this.child.on('message', (m: FromHost) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.inbox.push(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `load generator exited (${code ?? signal})`;
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: this.exited });
    });
  }

  send(m: ToHost): void {
    this.child.send(m);
  }

  next(timeoutMs: number): Promise<FromHost> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve({ type: 'error', message: this.exited });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve({ type: 'error', message: `no answer from the load generator within ${timeoutMs} ms` });
      }, timeoutMs);
      const done = (m: FromHost) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(done);
    });
  }

  async expect<T extends FromHost['type']>(type: T, timeoutMs: number): Promise<Extract<FromHost, { type: T }>> {
    const m = await this.next(timeoutMs);
    if (m.type === 'error') throw new Error(m.message);
    if (m.type !== type) throw new Error(`expected ${type} from the load generator, got ${m.type}`);
    return m as Extract<FromHost, { type: T }>;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    try {
      this.send({ type: 'leave' });
      await this.expect('left', 10000);
    } catch {
      /* fall through to the kill */
    }
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** The participants of `lessons` two-person lessons, spread over `procs` groups (teacher and student of a lesson apart). */
async function plan(lessons: number, procs: number, tag: string): Promise<ParticipantSpec[][]> {
  const config = loadConfig({});
  const freqs = participantFrequencies(2 * lessons);
  const groups: ParticipantSpec[][] = Array.from({ length: procs }, () => []);
  for (let i = 0; i < lessons; i++) {
    const room = `load-${tag}-${i}`;
    const ids = [`teacher-${i}`, `student-${i}`];
    for (let k = 0; k < 2; k++) {
      const own = 2 * i + k;
      const partner = 2 * i + 1 - k;
      // The partner, oneself, and the partner's nearest neighbours in frequency: the notes most easily confused.
      const candidates = [...new Set([own, partner - 2, partner - 1, partner, partner + 1, partner + 2])].filter((j) => j >= 0 && j < freqs.length).map((j) => freqs[j]);
      const { token } = await mintToken(config, { room, identity: ids[k], name: ids[k], role: k === 0 ? 'teacher' : 'student' });
      groups[(i + k) % procs].push({ identity: ids[k], room, token, freqHz: freqs[own], partnerIdentity: ids[1 - k], partnerHz: freqs[partner], candidatesHz: candidates });
    }
  }
  return groups.filter((g) => g.length > 0);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

async function runStep(livekit: RunningLiveKit, lessons: number, limits: typeof QUALITY_LIMITS): Promise<Step> {
  const groups = await plan(lessons, Math.min(PROCS, 2 * lessons), `${lessons}-${Date.now().toString(36)}`);
  const hosts = groups.map(() => new Host());
  const base = { lessons, participants: 2 * lessons, processes: hosts.length };
  try {
    hosts.forEach((h, i) => h.send({ type: 'join', url: livekit.url, participants: groups[i], publish: PUBLISH }));
    await Promise.all(hosts.map((h) => h.expect('joined', JOIN_TIMEOUT_MS)));
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    for (const h of hosts) h.send({ type: 'measure' });
    await Promise.all(hosts.map((h) => h.expect('measuring', 20000)));
    const sfuPid = livekit.process.pid!;
    const clientPids = hosts.map((h) => h.child.pid!);
    const sampler = new ProcSampler([sfuPid, ...clientPids, process.pid]);
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    const usage = sampler.finish();
    for (const h of hosts) h.send({ type: 'report' });
    const results: ParticipantResult[] = (await Promise.all(hosts.map((h) => h.expect('report', 30000)))).flatMap((m) => m.results);
    const quality = judgeStep(results, limits);
    const worst = results.reduce<ParticipantResult | null>((w, r) => (!w || r.continuity.gapPct > w.continuity.gapPct || (r.continuity.gapPct === w.continuity.gapPct && r.continuity.longestStallMs > w.continuity.longestStallMs) ? r : w), null);
    const sent = results.filter((r) => r.sdk).map((r) => r.sdk!.sentKbps);
    return {
      ...base,
      seconds: usage.seconds,
      sfuCpuPct: usage.cpu.get(sfuPid)!,
      sfuRssMb: usage.rssKb.get(sfuPid)! / 1024,
      clientCpuPct: clientPids.reduce((a, p) => a + (usage.cpu.get(p) ?? 0), 0),
      machineBusyPct: usage.machineBusy,
      meanJoinMs: mean(results.map((r) => r.joinMs)),
      meanSentKbps: sent.length ? mean(sent) : null,
      sendCodec: results.find((r) => r.sdk?.sendCodec)?.sdk?.sendCodec ?? '?',
      quality,
      worst: worst && { identity: worst.identity, gapPct: worst.continuity.gapPct, longestGapMs: worst.continuity.longestGapMs, longestStallMs: worst.continuity.longestStallMs },
      results,
    };
  } catch (err) {
    const message = (err as Error).message;
    return {
      ...base, seconds: 0, sfuCpuPct: Number.NaN, sfuRssMb: readRssKb(livekit.process.pid!) / 1024, clientCpuPct: Number.NaN, machineBusyPct: Number.NaN,
      meanJoinMs: Number.NaN, meanSentKbps: null, sendCodec: '?', quality: judgeStep([]), worst: null, results: [], error: message,
    };
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
}

interface HttpRow {
  endpoint: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function cannon(label: string, opts: autocannon.Options): Promise<HttpRow> {
  const r = await autocannon({ connections: HTTP_CONNECTIONS, duration: HTTP_SECONDS, ...opts });
  return { endpoint: label, requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/** A teacher, their student (invite accepted) and a lesson whose room is open now; the student's cookie. */
async function scheduledLesson(base: string): Promise<{ cookie: string; lessonId: string; occurrenceStart: string }> {
  const call = async (method: string, url: string, body: unknown, cookie?: string) => {
    const res = await fetch(`${base}/api${url}`, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 300) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
    return { json, cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '' };
  };
  const teacher = await call('POST', '/auth/signup', { email: `load-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Kim Minji', timeZone: 'UTC', language: 'en' });
  const added = await call('POST', '/students', { name: 'Layla', timeZone: 'Asia/Dubai', language: 'en' }, teacher.cookie);
  const invite = (added.json.invite.url as string).split('/invite/')[1];
  const student = await call('POST', `/invites/${invite}/accept`, { password: 'my violin 2026' });
  const start = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000).toISOString().slice(0, 16);
  const lesson = await call('POST', '/lessons', { title: 'Load', start, durationMinutes: 60, studentIds: [student.json.id] }, teacher.cookie);
  const list = (await fetch(`${base}/api/lessons`, { headers: { cookie: student.cookie } }).then((r) => r.json())) as OccurrenceList;
  const occ = list.occurrences.find((o) => o.lessonId === lesson.json.id);
  if (!occ) throw new Error('the new lesson is not in the student\'s list');
  return { cookie: student.cookie, lessonId: occ.lessonId, occurrenceStart: occ.occurrenceStart };
}

async function httpLoad(): Promise<HttpRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'muse-load-'));
  const server = await startServer({ ...loadConfig({}), port: 0, devRooms: false, dataDir: dir });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const { cookie, lessonId, occurrenceStart } = await scheduledLesson(base);
    // The real join path must answer 200 before it is measured.
    const probe = await fetch(`${base}/api/lessons/${lessonId}/join`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ occurrenceStart }) });
    if (probe.status !== 200) throw new Error(`join answered ${probe.status}: ${await probe.text()}`);
    // autocannon fires from a worker thread, so this thread serves the requests alone.
    const targets: [string, autocannon.Options][] = [
      ['GET /api/health (baseline)', { url: `${base}/api/health`, workers: 1 }],
      ['GET /api/me (session lookup)', { url: `${base}/api/me`, headers: { cookie }, workers: 1 }],
      [
        'POST /api/lessons/:id/join (student)',
        { url: `${base}/api/lessons/${lessonId}/join`, method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ occurrenceStart }), workers: 1 },
      ],
    ];
    const best = new Map<string, HttpRow>();
    for (let round = 0; round < HTTP_ROUNDS; round++) {
      for (const [label, opts] of targets) {
        const r = await cannon(label, opts);
        const prev = best.get(label);
        if (!prev || r.requestsPerSecond > prev.requestsPerSecond) best.set(label, r);
      }
    }
    const rows = targets.map(([label]) => best.get(label)!);
    return rows;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const f1 = (x: number | null) => (x === null || Number.isNaN(x) ? '–' : x.toFixed(1));
const f2 = (x: number | null) => (x === null || Number.isNaN(x) ? '–' : x.toFixed(2));

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join(' | ');
  return `${line(head)}\n${w.map((n) => '-'.repeat(n)).join('-|-')}\n${rows.map(line).join('\n')}\n`;
}

async function main(): Promise<void> {
  await assertPortsFree([
    { port: PORTS.port, proto: 'tcp', what: 'bench:load livekit-server signalling' },
    { port: PORTS.udpPort, proto: 'udp', what: 'bench:load livekit-server media' },
  ]);
  const livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  const idleRssMb = readRssKb(livekit.process.pid!) / 1024;
  // What the rest of the machine is doing before we add anything: the other engineers' tests.
  const m0 = readMachineTimes();
  await new Promise((r) => setTimeout(r, 3000));
  const busyBefore = machineBusyPercent(m0, readMachineTimes());
  const steps: Step[] = [];
  let degradedAt: Step | null = null;
  let limits = QUALITY_LIMITS;
  const started = Date.now();
  try {
    for (const n of STEPS) {
      process.stderr.write(`bench:load: ${n} lesson(s), ${2 * n} participants…\n`);
      const s = await runStep(livekit, n, limits);
      steps.push(s);
      process.stderr.write(`  SFU ${f1(s.sfuCpuPct)} % CPU, clients ${f1(s.clientCpuPct)} %, machine ${f1(s.machineBusyPct)} % busy; gaps ${f2(s.quality.meanGapPct)} %, concealed ${f2(s.quality.meanConcealedPct)} %${s.error ? `; ${s.error}` : ''}${s.quality.reasons.length ? `; over the limits: ${s.quality.reasons.join(', ')}` : ''}\n`);
      // A receiver that heard (almost) nothing: say whether packets came and whether its partner sent.
      for (const r of s.results.filter((x) => x.continuity.gapPct > 50)) {
        const partner = s.results.find((x) => x.identity === r.identity.replace(/^(teacher|student)/, (m) => (m === 'teacher' ? 'student' : 'teacher')));
        process.stderr.write(`  ${r.identity} heard ${f1(100 - r.continuity.gapPct)} % of its frames: ${r.sdk ? `${r.sdk.packetsReceived} packets received, ${r.sdk.packetsLost} lost` : 'no SDK stats'}; its partner sent ${f1(partner?.sdk?.sentKbps ?? null)} kbps\n`);
      }
      if (s.error) {
        degradedAt = s;
        break;
      }
      if (steps.length === 1) {
        // The baseline: later steps must beat the fixed limits or twice its figures (shared-machine noise).
        limits = limitsAfterBaseline(s.quality);
        continue;
      }
      if (s.quality.reasons.length > 0) {
        degradedAt = s;
        break;
      }
    }
  } finally {
    await livekit.stop();
  }
  process.stderr.write('bench:load: HTTP load on the join endpoint…\n');
  const http = await httpLoad();

  const baseline = steps[0];
  process.stdout.write(`\nLiveKit under load: N two-person lessons of @livekit/rtc-node clients on one livekit-server v1.13.5, loopback, ${os.cpus().length} cores (shared), ${MEASURE_S} s per step, clients in ${PROCS} processes\n`);
  process.stdout.write(`each participant: its own violin-like tone, stereo PCM in, Opus at ≤ ${PUBLISH.maxBitrate / 1000} kbps, DTX ${PUBLISH.dtx ? 'on' : 'off'}, RED ${PUBLISH.red ? 'on' : 'off'}; negotiated: ${baseline?.sendCodec ?? '?'}\n`);
  process.stdout.write(`SFU RSS idle: ${idleRssMb.toFixed(1)} MB. Machine busy before the run (other work): ${f1(busyBefore)} %. CPU in % of one core (200 % = the whole machine).\n\n`);
  process.stdout.write(
    table(
      ['lessons', 'SFU CPU %', 'SFU RSS MB', 'clients CPU %', 'machine busy %', 'kbps sent', 'gaps % (worst)', 'longest gap ms', 'stall ms', 'concealed % (worst)', 'loss %', 'pitch ok %', 'SFU CPU vs 1 lesson', 'verdict'],
      steps.map((s) => [
        String(s.lessons),
        f1(s.sfuCpuPct),
        f1(s.sfuRssMb),
        f1(s.clientCpuPct),
        f1(s.machineBusyPct),
        f1(s.meanSentKbps),
        `${f2(s.quality.meanGapPct)} (${f2(s.quality.worstGapPct)})`,
        String(s.worst?.longestGapMs ?? '–'),
        f1(s.quality.longestStallMs),
        `${f2(s.quality.meanConcealedPct)} (${f2(s.quality.worstConcealedPct)})`,
        f2(s.quality.meanLossPct),
        f1(100 - s.quality.pitchFailPct),
        s === baseline ? 'baseline' : `${(s.sfuCpuPct / baseline.sfuCpuPct).toFixed(1)}×`,
        s.error ? `failed: ${s.error}` : s.quality.reasons.length ? `${s === baseline ? 'over fixed limits' : 'degraded'}: ${s.quality.reasons.join('; ')}` : 'ok',
      ]),
    ),
  );
  const lastGood = [...steps].reverse().find((s) => s !== degradedAt && !s.error);
  const measured = steps.filter((s) => !s.error);
  const sfuPerLesson = linearSlope(measured.map((s) => s.lessons), measured.map((s) => s.sfuCpuPct));
  const clientsPerLesson = linearSlope(measured.map((s) => s.lessons), measured.map((s) => s.clientCpuPct));
  process.stdout.write(`\nCPU per added lesson (least squares over the steps): SFU ${f2(sfuPerLesson)} %, load generator ${f2(clientsPerLesson)} % of one core.\n`);
  if (degradedAt) {
    const d = degradedAt;
    const limit =
      d.machineBusyPct > 90
        ? `the machine's CPU (${f1(d.machineBusyPct)} % busy: SFU ${f1(d.sfuCpuPct)} %, load generator ${f1(d.clientCpuPct)} % of one core)`
        : `not the machine's CPU (${f1(d.machineBusyPct)} % busy); SFU ${f1(d.sfuCpuPct)} %, load generator ${f1(d.clientCpuPct)} %`;
    process.stdout.write(`Quality degrades at ${d.lessons} lessons (${d.participants} participants); last clean step: ${lastGood ? `${lastGood.lessons} lessons` : 'none'}. Limit hit: ${limit}.\n`);
  } else {
    process.stdout.write(`No degradation up to ${steps.at(-1)?.lessons} lessons (the cap of this run).\n`);
  }
  const said = (l: typeof QUALITY_LIMITS) => `mean gaps ≤ ${f2(l.meanGapPct)} %, worst ≤ ${f2(l.worstGapPct)} %; concealed ≤ ${f2(l.meanConcealedPct)} % mean, ${f2(l.worstConcealedPct)} % worst; loss ≤ ${f2(l.meanLossPct)} %; pitch checks failed ≤ ${f1(l.pitchFailPct)} %; stall ≤ ${f1(l.longestStallMs)} ms`;
  process.stdout.write(`Fixed limits: ${said(QUALITY_LIMITS)}.\n`);
  if (steps.length > 1) process.stdout.write(`Limits after the 1-lesson baseline (the fixed ones or twice the baseline's figures): ${said(limits)}.\n`);
  if (steps[0]?.quality.reasons.length) process.stdout.write(`The baseline itself was over the fixed limits (${steps[0].quality.reasons.join('; ')}): the machine was busy with other work.\n`);

  const h0 = http[0];
  process.stdout.write(`\nJoin endpoint under HTTP load: autocannon, ${HTTP_CONNECTIONS} connections, best of ${HTTP_ROUNDS} interleaved rounds of ${HTTP_SECONDS} s, server in this process, load from a worker thread\n\n`);
  process.stdout.write(
    table(
      ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'req/s vs health'],
      http.map((r) => [r.endpoint, r.requestsPerSecond.toFixed(0), String(r.p50Ms), String(r.p99Ms), String(r.non2xx), String(r.errors), r === h0 ? 'baseline' : `${(r.requestsPerSecond / h0.requestsPerSecond).toFixed(2)}×`]),
    ),
  );
  process.stdout.write(`\nwhole run: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ cores: os.cpus().length, processes: PROCS, measureSeconds: MEASURE_S, publish: PUBLISH, sfuIdleRssMb: idleRssMb, machineBusyBeforePct: busyBefore, limits: QUALITY_LIMITS, limitsAfterBaseline: limits, steps, degradedAtLessons: degradedAt?.lessons ?? null, sfuCpuPctPerLesson: sfuPerLesson, clientCpuPctPerLesson: clientsPerLesson, lastCleanLessons: lastGood?.lessons ?? null, http }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`bench:load failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
