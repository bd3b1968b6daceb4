// The worklet chain rendered in an OfflineAudioContext in headless Chromium: the wasm pitch
// detector and meters in the analyser worklet, and the wasm metronome's click train.
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant } from './harness/browser';

let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Participant;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchParticipant(440);
  await browser.page.goto(app.url);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

interface Report {
  pitch: { hz: number | null; midi: number; cents: number; confidence: number };
  peakDb: number;
  rmsDb: number;
  clicks: { expected: number; found: number; maxErrorFrames: number; firstFrame: number };
}

const selftest = (opts: { toneHz: number; amplitude: number; bpm: number; beats: number; startFrame: number }) =>
  browser.page.evaluate(async (o) => {
    const muse = (window as unknown as { muse: { selftest(o: unknown): Promise<unknown> } }).muse;
    return (await muse.selftest(o)) as Report;
  }, opts) as Promise<Report>;

test.each([
  // [tone, amplitude, bpm, beats]: 1,000 beats at a tempo whose period is not a whole number of samples.
  [440, 0.5, 137, 1000],
  [196, 0.25, 300, 1000],
  [2637.02, 0.1, 20, 12],
])('%p Hz at %p: pitch, meter and a %p BPM click train with zero jitter', async (hz, amp, bpm, beats) => {
  const startFrame = 4801;
  const r = await selftest({ toneHz: hz, amplitude: amp, bpm, beats, startFrame });
  const expectedMidi = Math.round(69 + 12 * Math.log2(hz / 440));
  const expectedCents = 1200 * Math.log2(hz / 440) - (expectedMidi - 69) * 100;
  expect(r.pitch.midi).toBe(expectedMidi);
  expect(Math.abs(r.pitch.cents - expectedCents)).toBeLessThan(0.5);
  expect(r.pitch.confidence).toBeGreaterThan(0.9);
  const ampDb = 20 * Math.log10(amp);
  expect(Math.abs(r.peakDb - ampDb)).toBeLessThan(0.2);
  expect(Math.abs(r.rmsDb - (ampDb - 3.01))).toBeLessThan(0.2);
  expect(r.clicks.found).toBe(beats);
  expect(r.clicks.firstFrame).toBe(startFrame);
  expect(r.clicks.maxErrorFrames).toBe(0);
});

test.each([
  ['cross-origin isolated (shared memory)', true],
  ['not isolated (low-rate port messages)', false],
])('live analyser path, %s: the tuner reading of a 440 Hz sine', async (_name, isolated) => {
  const page = await browser.context.newPage();
  if (!isolated) {
    // Without COOP/COEP the page has no SharedArrayBuffer, and the worklet falls back to messages.
    await page.route('**/*', async (route) => {
      const res = await route.fetch();
      const headers = { ...res.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response: res, headers });
    });
  }
  await page.goto(app.url);
  const r = await page.evaluate(async () => (window as unknown as { muse: { liveCheck(hz: number): Promise<{ isolated: boolean; pitch: { midi: number; cents: number }; peakDb: number; rmsDb: number; sequence: number }> } }).muse.liveCheck(440));
  await page.close();
  expect(r.isolated).toBe(isolated);
  expect(r.pitch.midi).toBe(69);
  expect(Math.abs(r.pitch.cents)).toBeLessThan(1);
  // RMS of a 0.25 sine is −15.05 dBFS; the held peak may keep the high-pass's start-up overshoot.
  expect(Math.abs(r.rmsDb - (20 * Math.log10(0.25) - 3.01))).toBeLessThan(0.3);
  expect(r.peakDb).toBeGreaterThan(20 * Math.log10(0.25) - 0.2);
  expect(r.peakDb).toBeLessThan(20 * Math.log10(0.25) + 1.5);
  expect(r.sequence).toBeGreaterThan(10); // readings keep coming (every 4 quanta)
});

test.each([
  // [from, to, beats per bar]: faster and slower, periods that are not whole samples.
  [137, 211, 4],
  [97, 61, 3],
])('a tempo change %p → %p BPM in %p/4 lands exactly on the bar line, zero jitter either side', async (bpm, toBpm, beatsPerBar) => {
  const r = (await browser.page.evaluate(async (o) => {
    const muse = (window as unknown as { muse: { tempoChangeSelftest(o: unknown): Promise<unknown> } }).muse;
    return muse.tempoChangeSelftest(o);
  }, { startFrame: 4801, bpm, toBpm, beatsPerBar, barsAfter: 3 })) as { frames: number[]; expected: number[]; maxErrorFrames: number };
  expect(r.frames.length).toBe(beatsPerBar * 4);
  expect(r.frames).toEqual(r.expected);
  expect(r.maxErrorFrames).toBe(0);
  // The interval across the bar line is the new tempo's, not the old one's.
  const period = (b: number) => (60 / b) * 48000;
  expect(Math.abs(r.frames[beatsPerBar] - r.frames[beatsPerBar - 1] - period(bpm))).toBeLessThanOrEqual(1);
  expect(Math.abs(r.frames[beatsPerBar + 1] - r.frames[beatsPerBar] - period(toBpm))).toBeLessThanOrEqual(1);
});

interface LimiterReport { inputPeakDb: number; outputPeakDb: number; delayFrames: number; maxDeviation: number; reportedReductionDb: number }
const limiterSelftest = (opts: { amplitude: number; gainDb: number }) =>
  browser.page.evaluate(async (o) => {
    const muse = (window as unknown as { muse: { limiterSelftest(o: unknown): Promise<unknown> } }).muse;
    return (await muse.limiterSelftest(o)) as LimiterReport;
  }, opts) as Promise<LimiterReport>;

test('publish-path limiter: quiet playing passes bit for bit, only delayed by its 2 ms lookahead', async () => {
  const r = await limiterSelftest({ amplitude: 0.1, gainDb: 0 });
  expect(r.delayFrames).toBe(96);
  expect(r.maxDeviation).toBeLessThan(1e-6);
  expect(Math.abs(r.outputPeakDb - 20 * Math.log10(0.1))).toBeLessThan(0.05);
  expect(r.reportedReductionDb).toBe(0);
});

test('publish-path limiter: input gain, then a fortissimo held under −1 dBFS and reported', async () => {
  // 0.5 (−6 dBFS) with +12 dB of input gain is +6 dBFS: 7 dB over the ceiling.
  const r = await limiterSelftest({ amplitude: 0.5, gainDb: 12 });
  process.stdout.write(`limiter: in ${r.inputPeakDb.toFixed(2)} dBFS, out ${r.outputPeakDb.toFixed(2)} dBFS, reported ${r.reportedReductionDb.toFixed(2)} dB\n`);
  expect(Math.abs(r.inputPeakDb - (20 * Math.log10(0.5) + 12))).toBeLessThan(0.1);
  expect(r.outputPeakDb).toBeLessThanOrEqual(-1 + 1e-3);
  expect(r.outputPeakDb).toBeGreaterThan(-1.5);
  expect(Math.abs(r.reportedReductionDb - (-1 - r.inputPeakDb))).toBeLessThan(0.2);
});
