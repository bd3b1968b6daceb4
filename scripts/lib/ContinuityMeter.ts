// What one participant hears of its partner, counted in 10 ms frames (bench:load): frames received
// against the frames that the elapsed time should have brought, silent frames (a gap the jitter
// buffer could not conceal, or no audio at all), the longest gap, the longest pause between two
// deliveries, and whether the loudest of the lesson tones is the partner's.

export interface ContinuityOptions {
  sampleRate?: number;
  /** The partner's fundamental (Hz). */
  expectedHz: number;
  /** Fundamentals in play (the partner's, one's own, the partner's neighbours); the loudest must be the partner's. */
  candidatesHz: number[];
  /** A 10 ms frame quieter than this (RMS, dBFS) counts as a gap. */
  silenceDbfs?: number;
  /** Samples in each pitch check (Hann-windowed Goertzel); one check per second. */
  windowSamples?: number;
  /** The partner's fundamental must also hold at least this share of the window's energy. */
  minShare?: number;
}

export interface ContinuityReport {
  seconds: number;
  expectedFrames: number;
  receivedFrames: number;
  /**
   * Frames that did not come in the elapsed time: expected − received, less one delivery block (the
   * block in flight when the window closes), not below 0.
   */
  missingFrames: number;
  silentFrames: number;
  /** Missing + silent, in % of expected. */
  gapPct: number;
  /** The longest run of silent frames, in ms. */
  longestGapMs: number;
  /** The longest time between two deliveries, in ms (a stalled receiver or load generator). */
  longestStallMs: number;
  pitchChecks: number;
  /** Pitch checks whose loudest candidate was the partner's. */
  pitchOk: number;
  /** Level of the received signal, RMS dBFS over all frames. */
  levelDbfs: number;
}

/** Power of `freq` in x[0..n) with a Hann window (Goertzel). */
export function goertzelPower(x: Float32Array, n: number, freq: number, sampleRate: number, window?: Float32Array): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (window ? x[i] * window[i] : x[i]) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/**
 * The share of x's energy at `freq`: 1 for a pure sine at that frequency, ≈ 0.58 for the fundamental
 * of ViolinTone, ≈ 0 for a tone elsewhere. With a Hann window, |X(f)|² of a sine of amplitude A is
 * (A·n/4)² and the windowed energy is A²·3n/16, so the share is |X(f)|² / (energy · n/3).
 */
export function energyShare(x: Float32Array, n: number, freq: number, sampleRate: number, window: Float32Array): number {
  let energy = 0;
  for (let i = 0; i < n; i++) energy += (x[i] * window[i]) ** 2;
  return energy > 0 ? goertzelPower(x, n, freq, sampleRate, window) / ((energy * n) / 3) : 0;
}

/** The candidate frequency with the most power in x. */
export function loudestCandidate(x: Float32Array, n: number, candidatesHz: number[], sampleRate: number, window?: Float32Array): number {
  let best = candidatesHz[0];
  let bestPower = -1;
  for (const f of candidatesHz) {
    const p = goertzelPower(x, n, f, sampleRate, window);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

export class ContinuityMeter {
  private readonly sampleRate: number;
  private readonly frameSamples: number;
  private readonly silencePower: number;
  private readonly window: Float32Array;
  private readonly buf: Float32Array;
  private bufFill = 0;
  private sinceCheck = 0;
  private samples = 0;
  private framePower = 0;
  private frameFill = 0;
  private totalPower = 0;
  private frames = 0;
  private silent = 0;
  private run = 0;
  private longestRun = 0;
  private lastPushMs: number | null = null;
  private lastBlockFrames = 0;
  private longestStall = 0;
  private checks = 0;
  private ok = 0;
  private startMs = 0;

  constructor(private readonly opts: ContinuityOptions) {
    this.sampleRate = opts.sampleRate ?? 48000;
    this.frameSamples = this.sampleRate / 100;
    const floor = opts.silenceDbfs ?? -40;
    this.silencePower = 10 ** (floor / 10);
    const n = opts.windowSamples ?? 12000;
    this.window = new Float32Array(n);
    for (let i = 0; i < n; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    this.buf = new Float32Array(n);
  }

  /** Starts (or restarts) the measurement window at `nowMs`. */
  reset(nowMs: number): void {
    this.samples = this.framePower = this.frameFill = this.totalPower = this.frames = this.silent = 0;
    this.run = this.longestRun = this.longestStall = this.checks = this.ok = this.bufFill = this.sinceCheck = 0;
    this.lastPushMs = null;
    this.lastBlockFrames = 0;
    this.startMs = nowMs;
  }

  /** One delivered block of interleaved 16-bit PCM; the channels are averaged. */
  push(data: Int16Array, channels: number, nowMs: number): void {
    if (this.lastPushMs !== null) this.longestStall = Math.max(this.longestStall, nowMs - this.lastPushMs);
    else this.longestStall = Math.max(this.longestStall, nowMs - this.startMs);
    this.lastPushMs = nowMs;
    const n = Math.floor(data.length / channels);
    this.lastBlockFrames = Math.ceil(n / this.frameSamples);
    const scale = 1 / (channels * 32768);
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      let v = data[i * channels];
      for (let c = 1; c < channels; c++) v += data[i * channels + c];
      v *= scale;
      this.framePower += v * v;
      if (++this.frameFill === this.frameSamples) this.endFrame();
      // One pitch check per second, over the last windowSamples of that second.
      if (this.sinceCheck < this.sampleRate - buf.length) {
        this.sinceCheck++;
        continue;
      }
      buf[this.bufFill++] = v;
      if (this.bufFill === buf.length) {
        this.pitchCheck();
        this.bufFill = 0;
        this.sinceCheck = 0;
      }
    }
    this.samples += n;
  }

  private pitchCheck(): void {
    const { expectedHz, candidatesHz, minShare = 0.2 } = this.opts;
    this.checks++;
    const loudest = loudestCandidate(this.buf, this.bufFill, candidatesHz, this.sampleRate, this.window);
    if (loudest === expectedHz && energyShare(this.buf, this.bufFill, expectedHz, this.sampleRate, this.window) >= minShare) this.ok++;
  }

  private endFrame(): void {
    const power = this.framePower / this.frameSamples;
    this.frames++;
    this.totalPower += power;
    if (power < this.silencePower) {
      this.silent++;
      this.run++;
      this.longestRun = Math.max(this.longestRun, this.run);
    } else this.run = 0;
    this.framePower = 0;
    this.frameFill = 0;
  }

  report(nowMs: number): ContinuityReport {
    const seconds = (nowMs - this.startMs) / 1000;
    const expectedFrames = Math.floor(seconds * 100);
    const missingFrames = Math.max(0, expectedFrames - this.frames - this.lastBlockFrames);
    const stall = this.lastPushMs === null ? nowMs - this.startMs : Math.max(this.longestStall, nowMs - this.lastPushMs);
    return {
      seconds,
      expectedFrames,
      receivedFrames: this.frames,
      missingFrames,
      silentFrames: this.silent,
      gapPct: expectedFrames > 0 ? ((missingFrames + this.silent) / expectedFrames) * 100 : 0,
      longestGapMs: this.longestRun * 10,
      longestStallMs: stall,
      pitchChecks: this.checks,
      pitchOk: this.ok,
      levelDbfs: this.frames > 0 ? 10 * Math.log10(this.totalPower / this.frames + 1e-12) : -120,
    };
  }
}
