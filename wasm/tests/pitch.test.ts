import { emptyPitchResult } from '../src/museDsp.ts';
import { midiToHz } from '../src/notes.ts';
import { PITCH_DEFAULTS } from '../src/defaults.ts';
import { createPitchDetector } from '../reference/pitch.ts';
import { loadDsp } from './helpers/dsp.ts';
import { APT_PACKAGES, renderViolin } from './helpers/fluidsynth.ts';
import { combine, referencePitchFrames, score, wasmPitchFrames, type Frame, type Score } from './helpers/pitchEval.ts';
import { median, sine, violinTone } from './helpers/signals.ts';

const SR = 48000;
// G3 (55) to E7 (100) in minor thirds, plus E7 itself.
const NOTES = [55, 58, 61, 64, 67, 70, 73, 76, 79, 82, 85, 88, 91, 94, 97, 100];

function log(title: string, s: Score): void {
  // One line per suite, for the report; the assertions below are what counts.
  console.log(
    `${title}: frames ${s.frames}, unvoiced ${s.unvoiced}, gross ${s.gross}, octave ${s.octave}, median ${s.medianCents.toFixed(3)} c, p90 ${s.p90Cents.toFixed(3)} c`,
  );
}

describe('pitch detector on synthetic violin tones (harmonics, 5.5 Hz ±15 c vibrato, bow noise)', () => {
  const dsp = loadDsp();
  const tones = NOTES.map((midi) => ({ midi, tone: violinTone({ sampleRate: SR, hz: midiToHz(midi), seconds: 1, seed: midi }) }));
  // Score frames whose samples lie after the attack: analysis centre ≥ 0.1 s.
  const from = 0.1 * SR;
  const to = SR;
  const results = tones.map(({ midi, tone }) => {
    const frames = wasmPitchFrames(dsp, tone.samples, SR);
    return { midi, tone, frames, vsInstant: score(frames, (t) => tone.hzAt(t / SR), from, to) };
  });

  test('G3–E7: median error ≤ 0.5 cent against the pitch at each analysis’s time centre; no gross or octave errors', () => {
    const all = combine(results.map((r) => r.vsInstant));
    log('synthetic G3–E7 vs instantaneous pitch', all);
    for (const r of results) {
      expect({ midi: r.midi, gross: r.vsInstant.gross, octave: r.vsInstant.octave, unvoiced: r.vsInstant.unvoiced }).toEqual({
        midi: r.midi, gross: 0, octave: 0, unvoiced: 0,
      });
      expect(r.vsInstant.medianCents).toBeLessThanOrEqual(0.5);
      expect(r.vsInstant.p90Cents).toBeLessThanOrEqual(1);
    }
    expect(all.medianCents).toBeLessThanOrEqual(0.5);
  });

  test('the time stamp matters: scored against the window’s end instead, the same estimates are off by cents', () => {
    // Shows the reported time is the true centre: shifting it by half a window breaks the match.
    const r = results[0];
    const shifted = r.frames.map((f) => ({ ...f, time: f.time + 650 }));
    const s = score(shifted, (t) => r.tone.hzAt(t / SR), from, to - 650);
    expect(s.medianCents).toBeGreaterThan(2 * r.vsInstant.medianCents + 1);
  });

  test('over whole vibrato cycles the mean estimate is the note’s centre pitch within 0.5 cent', () => {
    const cycles = 4;
    const span = (cycles / 5.5) * SR;
    const worst = Math.max(
      ...results.map(({ frames, tone }) => {
        const inSpan = frames.filter((f) => f.hz !== null && f.time >= from && f.time < from + span);
        const mean = inSpan.reduce((a, f) => a + 1200 * Math.log2((f.hz as number) / tone.centreHz), 0) / inSpan.length;
        return Math.abs(mean);
      }),
    );
    console.log(`synthetic G3–E7 vibrato centre: worst |mean| ${worst.toFixed(3)} c`);
    expect(worst).toBeLessThanOrEqual(0.5);
  });

  test.each([
    [55, 4.5, 30, 1],
    [62, 6, 30, 0.5],
    [69, 5.5, 15, 0.5],
    [81, 6.5, 20, 0.5],
    [93, 7, 15, 0.5],
    [100, 5, 25, 0.5],
  ])('vibrato centre output, MIDI %i with %f Hz ±%i c vibrato: median within %f c of the centre pitch', (midi, vibratoHz, vibratoCents, bound) => {
    const tone = violinTone({ sampleRate: SR, hz: midiToHz(midi), seconds: 1.2, vibratoHz, vibratoCents, seed: midi });
    const frames = wasmPitchFrames(dsp, tone.samples, SR);
    const centre = frames.filter((f) => f.centreHz).map((f) => Math.abs(1200 * Math.log2((f.centreHz as number) / tone.centreHz)));
    const instant = frames.filter((f) => f.hz && f.time > from).map((f) => Math.abs(1200 * Math.log2((f.hz as number) / tone.centreHz)));
    // Available from ≈350 ms into the note: 79 of the 110 frames of 1.2 s.
    expect(centre.length).toBeGreaterThan(0.65 * frames.length);
    console.log(`centre MIDI ${midi}, ${vibratoHz} Hz ±${vibratoCents} c: median ${median(centre).toFixed(3)} c, max ${Math.max(...centre).toFixed(3)} c (per frame: median ${median(instant).toFixed(1)} c)`);
    expect(median(centre)).toBeLessThanOrEqual(bound);
    expect(Math.max(...centre)).toBeLessThanOrEqual(1.5);
    expect(median(instant)).toBeGreaterThan(5); // the per-frame pitch does follow the vibrato
    const ref = referencePitchFrames(tone.samples, SR);
    frames.forEach((f, i) => {
      expect(Boolean(f.centreHz)).toBe(Boolean(ref[i].centreHz));
      if (f.centreHz && ref[i].centreHz) expect(Math.abs(1200 * Math.log2(f.centreHz / (ref[i].centreHz as number)))).toBeLessThan(0.01);
    });
  });

  test('wasm (SIMD and scalar builds) agrees with the TypeScript reference within 0.01 cent', () => {
    const scalar = loadDsp(true);
    for (const r of [results[0], results[8], results[15]]) {
      const ref = referencePitchFrames(r.tone.samples, SR);
      const sc = wasmPitchFrames(scalar, r.tone.samples, SR);
      expect(ref).toHaveLength(r.frames.length);
      const cents = (a: Frame, b: Frame): number => (a.hz && b.hz ? Math.abs(1200 * Math.log2(a.hz / b.hz)) : a.hz === b.hz ? 0 : Infinity);
      expect(Math.max(...r.frames.map((f, i) => cents(f, ref[i])))).toBeLessThan(0.01);
      expect(Math.max(...r.frames.map((f, i) => cents(f, sc[i])))).toBeLessThan(0.01);
      expect(Math.max(...r.frames.map((f, i) => Math.abs(f.time - ref[i].time)))).toBeLessThan(0.01);
    }
  });

  test('wasm agrees with the reference at 44.1 and 32 kHz too (the FFT is 2048 long at 48 and 44.1 kHz, 1024 at 32 kHz)', () => {
    const scalar = loadDsp(true);
    for (const sr of [44100, 32000]) {
      for (const midi of [55, 76, 100]) {
        const tone = violinTone({ sampleRate: sr, hz: midiToHz(midi), seconds: 0.6, seed: midi });
        const ref = referencePitchFrames(tone.samples, sr);
        for (const d of [dsp, scalar]) {
          const frames = wasmPitchFrames(d, tone.samples, sr);
          expect(frames).toHaveLength(ref.length);
          expect(frames.every((f, i) => Boolean(f.hz) === Boolean(ref[i].hz))).toBe(true);
          expect(Math.max(...frames.map((f, i) => (f.hz ? Math.abs(1200 * Math.log2(f.hz / (ref[i].hz as number))) : 0)))).toBeLessThan(0.01);
        }
      }
    }
  });

  test('pitchPush runs an analysis every hop whatever the block size: counts and frame times match the reference', () => {
    const x = violinTone({ sampleRate: SR, hz: 523, seconds: 0.5, seed: 1 }).samples;
    const res = emptyPitchResult();
    for (const [hop, block] of [[300, 1000], [1, 7], [2048, 1024], [512, 77]]) {
      dsp.pitchSetup(SR, { hop });
      const ref = createPitchDetector({ sampleRate: SR, ...PITCH_DEFAULTS, hop });
      for (let i = 0; i + block <= x.length; i += block) {
        dsp.channel(0).set(x.subarray(i, i + block));
        const n = dsp.pitchPush(0, block);
        let refN = 0;
        let refTime = 0;
        ref.push(x.subarray(i, i + block), block, (e) => {
          refN++;
          refTime = e.time;
        });
        expect(n).toBe(refN);
        if (n) expect(Math.abs(dsp.pitchResult(res).frame - refTime)).toBeLessThan(0.01);
      }
    }
  });

  test('works at 44.1 kHz too (A4 and E7)', () => {
    for (const midi of [69, 100]) {
      const tone = violinTone({ sampleRate: 44100, hz: midiToHz(midi), seconds: 0.8, seed: 5 });
      const s = score(wasmPitchFrames(dsp, tone.samples, 44100), (t) => tone.hzAt(t / 44100), 0.1 * 44100, 0.8 * 44100);
      expect(s.gross + s.unvoiced).toBe(0);
      expect(s.medianCents).toBeLessThanOrEqual(0.5);
    }
  });

  test('names notes and cents; silence is unvoiced', () => {
    const res = emptyPitchResult();
    dsp.pitchSetup(SR);
    const x = sine(SR, 445, 0.3, 0.3);
    dsp.channel(0).set(x.subarray(x.length - 1024));
    for (let i = 0; i + 128 <= x.length; i += 128) {
      dsp.channel(0).set(x.subarray(i, i + 128));
      dsp.pitchPush(0, 128);
    }
    dsp.pitchResult(res);
    expect(res.note).toBe('A4');
    expect(res.midi).toBe(69);
    expect(res.cents).toBeCloseTo(1200 * Math.log2(445 / 440), 1); // +19.56
    expect(res.confidence).toBeGreaterThan(0.95);
    dsp.channel(0).fill(0);
    for (let i = 0; i < 16; i++) dsp.pitchPush(0, 128);
    dsp.pitchResult(res);
    expect(res.hz).toBeNull();
    expect(res.note).toBe('');
  });
});

