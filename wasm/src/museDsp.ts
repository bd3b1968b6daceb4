// Loader for muse-dsp.wasm (Node and browser, including an AudioWorkletGlobalScope).
// Wraps the raw exports in typed calls that take channel numbers instead of pointers, and
// hands out Float32Array views of the module's static buffers. Views are cached and rebuilt
// only if memory has grown (the stub runtime never grows it, but a future build might), so
// no call here allocates: safe inside AudioWorkletProcessor.process().
import {
  CLICK_DEFAULTS, HIGHPASS_DEFAULTS, JITTER_DEFAULTS, LIMITER_DEFAULTS, METER_DEFAULTS, ONSET_DEFAULTS, PITCH_DEFAULTS,
  type ClickOptions, type HighpassOptions, type JitterOptions, type LimiterOptions, type MeterOptions, type OnsetOptions, type PitchOptions,
} from './defaults.ts';
import { noteName } from './notes.ts';

/** Samples each static buffer holds (8 render quanta). */
export const BLOCK_MAX_FRAMES = 1024;
/** Channels with their own kernel state (buffers: channel(0), channel(1)). */
export const MAX_CHANNELS = 2;

/** Raw exports of muse-dsp.wasm (pointers are byte offsets into `memory`). */
export interface MuseDspExports {
  memory: WebAssembly.Memory;
  inputPtr(): number;
  input2Ptr(): number;
  outputPtr(): number;
  blockPeak(ptr: number, n: number): number;
  blockSumSquares(ptr: number, n: number): number;
  meterSetup(sampleRate: number, holdMs: number, fallDbPerS: number, rmsMs: number): void;
  meterReset(): void;
  meterProcess(ch: number, ptr: number, n: number): void;
  meterPeakDb(ch: number): number;
  meterRmsDb(ch: number): number;
  hpSetup(sampleRate: number, cutoffHz: number): void;
  hpReset(): void;
  hpProcess(ch: number, ptr: number, n: number): void;
  limSetup(sampleRate: number, ceilingDb: number, lookaheadMs: number, holdMs: number, releaseMs: number): void;
  limReset(): void;
  limProcess(ch: number, ptr: number, n: number): void;
  limLatency(): number;
  pitchSetup(sampleRate: number, minHz: number, maxHz: number, hop: number): void;
  pitchSetGate(clarity: number, levelDb: number): void;
  pitchSetA4(hz: number): void;
  pitchReset(): void;
  pitchWindow(): number;
  pitchPush(ptr: number, n: number): number;
  pitchHz(): number;
  pitchConfidence(): number;
  pitchTime(): number;
  pitchNote(): number;
  pitchCents(): number;
  pitchCentreHz(): number;
  pitchCentreTime(): number;
  clickSetup(sampleRate: number, level: number): void;
  clickStart(frame: number, bpm: number, beatsPerBar: number, subdivisions: number): void;
  clickResume(frame: number, bpm: number, beatsPerBar: number, subdivisions: number, fromFrame: number): void;
  clickTempo(bpm: number, beatsPerBar: number, subdivisions: number): void;
  clickStop(): void;
  clickRender(ptr: number, n: number, blockStart: number): number;
  clickNextFrame(): number;
  clickLastKind(): number;
  onsetSetup(sampleRate: number, thresholdDb: number, marginDb: number, refractoryMs: number): void;
  onsetReset(): void;
  onsetPush(ptr: number, n: number, blockStart: number): number;
  onsetTime(): number;
  jbSetup(sampleRate: number, frame: number, initialMs: number, extraMs: number, skipMs: number, quantile: number): void;
  jbFramePtr(): number;
  jbOutPtr(): number;
  jbFrameSize(): number;
  jbPut(seq: number, n: number, arrival: number): number;
  jbPull(n: number, now: number): void;
  jbTarget(): number;
  jbDelay(now: number): number;
  jbBufferDelay(now: number): number;
  jbRatio(): number;
  jbSetQuantile(q: number): void;
  jbQuantile(): number;
  jbSpread(): number;
  jbCount(which: number): number;
  jbConcealed(): number;
  jbOutput(): number;
}

