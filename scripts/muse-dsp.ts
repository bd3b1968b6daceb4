// muse-dsp command line: `muse-dsp pitch FILE.wav` prints one JSON line per analysis frame,
// {"t": s, "hz": Hz|null, "note": "A4"|null, "cents": c, "confidence": 0..1}, using the same
// wasm pitch kernel as the tuner. Bad input is one line on stderr and exit code 2.
import { readFileSync } from 'node:fs';
import { createMuseDsp, emptyPitchResult } from '../wasm/src/museDsp.ts';
import { parseWav, WavFormatError } from '../wasm/src/wav.ts';
import { ensureWasmBuilt, WASM_FILE } from './lib/wasm.ts';

const USAGE = 'usage: muse-dsp pitch FILE.wav';
const QUANTUM = 128;

function fail(message: string): never {
  process.stderr.write(`muse-dsp: ${message}\n`);
  process.exit(2);
}

function pitch(file: string): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let wav;
  try {
    wav = parseWav(bytes);
  } catch (e) {
    if (e instanceof WavFormatError) fail(`${file}: ${e.message}`);
    throw e;
  }
  ensureWasmBuilt();
  const dsp = createMuseDsp(readFileSync(WASM_FILE));
  const sr = wav.sampleRate;
  dsp.pitchSetup(sr);
  const [left, right] = wav.channels;
  const buf = dsp.channel(0);
  const res = emptyPitchResult();
  const lines: string[] = [];
  for (let i = 0; i < left.length; i += QUANTUM) {
    const n = Math.min(QUANTUM, left.length - i);
    for (let k = 0; k < n; k++) buf[k] = right ? 0.5 * (left[i + k] + right[i + k]) : left[i + k];
    if (dsp.pitchPush(0, n) === 0) continue;
    dsp.pitchResult(res);
    lines.push(
      JSON.stringify({
        t: Math.round((res.frame / sr) * 1e5) / 1e5,
        hz: res.hz === null ? null : Math.round(res.hz * 1000) / 1000,
        note: res.hz === null ? null : res.note,
        cents: Math.round(res.cents * 100) / 100,
        confidence: Math.round(res.confidence * 1000) / 1000,
      }),
    );
    if (lines.length >= 1000) process.stdout.write(lines.splice(0).join('\n') + '\n');
  }
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
}

const [command, file, ...rest] = process.argv.slice(2);
if (command !== 'pitch' || !file || rest.length) fail(USAGE);
pitch(file);
