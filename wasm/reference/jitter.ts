// Reference of wasm/assembly/kernels/jitter.ts: the duet jitter buffer, written as a plain
// class with the same steps and constants, so the kernel's tests run against both.
//
// Timeline: frame `ext` (sequence number, unwrapped) holds samples ext·F … ext·F+F−1 of the
// sender's stream. `readPos` is the (fractional) position being played. Arrival times are the
// receiver's audio frame counter, so D = now − readPos is the whole delay (network + buffer, in
// receiver samples, plus a constant clock offset that cancels), and transit = arrival − ext·F is
// each packet's delay on the same scale. The target is min transit + its spread + lookahead.
// A tiny ratio (±RMAX) on the read speed steers D to the target: that absorbs clock drift and
// slowly sheds excess delay; a big excess is skipped with a crossfade.
// A frame still missing when the reader's lookahead reaches it is concealed: repeat the last
// pitch period (found by normalised autocorrelation of what was just played) with a hold and a
// fade, crossfaded in and out over XF samples. If a later frame is already there the missing
// one is lost and the reader moves on (delay unchanged); if nothing later has arrived the
// buffer ran dry and the reader waits (delay grows by the wait; the target grows with the
// late packets' transit).

export const JB_SLOTS = 64;
export const JB_RING = 32768;
export const JB_MAX_FRAME = 480;
export const JB_HIST = 2048;
export const JB_XF = 64;
export const JB_LOOK = JB_XF + 4;
export const JB_MINP = 24;
export const JB_MAXP = 480;
export const JB_WIN = 192;
export const JB_RMAX = 0.002;
export const JB_KP = 1e-5;
export const JB_LEAK = 0.0005;
/** Spread histogram: bins of JB_BIN samples (0.5 ms at 48 kHz) up to JB_BINS·JB_BIN. */
export const JB_BIN = 24;
export const JB_BINS = 400;
/** The spread is by default this quantile of the recent relative delays: rare stragglers do not set the delay. */
export const JB_QUANTILE = 0.97;
/** The histogram's memory (tau) starts at JB_TAU0 seconds and grows by JB_TAU_GROWTH per second
 *  since the first frame, up to 8 s: what the first moments showed fades within seconds. */
export const JB_TAU0 = 0.25;
export const JB_TAU_GROWTH = 0.5;

/** Result of put(). */
export enum JbPut {
  Ok = 0,
  Duplicate = 1,
  Late = 2,
  Resync = 3,
  BadSize = 4,
}

const ABSENT = 0;
const PRESENT = 1;
const LOST = 2;

export interface JitterStats {
  received: number;
  duplicates: number;
  late: number;
  lost: number;
  underruns: number;
  skips: number;
  resyncs: number;
  /** Stretches of concealed output (however many frames each covers): what a listener hears as glitches. */
  episodes: number;
  /** Output samples weighted by how much of them came from concealment. */
  concealed: number;
  output: number;
}

export class JitterBufferRef {
  private sr = 48000;
  private F = 480;
  private init = 480;
  private extra = 64;
  private skipAt = 960;
  private hold = 480;
  private fade = 1920;
  private tau = 8 * 48000;
  private quantile = JB_QUANTILE;
  private startArrival = 0;
  private readonly ring = new Float32Array(JB_RING);
  private readonly slotExt = new Float64Array(JB_SLOTS);
  private readonly slotState = new Uint8Array(JB_SLOTS);
  private readonly hist = new Float32Array(JB_HIST);
  private readonly bins = new Float64Array(JB_BINS);
  private binTotal = 0;
  private now = 0;
  private h = 0;
  private started = false;
  private lastExt = 0;
  private maxExt = 0;
  private readPos = 0;
  private w = 0;
  private genOn = false;
  private genCount = 0;
  private period = JB_MAXP;
  private freeze = false;
  private jumpTo = -1;
  private minTransit = 0;
  private spread = 0;
  private lastArrival = 0;
  private ratio = 1;
  private pendingFrame = -1;
  private firstExt = 0;
  readonly stats: JitterStats = { received: 0, duplicates: 0, late: 0, lost: 0, underruns: 0, skips: 0, resyncs: 0, episodes: 0, concealed: 0, output: 0 };