/** Counters of the jitter buffer since jitterSetup(). */
export interface JitterStats {
  received: number;
  duplicates: number;
  late: number;
  lost: number;
  underruns: number;
  skips: number;
  resyncs: number;
  /** Stretches of concealed output, however many frames each covers: what a listener hears as glitches. */
  episodes: number;
  /** Output samples weighted by how much of each was concealment. */
  concealed: number;
  output: number;
}

/** What jitterPut() did with a frame. */
export enum JitterPut {
  Ok = 0,
  Duplicate = 1,
  Late = 2,
  Resync = 3,
  BadSize = 4,
}

/** One pitch estimate; pitchResult() fills a caller-owned object. */
export interface PitchResult {
  /** Frequency in Hz, or null when unvoiced. */
  hz: number | null;
  /** Nearest note ("A4"), or "" when unvoiced. */
  note: string;
  /** MIDI number of that note, or 0. */
  midi: number;
  /** Cents from that note (−50..50). */
  cents: number;
  /** Clarity 0..1. */
  confidence: number;
  /** Sample index (since pitchSetup) at the centre of the samples analysed. */
  frame: number;
  /** Vibrato centre in Hz (two moving averages, ≈350 ms into a steady note), or null. */
  centreHz: number | null;
  /** Sample index at the centre of the frames that centre averaged. */
  centreFrame: number;
}

/** Kinds of metronome ticks. */
export enum ClickKind {
  Accent = 0,
  Beat = 1,
  Sub = 2,
}

export interface MuseDsp {
  readonly raw: MuseDspExports;
  /** View of channel `ch`'s block buffer (BLOCK_MAX_FRAMES samples): write input here, read output back. */
  channel(ch: number): Float32Array;
  /** View of the metronome's output buffer (BLOCK_MAX_FRAMES samples). */
  clickBuffer(): Float32Array;

  highpassSetup(sampleRate: number, options?: Partial<HighpassOptions>): void;
  /** High-passes the first `frames` samples of channel(ch) in place. */
  highpass(ch: number, frames: number): void;

  meterSetup(sampleRate: number, options?: Partial<MeterOptions>): void;
  /** Feeds channel(ch)'s first `frames` samples to its meter. */
  meter(ch: number, frames: number): void;
  peakDb(ch: number): number;
  rmsDb(ch: number): number;
  blockPeak(ch: number, frames: number): number;
  blockSumSquares(ch: number, frames: number): number;

  limiterSetup(sampleRate: number, options?: Partial<LimiterOptions>): void;
  /** Limits channel(ch)'s first `frames` samples in place (delayed by limiterLatency()). */
  limit(ch: number, frames: number): void;
  limiterLatency(): number;

  pitchSetup(sampleRate: number, options?: Partial<PitchOptions>): void;
  /** Feeds channel(ch)'s first `frames` samples to the detector; returns analyses run. */
  pitchPush(ch: number, frames: number): number;
  /** Copies the latest estimate into `out` and returns it. */
  pitchResult(out: PitchResult): PitchResult;
  pitchReset(): void;

  clickSetup(sampleRate: number, options?: Partial<ClickOptions>): void;
  /** Starts with a downbeat at absolute frame `frame`. */
  clickStart(frame: number, bpm: number, beatsPerBar: number, subdivisions: number): void;
  /** Joins a grid whose downbeat was at `frame`: clicks resume at the first tick at or after `fromFrame`, in their place in the bar. */
  clickResume(frame: number, bpm: number, beatsPerBar: number, subdivisions: number, fromFrame: number): void;
  /** Changes tempo and metre at the next bar line. */
  clickTempo(bpm: number, beatsPerBar: number, subdivisions: number): void;
  clickStop(): void;
  /** Renders `frames` samples into clickBuffer() for the block starting at absolute frame `blockStart`; returns ticks started. */
  clickRender(frames: number, blockStart: number): number;
  /** Frame of the next tick, or −1 when stopped. */
  clickNextFrame(): number;
  clickLastKind(): ClickKind | -1;

  onsetSetup(sampleRate: number, options?: Partial<OnsetOptions>): void;
  /** Scans channel(ch)'s first `frames` samples (first = absolute frame `blockStart`); returns onsets found. */
  onsetPush(ch: number, frames: number, blockStart: number): number;
  /** Absolute (fractional) frame of the last onset, or −1. */
  onsetTime(): number;
  onsetReset(): void;

