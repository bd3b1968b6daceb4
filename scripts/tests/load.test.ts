import type { ContinuityReport } from '../lib/ContinuityMeter';
import { judgeStep, limitsAfterBaseline, linearSlope, QUALITY_LIMITS } from '../lib/loadQuality';
import { ContinuityMeter, energyShare, loudestCandidate } from '../lib/ContinuityMeter';
import { cpuPercent, machineBusyPercent, parseMachineStat, parseProcStat, parseVmRssKb } from '../lib/procstat';
import { participantFrequencies, ViolinTone } from '../lib/ViolinTone';

describe('procstat', () => {
  // A real /proc/<pid>/stat line whose command name holds a space and a ')'.
  const stat = '4242 (tokio rt) x) S 1 4242 4242 0 -1 4194560 5132 0 0 0 1234 567 0 0 20 0 17 0 98765 1234567 8901 18446744073709551615';

  test('utime + stime and threads are read after the last parenthesis', () => {
    expect(parseProcStat(stat)).toEqual({ ticks: 1234 + 567, threads: 17 });
    expect(() => parseProcStat('garbage')).toThrow(/stat/);
  });

  test('VmRSS in kB, 0 when missing', () => {
    expect(parseVmRssKb('Name:\tserver\nVmPeak:\t  900000 kB\nVmRSS:\t   53124 kB\nThreads:\t17\n')).toBe(53124);
    expect(parseVmRssKb('Name:\tzombie\nState:\tZ\n')).toBe(0);
  });

  test('CPU % of one core and machine busy %', () => {
    expect(cpuPercent({ ticks: 100, threads: 1 }, { ticks: 250, threads: 1 }, 2)).toBeCloseTo(75);
    expect(cpuPercent({ ticks: 0, threads: 1 }, { ticks: 400, threads: 1 }, 2)).toBeCloseTo(200);
    const a = parseMachineStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n');
    expect(a).toEqual({ total: 1000, idle: 800 });
    const b = parseMachineStat('cpu  480 0 200 820 100 0 0 0 0 0\n');
    expect(machineBusyPercent(a, b)).toBeCloseTo(80); // 600 ticks passed, 120 of them idle
  });
});

