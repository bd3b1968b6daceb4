// npm run bench:fidelity [-- --json FILE]
// Sends the same violin material through the real livekit-server in speech mode and in music
// mode, records what the other browser receives, and compares it with what was sent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchParticipant, type Participant } from '../client/tests/harness/browser';
import { joinAndWaitConnected, openDevRoom } from '../client/tests/harness/lesson';
import { loadConfig } from '../server/src/config';
import { startServer } from '../server/src/index';
import { powerSpectrumDb, rmsDb, toneDb as toneDbAt } from '../client/src/lib/signal';

const toneDb = (x: Float32Array, hz: number) => toneDbAt(x, hz, SR);
import { startLiveKit } from './lib/livekit';
import { programme, SR, type Segment, writeStereoWav } from './lib/material';

const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
const PORTS = { port: 17900, udpPort: 17902 };

type Mode = 'speech' | 'music';

async function recordRemote(p: Participant, seconds: number): Promise<{ left: Float32Array; right: Float32Array; sampleRate: number }> {
  const out = await p.page.evaluate(async (seconds) => {
    type Peer = { isLocal: boolean; audio: { mediaStreamTrack: MediaStreamTrack } | null };
    const session = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const track = session.peers.find((x) => !x.isLocal && x.audio)!.audio!.mediaStreamTrack;
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const src = ctx.createMediaStreamSource(new MediaStream([track]));
    // Bench-only recorder: a ScriptProcessor is simple and the main thread is idle here.
    const proc = ctx.createScriptProcessor(4096, 2, 2);
    proc.channelCountMode = 'explicit';
    const chunksL: Float32Array[] = [];
    const chunksR: Float32Array[] = [];
    proc.onaudioprocess = (e) => {
      chunksL.push(new Float32Array(e.inputBuffer.getChannelData(0)));
      chunksR.push(new Float32Array(e.inputBuffer.getChannelData(1)));
    };
    src.connect(proc);
    proc.connect(ctx.destination);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    proc.disconnect();
    const join = (chunks: Float32Array[]) => {
      const all = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
      chunks.reduce((o, c) => (all.set(c, o), o + c.length), 0);
      let bin = '';
      const bytes = new Uint8Array(all.buffer);
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(bin);
    };
    const rate = ctx.sampleRate;
    await ctx.close();
    return { left: join(chunksL), right: join(chunksR), sampleRate: rate };
  }, seconds);
  const decode = (b64: string) => {
    const buf = Buffer.from(b64, 'base64');
    return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  };
  return { left: decode(out.left), right: decode(out.right), sampleRate: out.sampleRate };
}

/** Offset `lag` such that received[j] ≈ sent[(j + lag) mod N], from 10 ms energy envelopes then samples. */
function align(sent: Float32Array, rx: Float32Array): number {
  const hop = 480;
  const env = (x: Float32Array) => {
    const e = new Float64Array(Math.floor(x.length / hop));
    for (let f = 0; f < e.length; f++) e[f] = Math.max(-80, rmsDb(x, f * hop, f * hop + hop));
    return e;
  };
  const es = env(sent);
  const er = env(rx);
  const n = es.length;
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag < n; lag++) {
    let score = 0;
    for (let j = 0; j < Math.min(er.length, n); j++) score -= Math.abs(er[j] - es[(j + lag) % n]);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  // Refine to the sample with cross-correlation over ±1 frame.
  const N = sent.length;
  let bestLag = best * hop;
  let bestCorr = -Infinity;
  for (let d = -hop; d <= hop; d++) {
    const lag = (((best * hop + d) % N) + N) % N;
    let c = 0;
    for (let j = 0; j < Math.min(rx.length, N); j += 3) c += rx[j] * sent[(j + lag) % N];
    if (c > bestCorr) {
      bestCorr = c;
      bestLag = lag;
    }
  }
  return bestLag;
}