  /** Clears the duet jitter buffer and sets its frame size and delays. */
  jitterSetup(sampleRate: number, options?: Partial<JitterOptions>): void;
  /** View of the frame buffer: write a decoded frame here, then jitterPut(). */
  jitterFrame(): Float32Array;
  /** Adds the frame in jitterFrame() (n samples) with sequence `seq`, arrived at receiver frame `arrival`. */
  jitterPut(seq: number, n: number, arrival: number): JitterPut;
  /** Renders n samples (≤ 1024) into jitterOutput(); `now` is the receiver frame of the first. */
  jitterPull(n: number, now: number): void;
  jitterOutput(): Float32Array;
  /** Delay target, samples (same scale as jitterDelay). */
  jitterTarget(): number;
  /** What the buffer adds over the fastest packet's transit, samples. */
  jitterBufferDelay(now: number): number;
  /** Read ratio now (1 ± 0.002). */
  jitterRatio(): number;
  jitterFrameSize(): number;
  /** Changes JitterOptions.quantile without clearing the buffer. */
  jitterSetQuantile(q: number): void;
  jitterQuantile(): number;
  /** Copies the counters into `out` (a fresh object when omitted). */
  jitterStats(out?: JitterStats): JitterStats;
}

/** Instantiates synchronously (AudioWorkletGlobalScope, Node); `source` is the .wasm bytes or a compiled Module. */
export function createMuseDsp(source: BufferSource | WebAssembly.Module): MuseDsp {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  return wrap(new WebAssembly.Instance(module, {}).exports as unknown as MuseDspExports);
}

/** Instantiates asynchronously (main thread, where large synchronous compiles are refused). */
export async function loadMuseDsp(source: BufferSource | WebAssembly.Module): Promise<MuseDsp> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  const instance = await WebAssembly.instantiate(module, {});
  return wrap(instance.exports as unknown as MuseDspExports);
}

