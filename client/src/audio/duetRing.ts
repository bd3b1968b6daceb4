// Single-producer single-consumer rings over SharedArrayBuffers for duet mode (see ringbuf.js):
// the capture worklet writes microphone frames for the main thread to encode; the main thread
// writes decoded frames for the playback worklet. Indices only ever grow (Int32 wraps after
// ~2^31 frames, i.e. 248 days of 10 ms frames); nothing here allocates after construction.

/** Longest frame, samples (10 ms at 48 kHz). */
export const DUET_MAX_FRAME = 480;
/** Frames the playback ring holds. The playback worklet empties it every quantum, but a page
 *  thread waking from a stall hands over its backlog at once, and an audio thread starved on a
 *  loaded machine misses quanta: 32 frames (80 ms of 2.5 ms frames) overflowed in bench:duet at
 *  load 7, so it holds as many as the capture ring (~0.6–2.6 s). */
export const DUET_RING_FRAMES = 256;
/** Frames the capture ring holds: ~1.3 s of 5 ms frames, so a main thread that stalls (a loaded
 *  machine starves page timers for hundreds of ms) finds every frame still there when it wakes. */
export const DUET_CAPTURE_FRAMES = 256;

/** Ctl Int32 slots: write count, read count, ring size in frames; then per-frame sequence numbers and lengths. */
const CTL_WRITE = 0;
const CTL_READ = 1;
const CTL_FRAMES = 2;
const CTL_DROPPED = 3;
const CTL_HEAD = 4;

export interface DuetRing {
  readonly sab: SharedArrayBuffer;
  readonly ctl: Int32Array;
  /** Per slot: sequence number (meta[2k]) and sample count (meta[2k+1]). */
  readonly meta: Int32Array;
  /** Per slot: the frame's sender sample clock (capture ring) or unused. */
  readonly stamp: Float64Array;
  readonly data: Float32Array;
  /** Frames it holds (a power of two). */
  readonly frames: number;
}

/** A ring of `frames` frames (a power of two). */
export function createDuetRing(frames = DUET_RING_FRAMES): SharedArrayBuffer {
  if (frames <= 0 || (frames & (frames - 1)) !== 0) throw new RangeError(`A duet ring holds a power of two frames, not ${frames}.`);
  const bytes = CTL_HEAD * 4 + frames * 8 + frames * 8 + frames * DUET_MAX_FRAME * 4;
  const sab = new SharedArrayBuffer(bytes);
  new Int32Array(sab, 0, CTL_HEAD)[CTL_FRAMES] = frames;
  return sab;
}

export function duetRing(sab: SharedArrayBuffer): DuetRing {
  let off = 0;
  const ctl = new Int32Array(sab, off, CTL_HEAD);
  const frames = ctl[CTL_FRAMES];
  off += CTL_HEAD * 4;
  const meta = new Int32Array(sab, off, frames * 2);
  off += frames * 8;
  const stamp = new Float64Array(sab, off, frames);
  off += frames * 8;
  const data = new Float32Array(sab, off, frames * DUET_MAX_FRAME);
  return { sab, ctl, meta, stamp, data, frames };
}

/** Writes one frame; returns false (and drops it) when the reader is a whole ring behind. */
export function ringWrite(r: DuetRing, seq: number, samples: Float32Array, n: number, stamp: number): boolean {
  const w = Atomics.load(r.ctl, CTL_WRITE);
  if (w - Atomics.load(r.ctl, CTL_READ) >= r.frames) {
    Atomics.add(r.ctl, CTL_DROPPED, 1);
    return false;
  }
  const slot = w & (r.frames - 1);
  r.meta[slot * 2] = seq | 0;
  r.meta[slot * 2 + 1] = n;
  r.stamp[slot] = stamp;
  r.data.set(n === samples.length ? samples : samples.subarray(0, n), slot * DUET_MAX_FRAME);
  Atomics.store(r.ctl, CTL_WRITE, w + 1);
  Atomics.notify(r.ctl, CTL_WRITE);
  return true;
}

/** Frames the writer had to drop because the reader was a whole ring behind. */
export function ringDropped(r: DuetRing): number {
  return Atomics.load(r.ctl, CTL_DROPPED);
}

/** Frames waiting to be read. */
export function ringAvailable(r: DuetRing): number {
  return Atomics.load(r.ctl, CTL_WRITE) - Atomics.load(r.ctl, CTL_READ);
}

/** Slot index of the oldest unread frame (call ringAvailable first), then ringRelease. */
export function ringPeek(r: DuetRing): number {
  return Atomics.load(r.ctl, CTL_READ) & (r.frames - 1);
}

export function ringRelease(r: DuetRing): void {
  Atomics.store(r.ctl, CTL_READ, Atomics.load(r.ctl, CTL_READ) + 1);
}

/** Index of the write counter, for Atomics.waitAsync on ctl. */
export const RING_WRITE_INDEX = CTL_WRITE;

/** Float64 slots the playback worklet publishes (no postMessage per quantum). */
export const enum DuetStat {
  BufferMs = 0,
  TargetMs = 1,
  Concealed = 2,
  Output = 3,
  Lost = 4,
  Late = 5,
  Underruns = 6,
  Received = 7,
  Duplicates = 8,
  /** Receiver audio frame of the latest publish. */
  Frame = 9,
  Skips = 10,
  Resyncs = 11,
  /** Stretches of concealed output (see JitterStats.episodes). */
  Episodes = 12,
  /** The jitter buffer's spread quantile now. */
  Quantile = 13,
  Length = 14,
}