/**
 * Where sent[a] starts in the recording, refined (±50 ms) on sent[a..b): the receiver's jitter
 * buffer stretches and squeezes time, so each stretch is placed on its own. The recording holds
 * two loops of the looping capture file, so a stretch is always read from contiguous audio
 * (folding it modulo the loop would splice two loops together inside the stretch).
 */
function place(sent: Float32Array, rx: Float32Array, lag: number, a: number, b: number): number {
  const N = sent.length;
  const base0 = (((a - lag) % N) + N) % N;
  const corr = (base: number, step: number) => {
    let c = 0;
    for (let p = a; p < b; p += step) c += sent[p] * (rx[base + (p - a)] ?? 0);
    return c;
  };
  let best = base0;
  let bestC = -Infinity;
  for (let d = -2400; d <= 2400; d += 24) {
    if (base0 + d < 0) continue;
    const c = corr(base0 + d, 4);
    if (c > bestC) [bestC, best] = [c, base0 + d];
  }
  const coarse = best;
  for (let d = -24; d <= 24; d++) {
    if (coarse + d < 0) continue;
    const c = corr(coarse + d, 2);
    if (c > bestC) [bestC, best] = [c, coarse + d];
  }
  return best;
}

/** The received samples of sent[a..b), `base` being where sent[a] is in the recording. */
function slice(rx: Float32Array, base: number, a: number, b: number): Float32Array {
  return rx.slice(base, base + (b - a));
}

function thirdOctaveBands(spec: Float64Array, size: number): { fc: number; db: number }[] {
  const bands: { fc: number; db: number }[] = [];
  for (let fc = 100; fc < 22000; fc *= 2 ** (1 / 3)) {
    const lo = Math.floor((fc / 2 ** (1 / 6) / SR) * size);
    const hi = Math.ceil((fc * 2 ** (1 / 6) / SR) * size);
    let s = 0;
    for (let k = lo; k <= hi && k < spec.length; k++) s += 10 ** (spec[k] / 10);
    bands.push({ fc, db: 10 * Math.log10(s + 1e-20) });
  }
  return bands;
}

interface Concealment {
  concealedPct: number;
  /** Samples NetEq inserted or removed to slow down or speed up playout (time-stretching). */
  stretchedPct: number;
}

async function receiverStats(p: Participant): Promise<{ total: number; concealed: number; stretched: number }> {
  return p.page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const session = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const report = await session.peers.find((x) => !x.isLocal && x.audio)!.audio!.getRTCStatsReport();
    let out = { total: 0, concealed: 0, stretched: 0 };
    report?.forEach((s: RTCStats & Record<string, number>) => {
      if (s.type === 'inbound-rtp' && (s as unknown as { kind: string }).kind === 'audio') {
        out = { total: s.totalSamplesReceived, concealed: s.concealedSamples, stretched: s.insertedSamplesForDeceleration + s.removedSamplesForAcceleration };
      }
    });
    return out;
  });
}

interface Figures extends Partial<Concealment> {
  gainDb: number;
  sustainMaxDevDb: number;
  tailVsInputDb: number;
  worstOnsetDb: number;
  bandwidthHz: number;
  stereo: boolean;
  stereoSeparationDb: number;
  spectralDistanceDb: number;
}