  /** frame: samples per packet; initialMs: delay at start; extraMs: safety margin over the measured spread; skipMs: excess delay that is skipped rather than resampled away. */
  setup(sampleRate: number, frame: number, initialMs: number, extraMs: number, skipMs: number, quantile = JB_QUANTILE): void {
    this.quantile = Math.min(0.9999, Math.max(0.5, quantile));
    this.sr = sampleRate;
    this.F = Math.min(JB_MAX_FRAME, Math.max(JB_LOOK + 8, frame | 0));
    this.init = Math.round((initialMs * sampleRate) / 1000);
    this.extra = Math.round((extraMs * sampleRate) / 1000);
    this.skipAt = Math.round((skipMs * sampleRate) / 1000);
    this.hold = Math.round(sampleRate * 0.01);
    this.fade = Math.round(sampleRate * 0.04);
    this.tau = 8 * sampleRate;
    this.ring.fill(0);
    this.slotExt.fill(-1);
    this.slotState.fill(ABSENT);
    this.hist.fill(0);
    this.bins.fill(0);
    this.binTotal = 0;
    this.now = 0;
    this.h = 0;
    this.started = false;
    this.lastExt = 0;
    this.maxExt = 0;
    this.readPos = 0;
    this.w = 0;
    this.genOn = true;
    this.genCount = this.hold + this.fade; // silent until the first frame
    this.period = JB_MAXP;
    this.freeze = false;
    this.jumpTo = -1;
    this.minTransit = 0;
    this.spread = 0;
    this.lastArrival = 0;
    this.ratio = 1;
    this.pendingFrame = -1;
    this.startArrival = 0;
    for (const k of Object.keys(this.stats) as (keyof JitterStats)[]) this.stats[k] = 0;
  }

  /** Changes the spread's quantile without clearing anything (the target moves at the next frame). */
  setQuantile(q: number): void {
    this.quantile = Math.min(0.9999, Math.max(0.5, q));
  }

  get spreadQuantile(): number {
    return this.quantile;
  }

  /** Frame size in samples. */
  get frame(): number {
    return this.F;
  }

  /** Adds one frame of `n` samples; `arrival` is the receiver's audio frame when it arrived. */
  put(seq: number, pcm: Float32Array, n: number, arrival: number): JbPut {
    if (n !== this.F) return JbPut.BadSize;
    const F = this.F;
    let ext: number;
    if (!this.started) ext = seq >>> 0;
    else ext = this.lastExt + (((seq >>> 0) - (this.lastExt % 4294967296)) | 0);
    const transit = arrival - ext * F;
    if (!this.started) {
      this.started = true;
      this.lastExt = ext;
      this.maxExt = ext;
      this.readPos = ext * F + 1 - this.init;
      this.firstExt = ext;
      this.minTransit = transit;
      this.lastArrival = arrival;
      this.startArrival = arrival;
    } else {
      const cur = Math.floor(this.readPos / F);
      if (ext - cur >= JB_SLOTS - 4 || ext < cur - JB_SLOTS) {
        // Far ahead (a long gap) or far behind (the sender restarted): start over from this frame.
        this.stats.resyncs++;
        this.jumpTo = ext * F + 1 - this.init;
        this.firstExt = ext;
        this.minTransit = transit;
        this.maxExt = ext;
        this.lastExt = ext;
        this.lastArrival = arrival;
        this.startArrival = arrival;
        this.store(ext, pcm);
        return JbPut.Resync;
      }
    }
    // Transit statistics (late packets count too: they say how late packets come): the
    // minimum leaks upward (so it follows a slower sender clock); the spread above it is a
    // quantile of a histogram that forgets with time constant tau, short at first (the switch to
    // duet mode stalls both page threads, and that start should not set the delay for 8 s).
    const dt = Math.max(0, arrival - this.lastArrival);
    this.lastArrival = Math.max(this.lastArrival, arrival);
    this.minTransit = Math.min(transit, this.minTransit + JB_LEAK * dt);
    const tau = Math.min(this.tau, JB_TAU0 * this.sr + JB_TAU_GROWTH * (arrival - this.startArrival));
    this.addSpread(transit - this.minTransit, Math.exp(-dt / tau));
    const slot = ext & (JB_SLOTS - 1);
    if (this.slotExt[slot] === ext) {
      if (this.slotState[slot] === PRESENT) {
        this.stats.duplicates++;
        return JbPut.Duplicate;
      }
      this.stats.late++; // already concealed
      return JbPut.Late;
    }
    if ((ext + 1) * F <= Math.floor(this.readPos) + JB_LOOK && ext !== this.pendingFrame) {
      this.stats.late++;
      return JbPut.Late;
    }
    this.lastExt = ext;
    if (ext > this.maxExt) this.maxExt = ext;
    this.store(ext, pcm);
    return JbPut.Ok;
  }

