// Duet jitter buffer: reorders decoded PCM frames by sequence number, drops duplicates and late
// frames, plays them with a delay adapted to the measured arrival jitter, conceals missing
// frames (repeat of the last pitch period with a hold and a fade, crossfaded in and out), and
// follows the sender's sample clock with a tiny read-ratio so drift neither empties nor fills it.
// The algorithm is described step by step in wasm/reference/jitter.ts (same constants).
// Positions and times are f64 frame counts (exact integers to 2^53); samples are f32.

export const JB_SLOTS: i32 = 64;
export const JB_RING: i32 = 32768;
export const JB_MAX_FRAME: i32 = 480;
const HIST: i32 = 2048;
const XF: i32 = 64;
const LOOK: i32 = XF + 4;
const MINP: i32 = 24;
const MAXP: i32 = 480;
const WIN: i32 = 192;
const RMAX: f64 = 0.002;
const KP: f64 = 1e-5;
const LEAK: f64 = 0.0005;
const BIN: f64 = 24;
const BINS: i32 = 400;
/** The histogram's memory starts at TAU0 seconds and grows by TAU_GROWTH per second of playing, up to tau. */
const TAU0: f64 = 0.25;
const TAU_GROWTH: f64 = 0.5;

const PRESENT: u8 = 1;
const LOST: u8 = 2;

const RING = memory.data(JB_RING * 4, 16);
const HISTORY = memory.data(HIST * 4, 16);
const SLOT_EXT = memory.data(JB_SLOTS * 8, 16);
const SLOT_STATE = memory.data(JB_SLOTS, 16);
const HISTOGRAM = memory.data(BINS * 8, 16);
/** One frame of PCM in (the caller writes it before jbPut). */
const FRAME = memory.data(JB_MAX_FRAME * 4, 16);
/** One block of output (up to 1024 samples). */
const OUT = memory.data(1024 * 4, 16);

let F: i32 = 480;
let init: f64 = 240;
let extra: f64 = 48;
let skipAt: f64 = 720;
let hold: i32 = 480;
let fade: f64 = 1920;
let tau: f64 = 384000;
let tau0: f64 = 12000;
let quantile: f64 = 0.97;
let startArrival: f64 = 0;
let h: i32 = 0;
let started = false;
let lastExt: i64 = 0;
let maxExt: i64 = 0;
let firstExt: i64 = 0;
let readPos: f64 = 0;
let w: f64 = 0;
let genOn = true;
let genCount: i32 = 0;
let period: i32 = MAXP;
let freeze = false;
let jumpTo: f64 = -1;
let minTransit: f64 = 0;
let spread: f64 = 0;
let lastArrival: f64 = 0;
let ratio: f64 = 1;
let pendingFrame: i64 = -1;
let nowS: f64 = 0;
let sReceived: i32 = 0;
let sDuplicates: i32 = 0;
let sLate: i32 = 0;
let sLost: i32 = 0;
let sUnderruns: i32 = 0;
let sSkips: i32 = 0;
let sResyncs: i32 = 0;
let sEpisodes: i32 = 0;
let sConcealed: f64 = 0;
let sOutput: f64 = 0;