function analyse(sent: ReturnType<typeof programme>, rx: { left: Float32Array; right: Float32Array }): Figures {
  const monoSent = sent.left.map((v, i) => (v + sent.right[i]) / 2);
  const monoRx = rx.left.map((v, i) => (v + rx.right[i]) / 2);
  const lag = align(monoSent, monoRx);
  const seg = (name: Segment['name']) => sent.segments.find((s) => s.name === name)!;
  const sus = seg('sustain');
  const a = sus.start + SR; // after the attack
  const b = sus.end - SR / 10;
  const rxSus = slice(monoRx, place(monoSent, monoRx, lag, a, b), a, b);
  const inSus = monoSent.subarray(a, b);
  const gainDb = rmsDb(rxSus) - rmsDb(inSus);
  // Level stability: 100 ms RMS frames of the received sustain, max deviation from their median.
  const frames: number[] = [];
  for (let i = 0; i + SR / 10 <= rxSus.length; i += SR / 10) frames.push(rmsDb(rxSus, i, i + SR / 10) - rmsDb(inSus, i, i + SR / 10));
  const sorted = [...frames].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)];
  const sustainMaxDevDb = Math.max(...frames.map((f) => Math.abs(f - median)));
  const tail = seg('tail');
  const ta = tail.start + SR / 2;
  const tb = tail.end - SR / 10;
  const tailVsInputDb = rmsDb(slice(monoRx, place(monoSent, monoRx, lag, ta, tb), ta, tb)) - rmsDb(monoSent, ta, tb) - gainDb;
  // Onsets after rests: first 60 ms of each passage note vs what was sent (gating eats them).
  const pas = seg('passage');
  let worstOnsetDb = Infinity;
  for (let k = 0; k < 8; k++) {
    const s0 = pas.start + Math.round(k * 0.8 * SR);
    const s1 = s0 + Math.round(0.06 * SR);
    const base = place(monoSent, monoRx, lag, s0, s0 + Math.round(0.4 * SR));
    worstOnsetDb = Math.min(worstOnsetDb, rmsDb(slice(monoRx, base, s0, s1)) - rmsDb(monoSent, s0, s1) - gainDb);
  }
  // Bandwidth and spectral distance on the sustained note (1/3-octave bands).
  const size = 8192;
  const inBands = thirdOctaveBands(powerSpectrumDb(inSus, size), size);
  const rxBands = thirdOctaveBands(powerSpectrumDb(rxSus, size), size);
  let bandwidthHz = 0;
  let dist = 0;
  let count = 0;
  const loudest = Math.max(...inBands.map((x) => x.db));
  inBands.forEach((band, i) => {
    const diff = rxBands[i].db - gainDb - band.db;
    if (diff >= -30) bandwidthHz = Math.max(bandwidthHz, band.fc);
    // Distance only where the violin has energy (within 40 dB of its loudest band).
    if (band.fc <= 16000 && band.db > loudest - 40) {
      dist += diff * diff;
      count++;
    }
  });
  // Stereo: A4 on the left, D5 on the right.
  const st = seg('stereo');
  const sa = st.start + SR / 2;
  const sb = st.end - SR / 2;
  const stBase = place(monoSent, monoRx, lag, sa, sb);
  const l = slice(rx.left, stBase, sa, sb);
  const r = slice(rx.right, stBase, sa, sb);
  const sepL = toneDb(l, 440) - toneDb(l, 587.33);
  const sepR = toneDb(r, 587.33) - toneDb(r, 440);
  const stereoSeparationDb = Math.min(sepL, sepR);
  return {
    gainDb,
    sustainMaxDevDb,
    tailVsInputDb,
    worstOnsetDb,
    bandwidthHz,
    stereo: stereoSeparationDb > 10,
    stereoSeparationDb,
    spectralDistanceDb: Math.sqrt(dist / count),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'muse-fidelity-'));
  const sent = programme();
  const wav = path.join(dir, 'programme.wav');
  writeStereoWav(wav, sent.left, sent.right);
  const seconds = sent.left.length / SR;
  const livekit = await startLiveKit({ ...PORTS, logLevel: 'warn' });
  const server = await startServer({ ...loadConfig({}), port: 0, devRooms: true, publicLiveKitUrl: livekit.url, liveKitApiUrl: livekit.httpUrl.replace(/\/$/, ''), dataDir: dir });
  const base = `http://127.0.0.1:${server.port}`;
  const results: Partial<Record<Mode, Figures>> = {};
  try {
    for (const mode of ['speech', 'music'] as Mode[]) {
      const [teacher, student] = await Promise.all([launchParticipant(0, { wav, camera: 'builtin' }), launchParticipant(1000, { camera: 'builtin' })]);
      try {
        const room = `fidelity-${mode}-${Date.now()}`;
        await openDevRoom(teacher.page, base, room, 'Teacher', 'teacher');
        await openDevRoom(student.page, base, room, 'Student', 'student');
        await joinAndWaitConnected(teacher.page);
        await joinAndWaitConnected(student.page);
        if (mode === 'music') {
          await teacher.page.getByTestId('music-toggle').click();
          await teacher.page.locator('[data-testid=music-mode][data-applied=music]').waitFor();
        }
        await student.page.waitForFunction(() => {
          type Peer = { isLocal: boolean; audio: unknown };
          return (window as unknown as { muse?: { session?: { peers: Peer[] } } }).muse?.session?.peers.some((p) => !p.isLocal && p.audio);
        });
        await student.page.waitForTimeout(2500); // let the jitter buffer and any AGC settle
        const before = await receiverStats(student);
        // Two loops of the capture file: every stretch of the programme is heard whole at least once.
        const rx = await recordRemote(student, 2 * seconds + 2);
        const after = await receiverStats(student);
        const total = Math.max(1, after.total - before.total);
        results[mode] = {
          ...analyse(sent, rx),
          concealedPct: (100 * (after.concealed - before.concealed)) / total,
          stretchedPct: (100 * (after.stretched - before.stretched)) / total,
        };
        process.stderr.write(`${mode}: ${JSON.stringify(results[mode])}\n`);
      } finally {
        await Promise.allSettled([teacher.close(), student.close()]);
      }
    }
  } finally {
    await server.stop();
    await livekit.stop();
  }
  const s = results.speech!;
  const m = results.music!;
  const rows: [string, string, string, string][] = [
    ['sustained note: max level deviation after attack (dB)', s.sustainMaxDevDb.toFixed(2), m.sustainMaxDevDb.toFixed(2), '≤ 0.5'],
    ['pianissimo tail (−40 dBFS) vs input (dB)', s.tailVsInputDb.toFixed(2), m.tailVsInputDb.toFixed(2), '≥ −0.5'],
    ['worst note onset after a rest vs input (dB)', s.worstOnsetDb.toFixed(2), m.worstOnsetDb.toFixed(2), '≥ −1'],
    ['bandwidth: highest 1/3-octave within −30 dB (Hz)', s.bandwidthHz.toFixed(0), m.bandwidthHz.toFixed(0), '≥ 19500'],
    ['stereo survives (L/R separation, dB)', `${s.stereo ? 'yes' : 'no'} (${s.stereoSeparationDb.toFixed(1)})`, `${m.stereo ? 'yes' : 'no'} (${m.stereoSeparationDb.toFixed(1)})`, 'yes'],
    ['spectral distance to input, bands ≤ 16 kHz within 40 dB of the loudest (dB RMS)', s.spectralDistanceDb.toFixed(2), m.spectralDistanceDb.toFixed(2), 'lower'],
    ['receiver: concealed samples (%)', s.concealedPct!.toFixed(3), m.concealedPct!.toFixed(3), '0'],
    ['receiver: time-stretched samples (%)', s.stretchedPct!.toFixed(3), m.stretchedPct!.toFixed(3), '0'],
    ['overall gain (dB)', s.gainDb.toFixed(2), m.gainDb.toFixed(2), '≈ 0'],
  ];
  const w = [56, 16, 16, 10];
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join(' | ');
  process.stdout.write(`\nFidelity through livekit-server v1.13.5 on loopback (${seconds.toFixed(1)} s programme, received in headless Chromium)\n`);
  process.stdout.write(`${line(['metric', 'speech mode', 'music mode', 'target'])}\n${w.map((n) => '-'.repeat(n)).join('-|-')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  const ratio = s.spectralDistanceDb / Math.max(0.01, m.spectralDistanceDb);
  process.stdout.write(`\nspectral distance ratio speech/music: ${ratio.toFixed(1)}×\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ speech: s, music: m, spectralDistanceRatio: ratio }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`bench:fidelity failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