  /** Ages the histogram by `keep` and adds one relative delay; the spread is its quantile. */
  private addSpread(d: number, keep: number): void {
    let total = 0;
    for (let b = 0; b < JB_BINS; b++) {
      let v = this.bins[b] * keep;
      if (v < 1e-30) v = 0;
      this.bins[b] = v;
      total += v;
    }
    const bin = Math.min(JB_BINS - 1, Math.max(0, Math.floor(d / JB_BIN)));
    this.bins[bin] += 1;
    total += 1;
    this.binTotal = total;
    const tail = (1 - this.quantile) * total;
    let acc = 0;
    let b = JB_BINS - 1;
    for (; b > 0; b--) {
      acc += this.bins[b];
      if (acc >= tail) break;
    }
    this.spread = (b + 1) * JB_BIN;
  }

  private store(ext: number, pcm: Float32Array): void {
    const F = this.F;
    const base = ext * F;
    for (let i = 0; i < F; i++) this.ring[(base + i) & (JB_RING - 1)] = pcm[i];
    const slot = ext & (JB_SLOTS - 1);
    this.slotExt[slot] = ext;
    this.slotState[slot] = PRESENT;
    this.stats.received++;
  }

  private has(pos: number): boolean {
    const f = Math.floor(pos / this.F);
    const slot = f & (JB_SLOTS - 1);
    return this.slotExt[slot] === f && this.slotState[slot] === PRESENT;
  }

  /** Decides about the frame at `pos` as the lookahead reaches it: present, lost, or pending (false). */
  private ahead(pos: number): boolean {
    const f = Math.floor(pos / this.F);
    const slot = f & (JB_SLOTS - 1);
    if (this.slotExt[slot] === f) {
      if (this.slotState[slot] === PRESENT) {
        if (f === this.pendingFrame) this.pendingFrame = -1;
        return true;
      }
      this.freeze = false;
      return false; // lost
    }
    // Missing: wait for it while the delay is under target (the buffer ran short: waiting
    // grows the delay towards the target), conceal it as lost once the delay is there.
    if (this.now - this.readPos >= this.target() || f < this.firstExt) {
      this.slotExt[slot] = f;
      this.slotState[slot] = LOST;
      if (f >= this.firstExt) this.stats.lost++;
      if (f === this.pendingFrame) this.pendingFrame = -1;
      this.freeze = false;
      return false;
    }
    if (this.pendingFrame !== f) {
      this.pendingFrame = f;
      this.stats.underruns++;
    }
    this.freeze = true;
    return false;
  }

  /** Current delay target in samples (same scale as delay()). */
  target(): number {
    return this.minTransit + this.spread + JB_LOOK + this.extra;
  }

  /** Whole delay (receiver frame − read position) at `now`. */
  delay(now: number): number {
    return now - this.readPos;
  }

  /** What the buffer adds over the fastest packet's transit, samples. */
  bufferDelay(now: number): number {
    return this.started ? now - this.readPos - this.minTransit : 0;
  }

  get readRatio(): number {
    return this.ratio;
  }

  get measuredSpread(): number {
    return this.spread;
  }