/** Frames of `frame` samples (clamped to 76..480); delays in ms: at start, margin over the spread, excess that is skipped; the spread's quantile (clamped to 0.5..0.9999). Clears everything. */
export function jbSetup(sampleRate: f32, frame: i32, initialMs: f32, extraMs: f32, skipMs: f32, q: f64): void {
  const sr = <f64>sampleRate;
  F = min(JB_MAX_FRAME, max(LOOK + 8, frame));
  init = Math.round((<f64>initialMs * sr) / 1000);
  extra = Math.round((<f64>extraMs * sr) / 1000);
  skipAt = Math.round((<f64>skipMs * sr) / 1000);
  hold = <i32>Math.round(sr * 0.01);
  fade = Math.round(sr * 0.04);
  tau = 8 * sr;
  tau0 = TAU0 * sr;
  quantile = Math.min(0.9999, Math.max(0.5, q));
  memory.fill(RING, 0, JB_RING * 4);
  memory.fill(HISTORY, 0, HIST * 4);
  memory.fill(SLOT_STATE, 0, JB_SLOTS);
  memory.fill(HISTOGRAM, 0, BINS * 8);
  for (let i = 0; i < JB_SLOTS; i++) store<i64>(SLOT_EXT + (<usize>i << 3), -1);
  h = 0;
  started = false;
  lastExt = 0;
  maxExt = 0;
  firstExt = 0;
  readPos = 0;
  w = 0;
  genOn = true;
  genCount = hold + <i32>fade;
  period = MAXP;
  freeze = false;
  jumpTo = -1;
  minTransit = 0;
  spread = 0;
  lastArrival = 0;
  ratio = 1;
  pendingFrame = -1;
  nowS = 0;
  sReceived = 0;
  sDuplicates = 0;
  sLate = 0;
  sLost = 0;
  sUnderruns = 0;
  sSkips = 0;
  sResyncs = 0;
  sEpisodes = 0;
  startArrival = 0;
  sConcealed = 0;
  sOutput = 0;
}

export function jbFramePtr(): usize {
  return FRAME;
}
export function jbOutPtr(): usize {
  return OUT;
}
export function jbFrameSize(): i32 {
  return F;
}

@inline function slotOf(f: i64): usize {
  return <usize>(<i32>f & (JB_SLOTS - 1));
}
@inline function extAt(slot: usize): i64 {
  return load<i64>(SLOT_EXT + (slot << 3));
}
@inline function mark(slot: usize, f: i64, state: u8): void {
  store<i64>(SLOT_EXT + (slot << 3), f);
  store<u8>(SLOT_STATE + slot, state);
}
@inline function frameOf(pos: f64): i64 {
  return <i64>Math.floor(pos / <f64>F);
}

/** Adds the frame at jbFramePtr() (n samples); `arrival` is the receiver's audio frame. Returns 0 ok, 1 duplicate, 2 late, 3 resync, 4 wrong size. */
export function jbPut(seq: u32, n: i32, arrival: f64): i32 {
  if (n != F) return 4;
  let ext: i64;
  if (!started) ext = <i64>seq;
  else ext = lastExt + <i64>(<i32>(seq - <u32>lastExt));
  const transit = arrival - <f64>ext * <f64>F;
  if (!started) {
    started = true;
    lastExt = ext;
    maxExt = ext;
    readPos = <f64>ext * <f64>F + 1 - init;
    firstExt = ext;
    minTransit = transit;
    lastArrival = arrival;
    startArrival = arrival;
  } else {
    const cur = frameOf(readPos);
    if (ext - cur >= <i64>(JB_SLOTS - 4) || ext < cur - <i64>JB_SLOTS) {
      sResyncs++;
      jumpTo = <f64>ext * <f64>F + 1 - init;
      firstExt = ext;
      minTransit = transit;
      maxExt = ext;
      lastExt = ext;
      lastArrival = arrival;
      startArrival = arrival;
      storeFrame(ext);
      return 3;
    }
  }
  const dt = Math.max(0, arrival - lastArrival);
  lastArrival = Math.max(lastArrival, arrival);
  minTransit = Math.min(transit, minTransit + LEAK * dt);
  // The memory grows with playing time, so what the first moments showed (the switch to duet
  // mode itself stalls both page threads) fades within seconds, not tau.
  addSpread(transit - minTransit, Math.exp(-dt / Math.min(tau, tau0 + TAU_GROWTH * (arrival - startArrival))));
  const slot = slotOf(ext);
  if (extAt(slot) == ext) {
    if (load<u8>(SLOT_STATE + slot) == PRESENT) {
      sDuplicates++;
      return 1;
    }
    sLate++;
    return 2;
  }
  if ((<f64>ext + 1) * <f64>F <= Math.floor(readPos) + <f64>LOOK && ext != pendingFrame) {
    sLate++;
    return 2;
  }
  lastExt = ext;
  if (ext > maxExt) maxExt = ext;
  storeFrame(ext);
  return 0;
}