describe('ContinuityMeter', () => {
  const RATE = 48000;
  const freqs = participantFrequencies(8);
  const partner = freqs[5];

  /** Feeds `seconds` of the partner's tone in 10 ms frames; `fault(i)` may drop, silence or replace frame i. */
  function run(seconds: number, fault: (i: number) => 'drop' | 'silent' | 'other' | null = () => null, channels = 1) {
    const meter = new ContinuityMeter({ expectedHz: partner, candidatesHz: freqs });
    const tone = new ViolinTone(partner);
    const other = new ViolinTone(freqs[4]);
    const frame = new Int16Array(480 * channels);
    meter.reset(0);
    const frames = seconds * 100;
    for (let i = 0; i < frames; i++) {
      const f = fault(i);
      tone.fill(frame, channels, 480);
      if (f === 'other') other.fill(frame, channels, 480);
      if (f === 'silent') frame.fill(0);
      if (f !== 'drop') meter.push(frame, channels, (i + 1) * 10);
    }
    return meter.report(frames * 10);
  }

  test('a clean second-by-second stream: every frame, no gap, the partner loudest at every check', () => {
    const r = run(5);
    expect(r).toMatchObject({ expectedFrames: 500, receivedFrames: 500, missingFrames: 0, silentFrames: 0, gapPct: 0, longestGapMs: 0, pitchChecks: 5, pitchOk: 5 });
    expect(r.longestStallMs).toBe(10);
    expect(r.levelDbfs).toBeGreaterThan(-20);
    expect(r.levelDbfs).toBeLessThan(-6);
  });

  test('stereo frames are averaged to the same result', () => {
    expect(run(2, () => null, 2)).toMatchObject({ receivedFrames: 200, silentFrames: 0, pitchOk: 2 });
  });

  test('dropped frames count as missing and as a stall; silent frames as a gap with its length', () => {
    const r = run(5, (i) => (i >= 100 && i < 130 ? 'drop' : i >= 300 && i < 307 ? 'silent' : i === 400 ? 'silent' : null));
    expect(r.receivedFrames).toBe(470);
    // 30 dropped, less the one 10 ms block that may be in flight when the window closes.
    expect(r.missingFrames).toBe(29);
    expect(r.silentFrames).toBe(8);
    expect(r.longestGapMs).toBe(70);
    expect(r.gapPct).toBeCloseTo((37 / 500) * 100);
    expect(r.longestStallMs).toBe(310);
  });

  test("hearing someone else's tone fails the pitch checks", () => {
    const r = run(4, (i) => (i < 200 ? 'other' : null));
    expect(r.pitchChecks).toBe(4);
    expect(r.pitchOk).toBe(2);
    expect(r.silentFrames).toBe(0);
  });

  test('40 ms blocks (what bench:load receives): a block in flight at the end is not missing, a lost block is', () => {
    const meter = new ContinuityMeter({ expectedHz: partner, candidatesHz: freqs });
    const tone = new ViolinTone(partner);
    const block = new Int16Array(1920);
    meter.reset(0);
    for (let b = 0; b < 50; b++) {
      tone.fill(block, 1, 1920);
      if (b !== 20) meter.push(block, 1, (b + 1) * 40);
    }
    // 2.035 s: 203 frames expected, 196 came, one 40 ms block may be on its way.
    const r = meter.report(2035);
    expect(r).toMatchObject({ expectedFrames: 203, receivedFrames: 196, missingFrames: 3, silentFrames: 0, longestStallMs: 80 });
  });

  test('a receiver that hears nothing at all has every frame missing', () => {
    const meter = new ContinuityMeter({ expectedHz: partner, candidatesHz: freqs });
    meter.reset(1000);
    expect(meter.report(3000)).toMatchObject({ expectedFrames: 200, receivedFrames: 0, missingFrames: 200, gapPct: 100, longestStallMs: 2000, pitchChecks: 0 });
  });
});

describe('ViolinTone and the pitch check', () => {
  test('the fundamental holds about 58 % of the energy; neighbours 12 Hz away hold almost none', () => {
    const n = 12000;
    const x = new Float32Array(n);
    const pcm = new Int16Array(n);
    new ViolinTone(440, { vibratoDepth: 0 }).fill(pcm, 1, n);
    for (let i = 0; i < n; i++) x[i] = pcm[i] / 32768;
    const w = new Float32Array(n).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
    expect(energyShare(x, n, 440, 48000, w)).toBeGreaterThan(0.5);
    expect(energyShare(x, n, 440, 48000, w)).toBeLessThan(0.65);
    expect(energyShare(x, n, 452, 48000, w)).toBeLessThan(0.01);
    expect(loudestCandidate(x, n, [428, 440, 452, 880], 48000, w)).toBe(440);
  });

  test('peak level is as asked and frequencies are distinct', () => {
    const pcm = new Int16Array(48000);
    new ViolinTone(300, { peak: 0.25 }).fill(pcm, 1, 48000);
    const peak = pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 32768;
    expect(peak).toBeGreaterThan(0.24);
    expect(peak).toBeLessThan(0.26);
    expect(new Set(participantFrequencies(64)).size).toBe(64);
  });
});