  /** Fills out[0..n) with the next n samples; `now` is the receiver's frame at the block start. */
  pull(out: Float32Array, n: number, now: number): void {
    if (!this.started) {
      out.fill(0, 0, n);
      return;
    }
    const e = now - this.readPos - this.target();
    if (this.jumpTo < 0 && e > this.skipAt && this.w === 1) {
      const to = this.readPos + e;
      if (this.has(to - 1) && this.has(to + JB_LOOK)) {
        this.jumpTo = to;
        this.stats.skips++;
      }
    }
    this.ratio = 1 + Math.max(-JB_RMAX, Math.min(JB_RMAX, JB_KP * e));
    const step = 1 / JB_XF;
    const F = this.F;
    void F;
    for (let i = 0; i < n; i++) {
      let p = Math.floor(this.readPos);
      if (this.jumpTo >= 0 && this.w === 0) {
        const skip = this.jumpTo - this.readPos < JB_SLOTS * this.F;
        for (let f = Math.floor(this.readPos / this.F) + 1; skip && f < Math.floor(this.jumpTo / this.F); f++) {
          const slot = f & (JB_SLOTS - 1);
          if (this.slotExt[slot] !== f) {
            this.slotExt[slot] = f;
            this.slotState[slot] = LOST;
            if (f >= this.firstExt) this.stats.lost++;
          }
        }
        this.readPos = this.jumpTo;
        this.jumpTo = -1;
        this.freeze = false;
        p = Math.floor(this.readPos);
      }
      this.now = now + i;
      const next = this.ahead(p + JB_LOOK); // every frame is decided as the lookahead passes it
      const ok = this.jumpTo < 0 && this.has(p - 1) && next;
      if (!ok && !this.genOn) {
        this.genOn = true;
        this.genCount = 0;
        this.period = this.findPeriod();
        this.stats.episodes++;
      }
      if (ok) this.w = Math.min(1, this.w + step);
      else this.w = Math.max(0, this.w - step);
      let gen = 0;
      let gain = 0;
      if (this.genOn) {
        gen = this.hist[(this.h - this.period) & (JB_HIST - 1)];
        gain = this.genCount < this.hold ? 1 : Math.max(0, 1 - (this.genCount - this.hold) / this.fade);
        this.genCount++;
      }
      let ring = 0;
      if (this.w > 0) ring = this.interp(this.readPos);
      const y = this.w * ring + (1 - this.w) * gain * gen;
      out[i] = y;
      this.hist[this.h & (JB_HIST - 1)] = this.w * ring + (1 - this.w) * gen;
      this.h++;
      this.stats.output++;
      this.stats.concealed += 1 - this.w;
      if (this.w === 1) this.genOn = false;
      if (this.w > 0 || !this.freeze) this.readPos += this.ratio;
    }
  }

  private interp(pos: number): number {
    const i = Math.floor(pos);
    const t = pos - i;
    const m = JB_RING - 1;
    const xm1 = this.ring[(i - 1) & m];
    const x0 = this.ring[i & m];
    const x1 = this.ring[(i + 1) & m];
    const x2 = this.ring[(i + 2) & m];
    const c1 = 0.5 * (x1 - xm1);
    const c2 = xm1 - 2.5 * x0 + 2 * x1 - 0.5 * x2;
    const c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    return ((c3 * t + c2) * t + c1) * t + x0;
  }

  /** Lag in [MINP, MAXP] whose last WIN samples best match the WIN before it (normalised). */
  private findPeriod(): number {
    const m = JB_HIST - 1;
    let best = JB_MAXP;
    let bestC = -2;
    let ex = 0;
    for (let k = 0; k < JB_WIN; k++) {
      const x = this.hist[(this.h - JB_WIN + k) & m];
      ex += x * x;
    }
    if (ex < 1e-9) return best;
    for (let lag = JB_MINP; lag <= JB_MAXP; lag++) {
      let xy = 0;
      let ey = 0;
      for (let k = 0; k < JB_WIN; k++) {
        const x = this.hist[(this.h - JB_WIN + k) & m];
        const y = this.hist[(this.h - JB_WIN - lag + k) & m];
        xy += x * y;
        ey += y * y;
      }
      const c = xy / Math.sqrt(ex * ey + 1e-20);
      if (c > bestC) {
        bestC = c;
        best = lag;
      }
    }
    return best;
  }
}
