// Renders violin notes with FluidSynth (GM program 41, reverb and chorus off) for tests and
// the benchmark. Missing tools are an error naming the Debian packages, never a skip.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseWav } from '../../src/wav.ts';
import { ROOT } from './dsp.ts';

export const SOUNDFONT = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
export const APT_PACKAGES = 'fluidsynth fluid-soundfont-gm';

export interface RenderedNote {
  midi: number;
  /** First and last sample of the sounding note. */
  start: number;
  end: number;
}

export interface Rendered {
  sampleRate: number;
  samples: Float32Array;
  notes: RenderedNote[];
}

function vlq(n: number): number[] {
  const out = [n & 0x7f];
  while ((n >>= 7)) out.unshift((n & 0x7f) | 0x80);
  return out;
}

/** A type-0 MIDI file: violin, no reverb/chorus send, the notes one after another. */
export function violinMidi(notes: number[], noteSeconds: number, gapSeconds: number): Uint8Array {
  const tpq = 480; // at the default 120 BPM, 960 ticks per second
  const perSec = 960;
  const ev: number[] = [
    0, 0xc0, 40, // program 41 (0-based 40): Violin
    0, 0xb0, 91, 0, // reverb send off
    0, 0xb0, 93, 0, // chorus send off
  ];
  let first = true;
  for (const n of notes) {
    ev.push(...vlq(first ? Math.round(0.1 * perSec) : Math.round(gapSeconds * perSec)), 0x90, n, 100);
    ev.push(...vlq(Math.round(noteSeconds * perSec)), 0x80, n, 0);
    first = false;
  }
  ev.push(...vlq(perSec), 0xff, 0x2f, 0);
  const track = Uint8Array.from(ev);
  const head = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, tpq >> 8, tpq & 0xff];
  const len = track.length;
  return Uint8Array.from([...head, 0x4d, 0x54, 0x72, 0x6b, len >>> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, ...track]);
}

/** Renders `notes` (MIDI numbers) at 48 kHz; cached under .cache/ by content. */
export function renderViolin(notes: number[], noteSeconds = 1.0, gapSeconds = 0.3, sampleRate = 48000): Rendered {
  // env passed explicitly: under jest, the test's process.env is not the one child_process sees.
  const which = spawnSync('fluidsynth', ['--version'], { encoding: 'utf8', env: process.env });
  if (which.error || which.status !== 0) {
    throw new Error(`fluidsynth is not installed: run "apt-get install -y ${APT_PACKAGES}" (Debian packages fluidsynth and fluid-soundfont-gm)`);
  }
  if (!existsSync(SOUNDFONT)) {
    throw new Error(`${SOUNDFONT} is missing: run "apt-get install -y fluid-soundfont-gm"`);
  }
  const midi = violinMidi(notes, noteSeconds, gapSeconds);
  const key = createHash('sha256').update(midi).update(String(sampleRate)).digest('hex').slice(0, 16);
  const dir = path.join(ROOT, '.cache', 'fluidsynth');
  mkdirSync(dir, { recursive: true });
  const wavPath = path.join(dir, `violin-${key}.wav`);
  if (!existsSync(wavPath)) {
    const midPath = path.join(dir, `violin-${key}.mid`);
    writeFileSync(midPath, midi);
    const r = spawnSync('fluidsynth', ['-ni', '-R', '0', '-C', '0', '-g', '0.6', '-F', wavPath, '-r', String(sampleRate), SOUNDFONT, midPath], {
      encoding: 'utf8',
      env: process.env,
    });
    if (r.status !== 0 || !existsSync(wavPath)) throw new Error(`fluidsynth failed: ${r.stderr || r.stdout}`);
  }
  const wav = parseWav(readFileSync(wavPath));
  const ch = wav.channels;
  const samples = new Float32Array(ch[0].length);
  for (let i = 0; i < samples.length; i++) samples[i] = ch.length > 1 ? 0.5 * (ch[0][i] + ch[1][i]) : ch[0][i];
  const out: RenderedNote[] = [];
  let t = 0.1;
  for (const m of notes) {
    out.push({ midi: m, start: Math.round(t * sampleRate), end: Math.round((t + noteSeconds) * sampleRate) });
    t += noteSeconds + gapSeconds;
  }
  return { sampleRate: wav.sampleRate, samples, notes: out };
}
