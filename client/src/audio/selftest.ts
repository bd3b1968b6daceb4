// Renders our worklet chain in an OfflineAudioContext and reports what it measured: the
// audio engine's self-test (run by the browser tests, usable from the console).
import { MuseAnalyserNode, type Pitch } from './AnalyserNode';
import { addWorklets, compileDsp } from './engine';
import { MetronomeNode } from './MetronomeNode';

export interface SelfTestReport {
  pitch: Pitch;
  peakDb: number;
  rmsDb: number;
  clicks: { expected: number; found: number; maxErrorFrames: number; firstFrame: number };
}

/**
 * Plays a `toneHz` sine at `amplitude` into the analyser, and runs the metronome for `beats`
 * beats at `bpm` from frame `startFrame`; compares every click's first sample with
 * round(start + k · 60/bpm · rate).
 */
export async function runSelfTest(opts: { toneHz: number; amplitude: number; bpm: number; beats: number; startFrame: number }): Promise<SelfTestReport> {
  const rate = 48000;
  const period = (60 / opts.bpm) * rate;
  // Room for exactly `beats` clicks: the last one (k = beats − 1) plus 100 ms.
  const length = Math.ceil(opts.startFrame + (opts.beats - 1) * period + rate / 10);
  const ctx = new OfflineAudioContext({ numberOfChannels: 2, length, sampleRate: rate });
  await addWorklets(ctx);
  const dsp = await compileDsp();

  const osc = new OscillatorNode(ctx, { frequency: opts.toneHz });
  const gain = new GainNode(ctx, { gain: opts.amplitude });
  const analyser = new MuseAnalyserNode(ctx, dsp);
  osc.connect(gain).connect(analyser.node);
  osc.start(0);
  osc.stop(Math.min(2, length / rate)); // pitch and level are read from the first seconds

  const metronome = new MetronomeNode(ctx, dsp, 0.5, { frame: opts.startFrame, bpm: opts.bpm, beatsPerBar: 4, subdivisions: 1 });
  metronome.node.connect(ctx.destination);

  // Read the analyser at 1.9 s, while the tone still sounds.
  let pitch: Pitch = { hz: null, midi: 0, cents: 0, confidence: 0, centreCents: null };
  let level = { peakDb: -90, rmsDb: -90 };
  let clicks: SelfTestReport['clicks'] = { expected: opts.beats, found: 0, maxErrorFrames: 0, firstFrame: -1 };
  await new Promise<void>((resolve, reject) => {
    ctx.suspend(1.9).then(() => {
      pitch = analyser.pitch({ hz: null, midi: 0, cents: 0, confidence: 0, centreCents: null });
      level = analyser.read();
      ctx.resume();
    }, reject);
    ctx.startRendering().then((buffer) => {
      const data = buffer.getChannelData(0);
      let found = 0;
      let maxError = 0;
      let firstFrame = -1;
      let quietSince = 0;
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== 0) {
          if (i - quietSince > 64 || i === 0) {
            const k = Math.round((i - opts.startFrame) / period);
            maxError = Math.max(maxError, Math.abs(i - Math.round(opts.startFrame + k * period)));
            if (firstFrame < 0) firstFrame = i;
            found++;
          }
          quietSince = i;
        }
      }
      clicks = { expected: opts.beats, found, maxErrorFrames: maxError, firstFrame };
      resolve();
    }, reject);
  });
  return { pitch, peakDb: level.peakDb, rmsDb: level.rmsDb, clicks };
}

/**
 * A live check of the analyser path the tuner uses: a `hz` sine into the page's real AudioContext
 * for `ms`, then the latest reading — through shared memory when the page is cross-origin
 * isolated, through the worklet's low-rate messages when it is not.
 */
export async function runLiveCheck(hz: number, ms = 1500): Promise<{ isolated: boolean; pitch: Pitch; peakDb: number; rmsDb: number; sequence: number }> {
  const { audioEngine } = await import('./engine');
  const engine = await audioEngine();
  await engine.resume();
  const ctx = engine.context;
  const osc = new OscillatorNode(ctx, { frequency: hz });
  const gain = new GainNode(ctx, { gain: 0.25 });
  const analyser = new MuseAnalyserNode(ctx, engine.dsp);
  osc.connect(gain).connect(analyser.node);
  osc.start();
  await new Promise((r) => setTimeout(r, ms));
  const pitch = analyser.pitch({ hz: null, midi: 0, cents: 0, confidence: 0, centreCents: null });
  const { peakDb, rmsDb } = analyser.read();
  const sequence = analyser.sequence;
  osc.stop();
  analyser.disconnect();
  return { isolated: globalThis.crossOriginIsolated === true, pitch, peakDb, rmsDb, sequence };
}

export interface TempoChangeReport {
  /** First sample of every click found, in order. */
  frames: number[];
  /** Where each should be: `beatsPerBar` beats at `bpm` from `startFrame`, then `toBpm` from that bar line. */
  expected: number[];
  maxErrorFrames: number;
}

/**
 * The metronome worklet, offline: started at `startFrame`, asked mid-bar for another tempo,
 * which must take effect exactly at the next bar line and keep zero jitter after it.
 */