function wrap(raw: MuseDspExports): MuseDsp {
  const ptrs = [raw.inputPtr() >>> 0, raw.input2Ptr() >>> 0];
  const outPtr = raw.outputPtr() >>> 0;
  let buffer: ArrayBuffer | null = null;
  let views: Float32Array[] = [];
  let outView = new Float32Array(0);
  const refresh = (): void => {
    if (raw.memory.buffer === buffer) return;
    buffer = raw.memory.buffer;
    views = ptrs.map((p) => new Float32Array(buffer as ArrayBuffer, p, BLOCK_MAX_FRAMES));
    outView = new Float32Array(buffer, outPtr, BLOCK_MAX_FRAMES);
  };
  refresh();
  const jbFrame = raw.jbFramePtr() >>> 0;
  const jbOut = raw.jbOutPtr() >>> 0;
  let jbBuffer: ArrayBuffer | null = null;
  let jbFrameView = new Float32Array(0);
  let jbOutView = new Float32Array(0);
  const jbViews = (): void => {
    if (raw.memory.buffer === jbBuffer) return;
    jbBuffer = raw.memory.buffer;
    jbFrameView = new Float32Array(jbBuffer, jbFrame, 480);
    jbOutView = new Float32Array(jbBuffer, jbOut, 1024);
  };
  jbViews();

  return {
    raw,
    channel(ch) {
      refresh();
      return views[ch];
    },
    clickBuffer() {
      refresh();
      return outView;
    },
    highpassSetup(sampleRate, options) {
      const o = { ...HIGHPASS_DEFAULTS, ...options };
      raw.hpSetup(sampleRate, o.cutoffHz);
    },
    highpass: (ch, frames) => raw.hpProcess(ch, ptrs[ch], frames),
    meterSetup(sampleRate, options) {
      const o = { ...METER_DEFAULTS, ...options };
      raw.meterSetup(sampleRate, o.holdMs, o.fallDbPerS, o.rmsMs);
    },
    meter: (ch, frames) => raw.meterProcess(ch, ptrs[ch], frames),
    peakDb: (ch) => raw.meterPeakDb(ch),
    rmsDb: (ch) => raw.meterRmsDb(ch),
    blockPeak: (ch, frames) => raw.blockPeak(ptrs[ch], frames),
    blockSumSquares: (ch, frames) => raw.blockSumSquares(ptrs[ch], frames),
    limiterSetup(sampleRate, options) {
      const o = { ...LIMITER_DEFAULTS, ...options };
      raw.limSetup(sampleRate, o.ceilingDb, o.lookaheadMs, o.holdMs, o.releaseMs);
    },
    limit: (ch, frames) => raw.limProcess(ch, ptrs[ch], frames),
    limiterLatency: () => raw.limLatency(),
    pitchSetup(sampleRate, options) {
      const o = { ...PITCH_DEFAULTS, ...options };
      raw.pitchSetup(sampleRate, o.minHz, o.maxHz, o.hop);
      raw.pitchSetGate(o.minClarity, o.minLevelDb);
      raw.pitchSetA4(o.a4Hz);
    },
    pitchPush: (ch, frames) => raw.pitchPush(ptrs[ch], frames),
    pitchResult(out) {
      const hz = raw.pitchHz();
      const midi = raw.pitchNote();
      out.hz = hz > 0 ? hz : null;
      out.midi = midi;
      out.note = hz > 0 ? noteName(midi) : '';
      out.cents = raw.pitchCents();
      out.confidence = raw.pitchConfidence();
      out.frame = raw.pitchTime();
      const c = raw.pitchCentreHz();
      out.centreHz = c > 0 ? c : null;
      out.centreFrame = raw.pitchCentreTime();
      return out;
    },
    pitchReset: () => raw.pitchReset(),
    clickSetup(sampleRate, options) {
      const o = { ...CLICK_DEFAULTS, ...options };
      raw.clickSetup(sampleRate, o.level);
    },
    clickStart: (frame, bpm, beats, sub) => raw.clickStart(frame, bpm, beats, sub),
    clickResume: (frame, bpm, beats, sub, fromFrame) => raw.clickResume(frame, bpm, beats, sub, fromFrame),
    clickTempo: (bpm, beats, sub) => raw.clickTempo(bpm, beats, sub),
    clickStop: () => raw.clickStop(),
    clickRender: (frames, blockStart) => raw.clickRender(outPtr, frames, blockStart),
    clickNextFrame: () => raw.clickNextFrame(),
    clickLastKind: () => raw.clickLastKind() as ClickKind | -1,
    onsetSetup(sampleRate, options) {
      const o = { ...ONSET_DEFAULTS, ...options };
      raw.onsetSetup(sampleRate, o.thresholdDb, o.marginDb, o.refractoryMs);
    },
    onsetPush: (ch, frames, blockStart) => raw.onsetPush(ptrs[ch], frames, blockStart),
    onsetTime: () => raw.onsetTime(),
    onsetReset: () => raw.onsetReset(),
    jitterSetup(sampleRate, options) {
      const o = { ...JITTER_DEFAULTS, ...options };
      raw.jbSetup(sampleRate, o.frame, o.initialMs, o.extraMs, o.skipMs, o.quantile);
    },
    jitterFrame() {
      jbViews();
      return jbFrameView;
    },
    jitterPut: (seq, n, arrival) => raw.jbPut(seq >>> 0, n, arrival) as JitterPut,
    jitterPull: (n, now) => raw.jbPull(n, now),
    jitterOutput() {
      jbViews();
      return jbOutView;
    },
    jitterTarget: () => raw.jbTarget(),
    jitterBufferDelay: (now) => raw.jbBufferDelay(now),
    jitterRatio: () => raw.jbRatio(),
    jitterFrameSize: () => raw.jbFrameSize(),
    jitterSetQuantile: (q) => raw.jbSetQuantile(q),
    jitterQuantile: () => raw.jbQuantile(),
    jitterStats(out) {
      const s = out ?? ({} as JitterStats);
      s.received = raw.jbCount(0);
      s.duplicates = raw.jbCount(1);
      s.late = raw.jbCount(2);
      s.lost = raw.jbCount(3);
      s.underruns = raw.jbCount(4);
      s.skips = raw.jbCount(5);
      s.resyncs = raw.jbCount(6);
      s.episodes = raw.jbCount(7);
      s.concealed = raw.jbConcealed();
      s.output = raw.jbOutput();
      return s;
    },
  };
}

/** A fresh PitchResult to reuse with pitchResult(). */
export function emptyPitchResult(): PitchResult {
  return { hz: null, note: '', midi: 0, cents: 0, confidence: 0, frame: 0, centreHz: null, centreFrame: 0 };
}
