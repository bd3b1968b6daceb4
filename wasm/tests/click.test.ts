import { tickSchedule, type TempoChange } from '../reference/click.ts';
import { loadDsp } from './helpers/dsp.ts';

const SR = 48000;
const Q = 128;

interface Heard {
  frame: number;
  firstSample: number;
}

/** Renders the metronome in 128-frame quanta from frame `from` for `frames` frames; finds each click's first sample. */
function render(
  setup: (dsp: ReturnType<typeof loadDsp>) => void,
  from: number,
  frames: number,
  atFrame?: (frame: number, dsp: ReturnType<typeof loadDsp>) => void,
): Heard[] {
  const dsp = loadDsp();
  dsp.clickSetup(SR);
  setup(dsp);
  const heard: Heard[] = [];
  let lastNonZero = -1e9;
  for (let b = from; b < from + frames; b += Q) {
    atFrame?.(b, dsp);
    dsp.clickRender(Q, b);
    const out = dsp.clickBuffer();
    for (let i = 0; i < Q; i++) {
      if (out[i] !== 0) {
        if (b + i - lastNonZero > 50) heard.push({ frame: b + i, firstSample: out[i] });
        lastNonZero = b + i;
      }
    }
  }
  return heard;
}

describe('metronome clicks', () => {
  test('1,000 beats at 97 BPM: every click on its ideal sample (jitter 0), downbeat accented', () => {
    const start = 12_345;
    const spb = (SR * 60) / 97; // 29690.72… samples: not an integer
    const heard = render((d) => d.clickStart(start, 97, 4, 1), 0, Math.floor(start + 999.5 * spb));
    expect(heard).toHaveLength(1000);
    const jitter = heard.map((h, k) => h.frame - Math.round(start + k * spb));
    expect(Math.max(...jitter.map(Math.abs))).toBe(0);
    expect(heard.filter((h, k) => (k % 4 === 0) !== (h.firstSample === Math.fround(0.5))).length).toBe(0);
    // Agreement with the reference schedule.
    expect(heard.map((h) => h.frame)).toEqual(tickSchedule(SR, start, 97, 4, 1, start + 1000 * spb - 1).map((t) => t.frame));
  });

  test('a tempo change requested mid-bar starts exactly on the next bar line', () => {
    const requestAt = 2 * 24000 + 5000; // during beat 3 of bar 1 at 120 BPM
    const change: TempoChange = { atFrame: requestAt, bpm: 90, beatsPerBar: 3, subdivisions: 2 };
    const heard = render(
      (d) => d.clickStart(0, 120, 4, 1),
      0,
      10 * SR,
      (b, d) => {
        if (b === requestAt - (requestAt % Q)) d.clickTempo(90, 3, 2);
      },
    );
    const expected = tickSchedule(SR, 0, 120, 4, 1, 10 * SR, [{ ...change, atFrame: requestAt - (requestAt % Q) }]);
    expect(heard.map((h) => h.frame)).toEqual(expected.map((t) => t.frame));
    // Bar 2 starts at 4 beats × 24000; from there ticks are 16000 samples apart (90 BPM, eighths).
    const bar2 = heard.findIndex((h) => h.frame === 96000);
    expect(bar2).toBe(4);
    expect(heard[bar2 + 1].frame - heard[bar2].frame).toBe(16000);
    // 3/4 in eighths: accent, sub, beat, sub, beat, sub.
    const kinds = heard.slice(bar2, bar2 + 6).map((h) => h.firstSample);
    expect(kinds).toEqual([0.5, 0.2, 0.35, 0.2, 0.35, 0.2].map(Math.fround));
  });

  test('tempo is clamped to 20–300 BPM', () => {
    const fast = render((d) => d.clickStart(0, 400, 4, 1), 0, SR);
    expect(fast[1].frame - fast[0].frame).toBe(9600); // 300 BPM
    const slow = render((d) => d.clickStart(0, 5, 4, 1), 0, 7 * SR);
    expect(slow[1].frame - slow[0].frame).toBe(144000); // 20 BPM
  });

  test.each([
    // bpm, beats, subdivisions, join at (frames after the downbeat)
    [97, 3, 2, 5 * SR + 17],
    [137, 4, 1, 123 * SR + 1],
    [300, 7, 4, 3],
  ])('joining a %p BPM %p/4 ×%p grid late (at +%p frames): the clicks it would have played from there, in their places in the bar, none late', (bpm, beats, sub, late) => {
    const origin = 4801;
    const from = origin + late;
    const whole = render((d) => d.clickStart(origin, bpm, beats, sub), 0, from + 4 * SR).filter((h) => h.frame >= from - (from % Q));
    const joined = render((d) => d.clickResume(origin, bpm, beats, sub, from - (from % Q)), from - (from % Q), 4 * SR + (from % Q));
    expect(joined.length).toBeGreaterThan(3);
    expect(joined).toEqual(whole);
  });
});