function addSpread(d: f64, keep: f64): void {
  let total: f64 = 0;
  for (let b = 0; b < BINS; b++) {
    const p = HISTOGRAM + (<usize>b << 3);
    let v = load<f64>(p) * keep;
    if (v < 1e-30) v = 0;
    store<f64>(p, v);
    total += v;
  }
  const bin = <i32>Math.min(<f64>(BINS - 1), Math.max(0, Math.floor(d / BIN)));
  const bp = HISTOGRAM + (<usize>bin << 3);
  store<f64>(bp, load<f64>(bp) + 1);
  total += 1;
  const tail = (1 - quantile) * total;
  let acc: f64 = 0;
  let b = BINS - 1;
  for (; b > 0; b--) {
    acc += load<f64>(HISTOGRAM + (<usize>b << 3));
    if (acc >= tail) break;
  }
  spread = <f64>(b + 1) * BIN;
}

function storeFrame(ext: i64): void {
  const base = <i32>(ext * <i64>F);
  for (let i = 0; i < F; i++) store<f32>(RING + (<usize>((base + i) & (JB_RING - 1)) << 2), load<f32>(FRAME + (<usize>i << 2)));
  mark(slotOf(ext), ext, PRESENT);
  sReceived++;
}

@inline function has(pos: f64): bool {
  const f = frameOf(pos);
  const slot = slotOf(f);
  return extAt(slot) == f && load<u8>(SLOT_STATE + slot) == PRESENT;
}

/** Delay target, samples. */
export function jbTarget(): f64 {
  return minTransit + spread + <f64>LOOK + extra;
}

function ahead(pos: f64): bool {
  const f = frameOf(pos);
  const slot = slotOf(f);
  if (extAt(slot) == f) {
    if (load<u8>(SLOT_STATE + slot) == PRESENT) {
      if (f == pendingFrame) pendingFrame = -1;
      return true;
    }
    freeze = false;
    return false;
  }
  if (nowS - readPos >= jbTarget() || f < firstExt) {
    mark(slot, f, LOST);
    if (f >= firstExt) sLost++;
    if (f == pendingFrame) pendingFrame = -1;
    freeze = false;
    return false;
  }
  if (pendingFrame != f) {
    pendingFrame = f;
    sUnderruns++;
  }
  freeze = true;
  return false;
}

/** Renders n samples to jbOutPtr(); `now` is the receiver's frame at the block start. */
export function jbPull(n: i32, now: f64): void {
  if (!started) {
    memory.fill(OUT, 0, <usize>n << 2);
    return;
  }
  const e = now - readPos - jbTarget();
  if (jumpTo < 0 && e > skipAt && w == 1) {
    const to = readPos + e;
    if (has(to - 1) && has(to + <f64>LOOK)) {
      jumpTo = to;
      sSkips++;
    }
  }
  ratio = 1 + Math.max(-RMAX, Math.min(RMAX, KP * e));
  const step: f64 = 1.0 / <f64>XF;
  for (let i = 0; i < n; i++) {
    let p = Math.floor(readPos);
    if (jumpTo >= 0 && w == 0) {
      if (jumpTo - readPos < <f64>(JB_SLOTS * F)) {
        const last = frameOf(jumpTo);
        for (let f = frameOf(readPos) + 1; f < last; f++) {
          const slot = slotOf(f);
          if (extAt(slot) != f) {
            mark(slot, f, LOST);
            if (f >= firstExt) sLost++;
          }
        }
      }
      readPos = jumpTo;
      jumpTo = -1;
      freeze = false;
      p = Math.floor(readPos);
    }
    nowS = now + <f64>i;
    const next = ahead(p + <f64>LOOK);
    const ok = jumpTo < 0 && has(p - 1) && next;
    if (!ok && !genOn) {
      genOn = true;
      genCount = 0;
      period = findPeriod();
      sEpisodes++;
    }
    if (ok) w = Math.min(1, w + step);
    else w = Math.max(0, w - step);
    let gen: f64 = 0;
    let gain: f64 = 0;
    if (genOn) {
      gen = <f64>load<f32>(HISTORY + (<usize>((h - period) & (HIST - 1)) << 2));
      gain = genCount < hold ? 1 : Math.max(0, 1 - <f64>(genCount - hold) / fade);
      genCount++;
    }
    let ring: f64 = 0;
    if (w > 0) ring = interp(readPos);
    store<f32>(OUT + (<usize>i << 2), <f32>(w * ring + (1 - w) * gain * gen));
    store<f32>(HISTORY + (<usize>(h & (HIST - 1)) << 2), <f32>(w * ring + (1 - w) * gen));
    h++;
    sOutput += 1;
    sConcealed += 1 - w;
    if (w == 1) genOn = false;
    if (w > 0 || !freeze) readPos += ratio;
  }
}

