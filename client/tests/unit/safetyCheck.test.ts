import { analyseCheck, CHECK_RATE, checkProgramme, PROGRAMME, type CheckKey } from '../../src/lesson/check/analysis';

const rate = CHECK_RATE;
const sent = checkProgramme();

/** The programme as it would come back `delayMs` later, in a recording that starts at frame 1000. */
function received(delayMs: number, change?: (l: Float32Array, r: Float32Array) => void) {
  const delay = Math.round((delayMs / 1000) * rate);
  const n = sent.left.length + delay + rate;
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  l.set(sent.left, delay);
  r.set(sent.right, delay);
  change?.(l.subarray(delay), r.subarray(delay));
  return { left: l, right: r };
}

const failing = (res: ReturnType<typeof analyseCheck>) => res.items.filter((i) => !i.ok).map((i) => i.key).sort();
const at = (s: number) => Math.round(s * rate);

test('a clean path is safe and its latency is measured on the shared clock', () => {
  const res = analyseCheck(sent, received(72), 1000, 1000);
  expect(failing(res)).toEqual([]);
  expect(res.safe).toBe(true);
  expect(res.items.find((i) => i.key === 'latency')!.value).toBeCloseTo(72, 0);
});

test.each<[string, CheckKey[], (l: Float32Array, r: Float32Array) => void]>([
  ['a mono downmix', ['stereo'], (l, r) => {
    for (let i = 0; i < l.length; i++) l[i] = r[i] = (l[i] + r[i]) / 2;
  }],
  ['gain pumping on the sustained note', ['pumping'], (l, r) => {
    for (let i = 0; i < at(PROGRAMME.sustain[1]); i++) {
      const g = 10 ** ((4 * Math.sin((2 * Math.PI * 2 * i) / rate)) / 20);
      l[i] *= g;
      r[i] *= g;
    }
  }],
  ['an AGC that lifts the pianissimo', ['pianissimo'], (l, r) => {
    for (let i = at(PROGRAMME.pianissimo[0]); i < at(PROGRAMME.pianissimo[1]); i++) {
      l[i] *= 6;
      r[i] *= 6;
    }
  }],
  ['a gate that eats the note after the rest', ['gating'], (l, r) => {
    l.fill(0, at(PROGRAMME.reentry[0]), at(PROGRAMME.reentry[0] + 0.15));
    r.fill(0, at(PROGRAMME.reentry[0]), at(PROGRAMME.reentry[0] + 0.15));
  }],
  ['an 8 kHz low-pass', ['bandwidth'], (l, r) => {
    // Two passes of a one-pole low-pass, enough to push 16 kHz and up 30 dB down.
    for (const x of [l, r]) for (let pass = 0; pass < 4; pass++) {
      let y = 0;
      const a = Math.exp((-2 * Math.PI * 4000) / rate);
      for (let i = 0; i < x.length; i++) x[i] = y = (1 - a) * x[i] + a * y;
    }
  }],
])('%s fails exactly its item', (_name, expected, change) => {
  const res = analyseCheck(sent, received(60, change), 1000, 1000);
  expect(res.safe).toBe(false);
  expect(failing(res)).toEqual(expected);
});

test('nothing arriving is unsafe, not an exception', () => {
  const silent = { left: new Float32Array(rate * 6), right: new Float32Array(rate * 6) };
  const res = analyseCheck(sent, silent, 0, 0);
  expect(res.safe).toBe(false);
  expect(res.items[0].key).toBe('latency');
});

/** The programme with `extraMs` more delay from the rest on, as when the receiver's jitter buffer grows during the rest. */
function delayedAfterRest(extraMs: number, gateMs = 0) {
  const res = received(60);
  const extra = Math.round((extraMs / 1000) * rate);
  const delay = Math.round((60 / 1000) * rate);
  for (const [x, src] of [[res.left, sent.left], [res.right, sent.right]] as const) {
    const from = delay + at(PROGRAMME.rest[0]);
    x.fill(0, from);
    x.set(src.subarray(at(PROGRAMME.rest[0])), from + extra);
    if (gateMs) x.fill(0, from + extra, delay + extra + at(PROGRAMME.reentry[0] + gateMs / 1000));
  }
  return res;
}

test.each([40, 120, -40])('a jitter buffer that changed its delay by %d ms during the rest is not taken for a gate', (extraMs) => {
  const res = analyseCheck(sent, delayedAfterRest(extraMs), 1000, 1000);
  expect(failing(res)).toEqual([]);
});

test('a gate after the rest is still found when the delay changed during the rest', () => {
  const res = analyseCheck(sent, delayedAfterRest(120, 150), 1000, 1000);
  expect(failing(res)).toEqual(['gating']);
});
