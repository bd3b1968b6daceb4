// The muse-dsp CLI, spawned on generated WAV files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { midiToHz } from '../../wasm/src/notes.ts';
import { encodeWav, type WavEncoding } from '../../wasm/src/wav.ts';
import { median, violinTone } from '../../wasm/tests/helpers/signals.ts';
import { ensureWasmBuilt } from '../lib/wasm.ts';
import { ROOT } from '../lib/paths.ts';

const BIN = path.join(ROOT, 'bin', 'muse-dsp.js');
let dir: string;

beforeAll(() => {
  ensureWasmBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'muse-dsp-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeTone(name: string, midi: number, sampleRate: number, channels: number, encoding: WavEncoding): string {
  const tone = violinTone({ sampleRate, hz: midiToHz(midi), seconds: 0.6, vibratoCents: 0, seed: midi });
  const file = path.join(dir, name);
  writeFileSync(file, encodeWav(Array.from({ length: channels }, () => tone.samples), sampleRate, encoding));
  return file;
}

interface Line {
  t: number;
  hz: number | null;
  note: string | null;
  cents: number;
  confidence: number;
}

describe('npx muse-dsp pitch FILE.wav', () => {
  test.each([
    ['mono 16-bit 48 kHz', 69, 48000, 1, 'pcm16', 'A4'],
    ['stereo 24-bit 44.1 kHz', 76, 44100, 2, 'pcm24', 'E5'],
    ['mono 32-bit float 48 kHz', 55, 48000, 1, 'float32', 'G3'],
    ['stereo 32-bit float 44.1 kHz', 100, 44100, 2, 'float32', 'E7'],
  ] as const)('%s, MIDI %i: one JSON line per frame, right note, median within 1 cent', (_, midi, sr, ch, enc, note) => {
    const r = run('pitch', writeTone(`${note}.wav`, midi, sr, ch, enc));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    // 0.6 s, one analysis per 512 samples once the first window (≈1371 samples at 48 kHz) is full.
    expect(lines.length).toBeGreaterThan(Math.floor((0.6 * sr - 1400) / 512) - 1);
    expect(Object.keys(lines[0]).sort()).toEqual(['cents', 'confidence', 'hz', 'note', 't']);
    const steps = lines.slice(1).map((l, i) => l.t - lines[i].t);
    expect(Math.abs(median(steps) - 512 / sr)).toBeLessThan(1e-4);
    const voiced = lines.filter((l) => l.hz !== null && l.t > 0.1);
    expect(voiced.length).toBeGreaterThan(0.9 * lines.filter((l) => l.t > 0.1).length);
    expect(voiced.every((l) => l.note === note)).toBe(true);
    expect(Math.abs(1200 * Math.log2(median(voiced.map((l) => l.hz as number)) / midiToHz(midi)))).toBeLessThan(1);
  });

  test.each([
    ['8-bit PCM', () => writeTone('u8.wav', 69, 48000, 1, 'pcm8'), /found 8-bit PCM, 48000 Hz, 1 channel; accepted: mono or stereo, 16\/24-bit PCM or 32-bit float, 44100 or 48000 Hz/],
    ['22.05 kHz', () => writeTone('low.wav', 69, 22050, 1, 'pcm16'), /found 16-bit PCM, 22050 Hz, 1 channel; accepted/],
    ['three channels', () => writeTone('three.wav', 69, 48000, 3, 'pcm16'), /found 16-bit PCM, 48000 Hz, 3 channels; accepted/],
    ['not a WAV', () => { const f = path.join(dir, 'x.wav'); writeFileSync(f, 'hello'); return f; }, /not a WAV file/],
    ['a missing file', () => path.join(dir, 'missing.wav'), /cannot read .*missing\.wav: ENOENT/],
  ])('refuses %s with one line on stderr and exit code 2', (_, make, message) => {
    const r = run('pitch', make());
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  test('prints usage and exits 2 without a command', () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: muse-dsp pitch FILE\.wav/);
  });

  test('package.json maps the muse-dsp bin (what npx runs) to this shim', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { bin: Record<string, string> };
    expect(pkg.bin['muse-dsp']).toBe('bin/muse-dsp.js');
  });
});