export async function runTempoChangeSelfTest(opts: { startFrame: number; bpm: number; toBpm: number; beatsPerBar: number; barsAfter: number }): Promise<TempoChangeReport> {
  const rate = 48000;
  const before = (60 / opts.bpm) * rate;
  const after = (60 / opts.toBpm) * rate;
  const expected: number[] = [];
  for (let k = 0; k < opts.beatsPerBar; k++) expected.push(Math.round(opts.startFrame + k * before));
  const barLine = Math.round(opts.startFrame + opts.beatsPerBar * before);
  for (let j = 0; j < opts.barsAfter * opts.beatsPerBar; j++) expected.push(Math.round(barLine + j * after));
  const length = expected[expected.length - 1] + Math.floor(Math.min(before, after) / 2);
  const ctx = new OfflineAudioContext({ numberOfChannels: 1, length, sampleRate: rate });
  await addWorklets(ctx);
  const dsp = await compileDsp();
  const settings = { beatsPerBar: opts.beatsPerBar, subdivisions: 1 };
  const metronome = new MetronomeNode(ctx, dsp, 0.5, { frame: opts.startFrame, bpm: opts.bpm, ...settings });
  metronome.node.connect(ctx.destination);
  // Ask for the change just after the first downbeat, as a person would (a message, mid-bar).
  const askAt = Math.ceil((opts.startFrame + before / 2) / 128) * 128;
  void ctx.suspend(askAt / rate).then(() => {
    metronome.setTempo({ bpm: opts.toBpm, ...settings });
    // Let the message reach the audio thread before rendering goes on.
    setTimeout(() => void ctx.resume(), 50);
  });
  const data = (await ctx.startRendering()).getChannelData(0);
  const frames: number[] = [];
  let quietSince = -1e9;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) continue;
    if (i - quietSince > 64) frames.push(i);
    quietSince = i;
  }
  let maxErrorFrames = frames.length === expected.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(frames.length, expected.length); i++) maxErrorFrames = Math.max(maxErrorFrames, Math.abs(frames[i] - expected[i]));
  return { frames, expected, maxErrorFrames };
}

export interface LimiterSelfTestReport {
  /** Peak of what went in (after the input gain), dBFS. */
  inputPeakDb: number;
  /** Peak of what came out after the first 50 ms, dBFS. */
  outputPeakDb: number;
  /** Delay between input and output in frames (the lookahead), found by best match. */
  delayFrames: number;
  /** Largest |output − delayed input| over the render. */
  maxDeviation: number;
  /** Deepest reduction the worklet reported, dB. */
  reportedReductionDb: number;
}

/** Renders a 440 Hz sine at `amplitude` through the publish-path limiter worklet with `gainDb` of input gain. */
export async function runLimiterSelfTest(opts: { amplitude: number; gainDb: number }): Promise<LimiterSelfTestReport> {
  const { LimiterNode } = await import('./LimiterNode');
  const rate = 48000;
  const length = rate;
  const ctx = new OfflineAudioContext({ numberOfChannels: 2, length, sampleRate: rate });
  await addWorklets(ctx);
  const dsp = await compileDsp();
  const osc = new OscillatorNode(ctx, { frequency: 440 });
  const level = new GainNode(ctx, { gain: opts.amplitude });
  const limiter = new LimiterNode(ctx, dsp, opts.gainDb);
  const split = new ChannelSplitterNode(ctx, { numberOfOutputs: 2 });
  const merge = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
  const reference = new GainNode(ctx, { gain: Math.pow(10, opts.gainDb / 20) });
  osc.connect(level);
  level.connect(limiter.node).connect(split);
  split.connect(merge, 0, 0); // left: the limiter's output
  level.connect(reference).connect(merge, 0, 1); // right: the input after the same gain, unlimited
  merge.connect(ctx.destination);
  osc.start(0);
  let reportedReductionDb = 0;
  for (let s = 0.1; s < 0.95; s += 0.1) {
    void ctx.suspend(s).then(() => {
      reportedReductionDb = Math.min(reportedReductionDb, limiter.reductionDb);
      void ctx.resume();
    });
  }
  const out = await ctx.startRendering();
  const y = out.getChannelData(0);
  const x = out.getChannelData(1);
  const peak = (a: Float32Array, from: number) => a.subarray(from).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let delayFrames = 0;
  let best = Infinity;
  for (let d = 0; d <= 480; d++) {
    let err = 0;
    for (let i = rate / 2; i < rate / 2 + 2000; i++) err += Math.abs(y[i] - x[i - d]);
    if (err < best) {
      best = err;
      delayFrames = d;
    }
  }
  let maxDeviation = 0;
  for (let i = rate / 10; i < length; i++) maxDeviation = Math.max(maxDeviation, Math.abs(y[i] - x[i - delayFrames]));
  const db = (v: number) => 20 * Math.log10(Math.max(v, 1e-9));
  return { inputPeakDb: db(peak(x, rate / 20)), outputPeakDb: db(peak(y, rate / 20)), delayFrames, maxDeviation, reportedReductionDb };
}
