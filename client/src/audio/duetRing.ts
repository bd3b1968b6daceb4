// Single-producer single-consumer rings over SharedArrayBuffers for duet mode (see ringbuf.js):
// the capture worklet writes microphone frames for the main thread to encode; the main thread
// writes decoded frames for the playback worklet. Indices only ever grow (Int32 wraps after
// ~2^31 frames, i.e. 248 days of 10 ms frames); nothing here allocates after construction.

/** Longest frame, samples (10 ms at 48 kHz). */
export const DUET_MAX_FRAME = 480;
/** Frames a ring holds. */
export const DUET_RING_FRAMES = 32;

/** Ctl Int32 slots: write count, read count; then per-frame sequence numbers and lengths. */
const CTL_WRITE = 0;
const CTL_READ = 1;
const CTL_HEAD = 4;

export interface DuetRing {
  readonly sab: SharedArrayBuffer;
  readonly ctl: Int32Array;
  /** Per slot: sequence number (meta[2k]) and sample count (meta[2k+1]). */
  readonly meta: Int32Array;
  /** Per slot: the frame's sender sample clock (capture ring) or unused. */
  readonly stamp: Float64Array;
  readonly data: Float32Array;
}

export function createDuetRing(): SharedArrayBuffer {
  const bytes = CTL_HEAD * 4 + DUET_RING_FRAMES * 8 + DUET_RING_FRAMES * 8 + DUET_RING_FRAMES * DUET_MAX_FRAME * 4;
  return new SharedArrayBuffer(bytes);
}

export function duetRing(sab: SharedArrayBuffer): DuetRing {
  let off = 0;
  const ctl = new Int32Array(sab, off, CTL_HEAD);
  off += CTL_HEAD * 4;
  const meta = new Int32Array(sab, off, DUET_RING_FRAMES * 2);
  off += DUET_RING_FRAMES * 8;
  const stamp = new Float64Array(sab, off, DUET_RING_FRAMES);
  off += DUET_RING_FRAMES * 8;
  const data = new Float32Array(sab, off, DUET_RING_FRAMES * DUET_MAX_FRAME);
  return { sab, ctl, meta, stamp, data };
}

/** Writes one frame; returns false (and drops it) when the reader is a whole ring behind. */
export function ringWrite(r: DuetRing, seq: number, samples: Float32Array, n: number, stamp: number): boolean {
  const w = Atomics.load(r.ctl, CTL_WRITE);
  if (w - Atomics.load(r.ctl, CTL_READ) >= DUET_RING_FRAMES) return false;
  const slot = w & (DUET_RING_FRAMES - 1);
  r.meta[slot * 2] = seq | 0;
  r.meta[slot * 2 + 1] = n;
  r.stamp[slot] = stamp;
  r.data.set(n === samples.length ? samples : samples.subarray(0, n), slot * DUET_MAX_FRAME);
  Atomics.store(r.ctl, CTL_WRITE, w + 1);
  Atomics.notify(r.ctl, CTL_WRITE);
  return true;
}

/** Frames waiting to be read. */
export function ringAvailable(r: DuetRing): number {
  return Atomics.load(r.ctl, CTL_WRITE) - Atomics.load(r.ctl, CTL_READ);
}

/** Slot index of the oldest unread frame (call ringAvailable first), then ringRelease. */
export function ringPeek(r: DuetRing): number {
  return Atomics.load(r.ctl, CTL_READ) & (DUET_RING_FRAMES - 1);
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
  Length = 12,
}