describe('pitch detector on sampled violin (FluidSynth, FluidR3_GM program 41)', () => {
  // FluidSynth is a test dependency: a missing binary fails here with the apt command, never skips.
  const notes = [55, 58, 62, 65, 69, 72, 76, 79, 83, 86, 89, 93, 96, 100];

  test('without fluidsynth on PATH the render fails and names the apt packages', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => renderViolin([69], 0.2, 0.1)).toThrow(`apt-get install -y ${APT_PACKAGES}`);
    } finally {
      process.env.PATH = path;
    }
  });

  test(`G3–E7: no octave or gross errors, median error within the samples' own vibrato (needs apt: ${APT_PACKAGES})`, () => {
    const r = renderViolin(notes);
    const dsp = loadDsp();
    const frames = wasmPitchFrames(dsp, r.samples, r.sampleRate);
    // From 150 ms after note-on (past the bow attack) to note-off.
    const perNote = r.notes.map((n) => score(frames, () => midiToHz(n.midi), n.start + 0.15 * r.sampleRate, n.end));
    const all = combine(perNote);
    log('FluidSynth violin G3–E7 vs nominal note', all);
    expect(all.octave).toBe(0);
    // Gross here means off by more than a semitone: the samples' vibrato and detuning reach
    // ±50 c at the top (E7 is stretched from a lower sample), so 50 c is not a detector error.
    const semitoneOff = all.errors.filter((c) => Math.abs(c) > 100).length;
    expect(semitoneOff).toBe(0);
    expect(all.unvoiced).toBeLessThanOrEqual(0.02 * all.frames);
    expect(all.medianCents).toBeLessThanOrEqual(15);
    // Each note's centre (median signed error) is within 50 c of its MIDI note.
    for (const [k, s] of perNote.entries()) {
      const signed = [...s.errors].sort((a, b) => a - b);
      expect({ midi: notes[k], centreOk: Math.abs(signed[signed.length >> 1]) < 50 }).toEqual({ midi: notes[k], centreOk: true });
    }
  });
});