describe('judgeStep', () => {
  const clean = (over: Partial<ContinuityReport> = {}): ContinuityReport => ({
    seconds: 20, expectedFrames: 2000, receivedFrames: 2000, missingFrames: 0, silentFrames: 0, gapPct: 0,
    longestGapMs: 0, longestStallMs: 30, pitchChecks: 20, pitchOk: 20, levelDbfs: -12, ...over,
  });
  const sdk = (lost: number, concealed: number) => ({ packetsReceived: 1000 - lost, packetsLost: lost, concealedSamples: concealed, totalSamples: 960000 });

  test('clean participants pass, with the figures averaged', () => {
    const q = judgeStep([{ continuity: clean(), sdk: sdk(0, 0) }, { continuity: clean({ gapPct: 0.2 }), sdk: sdk(2, 4800) }]);
    expect(q.reasons).toEqual([]);
    expect(q.meanGapPct).toBeCloseTo(0.1);
    expect(q.worstConcealedPct).toBeCloseTo(0.5);
    expect(q.meanLossPct).toBeCloseTo(0.1);
  });

  test('one participant with many gaps, loss, a wrong note or a stall degrades the step, and says why', () => {
    expect(judgeStep([{ continuity: clean(), sdk: null }, { continuity: clean({ gapPct: 3 }), sdk: null }]).reasons.join()).toMatch(/worst gaps 3\.00%/);
    expect(judgeStep([{ continuity: clean(), sdk: sdk(30, 0) }]).reasons.join()).toMatch(/packet loss 3\.00%/);
    expect(judgeStep([{ continuity: clean({ pitchOk: 15 }), sdk: null }]).reasons.join()).toMatch(/pitch checks failed 25\.00%/);
    expect(judgeStep([{ continuity: clean({ longestStallMs: 900 }), sdk: null }]).reasons.join()).toMatch(/stall 900\.00 ms/);
    expect(judgeStep([{ continuity: clean(), sdk: sdk(0, 96000) }]).reasons.join()).toMatch(/concealed 10\.00%/);
  });

  test('nothing heard is degraded, not vacuously fine', () => {
    expect(judgeStep([]).reasons).toContain('no participant reported');
    expect(judgeStep([{ continuity: clean({ pitchChecks: 0, pitchOk: 0 }), sdk: null }]).reasons.join()).toMatch(/pitch checks failed 100/);
  });
});

describe('limitsAfterBaseline', () => {
  test('a quiet baseline keeps the fixed limits; a noisy one raises each to twice its figure', () => {
    const quiet = judgeStep([]);
    Object.assign(quiet, { meanGapPct: 0.1, worstGapPct: 0.2, meanConcealedPct: 0.1, worstConcealedPct: 0.3, meanLossPct: 0, pitchFailPct: 0, longestStallMs: 60 });
    expect(limitsAfterBaseline(quiet)).toEqual(QUALITY_LIMITS);
    const noisy = { ...quiet, meanGapPct: 1.5, meanConcealedPct: 4, worstConcealedPct: null, longestStallMs: 290 };
    const l = limitsAfterBaseline(noisy);
    expect(l.meanGapPct).toBe(3);
    expect(l.meanConcealedPct).toBe(8);
    expect(l.worstConcealedPct).toBe(QUALITY_LIMITS.worstConcealedPct);
    expect(l.longestStallMs).toBe(580);
    // The same step figures pass against the noisy baseline and fail against the fixed limits.
    const step = [{ continuity: { seconds: 20, expectedFrames: 2000, receivedFrames: 2000, missingFrames: 0, silentFrames: 40, gapPct: 2, longestGapMs: 50, longestStallMs: 300, pitchChecks: 20, pitchOk: 20, levelDbfs: -12 }, sdk: null }];
    expect(judgeStep(step, l).reasons).toEqual([]);
    expect(judgeStep(step).reasons.length).toBeGreaterThan(0);
  });
});

test('linearSlope: CPU per added lesson from the steps, NaN from one step', () => {
  expect(linearSlope([1, 2, 4, 8], [3, 4, 6, 10])).toBeCloseTo(1);
  expect(linearSlope([1, 2, 4], [3.1, 4.9, 6.2])).toBeCloseTo(0.979, 3);
  expect(linearSlope([4], [6])).toBeNaN();
});
