// npm run bench:opus [-- --json FILE]
// What Opus in WebAssembly inside the duet worklets would cost (issue 5 asks to measure it beside
// WebCodecs): libopus (the @evan/opus package's wasm builds, through scripts/lib/opusWasm.ts,
// which allocates nothing per frame) encoding and decoding 2.5 ms frames of a synthetic violin
// (vibrato, bow noise, G3 and A4) in Opus's restricted low-delay mode, against the 16-bit PCM the
// duet path sends now (the baseline, same run). Per frame: µs to encode, to decode, to conceal a
// lost frame; bytes; the encoder's lookahead (latency it adds); SNR of the round trip; and the
// share of the audio thread it would take (one frame encoded and one decoded per 2.5 ms, on each
// side) and of a 128-sample quantum's 2.67 ms. Times are the best of five passes after a warm-up.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { decodePcm16, encodePcm16 } from '../client/src/lesson/duetPacket.ts';
import { violinTone } from '../wasm/tests/helpers/signals.ts';
import { instantiateOpus, OPUS, opusWasmBytes } from './lib/opusWasm.ts';

const FRAME = 120;
const SR = 48000;
const QUANTUM_US = (128 / SR) * 1e6;
const jsonIdx = process.argv.indexOf('--json');
const jsonFile = jsonIdx > 0 ? process.argv[jsonIdx + 1] : undefined;

const seconds = 4;
const tones = [violinTone({ sampleRate: SR, hz: 196, seconds, seed: 3 }), violinTone({ sampleRate: SR, hz: 440, seconds, seed: 7 })];
const signal = new Float32Array(tones.length * seconds * SR);
tones.forEach((t, i) => signal.set(t.samples, i * seconds * SR));
const frames = Math.floor(signal.length / FRAME);

interface Row {
  name: string;
  encodeUs: number;
  decodeUs: number;
  concealUs: number | null;
  bytes: number;
  lookaheadMs: number;
  snrDb: number;
  /** Encode + decode of one frame each per 2.5 ms, % of one core. */
  threadPct: number;
  /** Encode + decode, % of one 128-sample quantum (the audio thread's deadline). */
  quantumPct: number;
}

function best(passes: number, run: () => void): number {
  run(); // warm-up
  let min = Infinity;
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    run();
    min = Math.min(min, performance.now() - t0);
  }
  return (min * 1000) / frames;
}

/** Round-trip SNR over the whole signal (after the first 100 ms), output shifted back by `delay` samples. */
function snr(out: Float32Array, delay: number): number {
  let s = 0;
  let e = 0;
  for (let i = SR / 10; i + delay < out.length; i++) {
    s += signal[i] ** 2;
    e += (signal[i] - out[i + delay]) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1e-20));
}

function row(name: string, encodeUs: number, decodeUs: number, concealUs: number | null, bytes: number, lookahead: number, snrDb: number): Row {
  const perFrame = encodeUs + decodeUs;
  return { name, encodeUs, decodeUs, concealUs, bytes, lookaheadMs: (lookahead / SR) * 1000, snrDb, threadPct: (100 * perFrame) / ((FRAME / SR) * 1e6), quantumPct: (100 * perFrame) / QUANTUM_US };
}

function pcmRow(): Row {
  const packets = Array.from({ length: frames }, () => new Uint8Array(FRAME * 2));
  const out = new Float32Array(frames * FRAME);
  const scratch = new Float32Array(FRAME);
  const encodeUs = best(5, () => {
    for (let f = 0; f < frames; f++) encodePcm16(signal, f * FRAME, FRAME, packets[f]);
  });
  const decodeUs = best(5, () => {
    for (let f = 0; f < frames; f++) {
      decodePcm16(packets[f], scratch);
      out.set(scratch, f * FRAME);
    }
  });
  return row('16-bit PCM (the duet path now; baseline)', encodeUs, decodeUs, null, FRAME * 2, 0, snr(out, 0));
}

function opusRow(build: 'simd' | 'scalar', bitrate: number, complexity: number): Row {
  const lib = instantiateOpus(opusWasmBytes(build));
  const packets: Uint8Array[] = new Array(frames);
  let enc = lib.encoder({ bitrate, complexity, frame: FRAME });
  const lookahead = enc.lookahead;
  const encodeUs = best(5, () => {
    // A fresh encoder each pass, so each pass encodes the same audio from the same state.
    enc = lib.encoder({ bitrate, complexity, frame: FRAME });
    for (let f = 0; f < frames; f++) packets[f] = enc.packet(enc.encode(signal, f * FRAME)).slice();
  });
  const out = new Float32Array(frames * FRAME);
  const scratch = new Float32Array(FRAME);
  const decodeUs = best(5, () => {
    const dec = lib.decoder(FRAME);
    for (let f = 0; f < frames; f++) {
      dec.decode(packets[f], scratch);
      out.set(scratch, f * FRAME);
    }
  });
  // Concealment: every fourth frame lost (Opus's own PLC), timed over the lost frames only.
  const dec = lib.decoder(FRAME);
  let lostMs = 0;
  let lost = 0;
  for (let f = 0; f < frames; f++) {
    if (f % 4 === 3) {
      const t0 = performance.now();
      dec.decode(null, scratch);
      lostMs += performance.now() - t0;
      lost++;
    } else dec.decode(packets[f], scratch);
  }
  const bytes = packets.reduce((a, p) => a + p.length, 0) / frames;
  return row(`Opus wasm ${build === 'simd' ? 'SIMD' : 'scalar'}, low delay, ${bitrate / 1000} kbit/s, complexity ${complexity}`, encodeUs, decodeUs, (lostMs * 1000) / lost, bytes, lookahead, snr(out, lookahead));
}

const rows: Row[] = [pcmRow(), opusRow('simd', 128_000, 10), opusRow('simd', 128_000, 5), opusRow('simd', 96_000, 10), opusRow('scalar', 128_000, 10)];
const base = rows[0];
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
process.stdout.write(`\nOpus in WebAssembly against 16-bit PCM, 2.5 ms mono frames at 48 kHz (${frames} frames of a synthetic violin), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}\n`);
const head = ['codec', 'encode µs', 'decode µs', 'conceal µs', 'bytes/frame', 'kbit/s', 'lookahead ms', 'SNR dB', 'audio thread %', '% of a quantum', 'enc+dec vs PCM'];
const table = rows.map((r) => [r.name, f1(r.encodeUs), f1(r.decodeUs), r.concealUs === null ? '–' : f1(r.concealUs), f1(r.bytes), f1((r.bytes * 8 * SR) / FRAME / 1000), f2(r.lookaheadMs), f1(r.snrDb), f2(r.threadPct), f2(r.quantumPct), r === base ? 'baseline' : `${f1((r.encodeUs + r.decodeUs) / (base.encodeUs + base.decodeUs))}×`]);
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${table.map(line).join('\n')}\n`);
process.stdout.write(`\naudio thread %: one frame encoded and one decoded every 2.5 ms (what each side's worklets would do), % of one core. % of a quantum: the same against the 2.67 ms a 128-sample quantum allows.\nlookahead: latency the encoder adds (OPUS_GET_LOOKAHEAD); SNR: the round trip against the input, shifted by it. Restricted low-delay mode is CELT only; request ${OPUS.SET_EXPERT_FRAME_DURATION} sets the 2.5 ms frames.\n`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ machine: { cores: os.cpus().length, load: os.loadavg()[0] }, frames, rows }, null, 2));