@inline function ringAt(i: i64): f64 {
  return <f64>load<f32>(RING + (<usize>(<i32>i & (JB_RING - 1)) << 2));
}

function interp(pos: f64): f64 {
  const fi = Math.floor(pos);
  const i = <i64>fi;
  const t = pos - fi;
  const xm1 = ringAt(i - 1);
  const x0 = ringAt(i);
  const x1 = ringAt(i + 1);
  const x2 = ringAt(i + 2);
  const c1 = 0.5 * (x1 - xm1);
  const c2 = xm1 - 2.5 * x0 + 2 * x1 - 0.5 * x2;
  const c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
  return ((c3 * t + c2) * t + c1) * t + x0;
}

@inline function histAt(i: i32): f64 {
  return <f64>load<f32>(HISTORY + (<usize>(i & (HIST - 1)) << 2));
}

function findPeriod(): i32 {
  let best = MAXP;
  let bestC: f64 = -2;
  let ex: f64 = 0;
  for (let k = 0; k < WIN; k++) {
    const x = histAt(h - WIN + k);
    ex += x * x;
  }
  if (ex < 1e-9) return best;
  for (let lag = MINP; lag <= MAXP; lag++) {
    let xy: f64 = 0;
    let ey: f64 = 0;
    for (let k = 0; k < WIN; k++) {
      const x = histAt(h - WIN + k);
      const y = histAt(h - WIN - lag + k);
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

/** Changes the spread's quantile (clamped to 0.5..0.9999) without clearing anything: the target
 *  moves at the next frame, and the delay follows it (up by waiting, down by skipping). */
export function jbSetQuantile(q: f64): void {
  quantile = Math.min(0.9999, Math.max(0.5, q));
}
export function jbQuantile(): f64 {
  return quantile;
}

/** Whole delay (receiver frame − read position), samples. */
export function jbDelay(now: f64): f64 {
  return now - readPos;
}
/** What the buffer adds over the fastest packet's transit, samples. */
export function jbBufferDelay(now: f64): f64 {
  return started ? now - readPos - minTransit : 0;
}
export function jbRatio(): f64 {
  return ratio;
}
export function jbSpread(): f64 {
  return spread;
}
/** Counters: 0 received, 1 duplicates, 2 late, 3 lost, 4 underruns, 5 skips, 6 resyncs, 7 concealment episodes. */
export function jbCount(which: i32): i32 {
  switch (which) {
    case 0: return sReceived;
    case 1: return sDuplicates;
    case 2: return sLate;
    case 3: return sLost;
    case 4: return sUnderruns;
    case 5: return sSkips;
    case 6: return sResyncs;
    case 7: return sEpisodes;
    default: return 0;
  }
}
/** Output samples weighted by how much of them was concealment. */
export function jbConcealed(): f64 {
  return sConcealed;
}
export function jbOutput(): f64 {
  return sOutput;
}
