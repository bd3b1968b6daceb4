// Metronome click synthesis, sample-accurate against the audio clock.
// Tick k of a tempo segment starts at frame round(origin + k·samplesPerTick), computed from
// the segment origin each time (never accumulated), so no rounding error builds up: over any
// number of beats each click is on the nearest sample to its ideal time. A tempo or metre
// change waits for the next bar line, which becomes the origin of the new segment.
// Frame indices cross the wasm boundary as f64 (exact integers up to 2^53).
// Clicks are short decaying tones from tables computed in clickSetup; each starts at full
// amplitude (cosine phase) so its first sample is the tick's frame.

/** Longest click in samples. */
export const CLICK_MAX_LEN: i32 = 1024;
const TABLES = memory.data(CLICK_MAX_LEN * 3 * 4, 16);

/** Tick kinds, as returned by clickLastKind(). */
export const CLICK_ACCENT: i32 = 0;
export const CLICK_BEAT: i32 = 1;
export const CLICK_SUB: i32 = 2;

let rate: f64 = 48000;
let clickLen: i32 = 960;
let running = false;
let samplesPerTick: f64 = 24000;
let ticksPerBar: i32 = 4;
let subdiv: i32 = 1;
let origin: f64 = 0;
let tick: i32 = 0;
let nextFrame: f64 = 0;
let pendingBpm: f64 = 0; // 0: no change pending
let pendingBeats: i32 = 4;
let pendingSub: i32 = 1;
let activeStart: f64 = -1e300;
let activeKind: i32 = -1;
let lastKind: i32 = -1;

/** Builds the click tables for `sampleRate` at `level` (linear peak of the accent); stops the metronome. */
export function clickSetup(sampleRate: f32, level: f32): void {
  rate = <f64>sampleRate;
  clickLen = <i32>Mathf.min(<f32>CLICK_MAX_LEN, Mathf.round(sampleRate * 0.02));
  fillTable(CLICK_ACCENT, 1760, level);
  fillTable(CLICK_BEAT, 1320, level * 0.7);
  fillTable(CLICK_SUB, 880, level * 0.4);
  running = false;
  activeKind = -1;
  pendingBpm = 0;
}

function fillTable(kind: i32, hz: f32, gain: f32): void {
  const base = TABLES + <usize>(kind * CLICK_MAX_LEN * 4);
  const fr = <f32>rate;
  const fadeFrom = (clickLen * 3) / 4;
  for (let k = 0; k < CLICK_MAX_LEN; k++) {
    let v: f32 = 0;
    if (k < clickLen) {
      const t = <f32>k / fr;
      v = gain * Mathf.cos(2 * Mathf.PI * hz * t) * Mathf.exp(-t / 0.004);
      if (k >= fadeFrom) v *= 0.5 + 0.5 * Mathf.cos((Mathf.PI * <f32>(k - fadeFrom)) / <f32>(clickLen - fadeFrom));
    }
    store<f32>(base + (<usize>k << 2), v);
  }
}

function clampTempo(bpm: f64, beats: i32, sub: i32): void {
  if (bpm < 20) bpm = 20;
  if (bpm > 300) bpm = 300;
  ticksPerBar = (beats < 1 ? 1 : beats > 16 ? 16 : beats) * (sub < 1 ? 1 : sub > 8 ? 8 : sub);
  subdiv = sub < 1 ? 1 : sub > 8 ? 8 : sub;
  samplesPerTick = (rate * 60) / (bpm * <f64>subdiv);
}

/** Starts with a downbeat at absolute frame `frame` (an integer), at `bpm`, `beatsPerBar` beats of `subdivisions` ticks. */
export function clickStart(frame: f64, bpm: f64, beatsPerBar: i32, subdivisions: i32): void {
  clampTempo(bpm, beatsPerBar, subdivisions);
  origin = Math.round(frame);
  tick = 0;
  nextFrame = origin;
  pendingBpm = 0;
  activeKind = -1;
  running = true;
}

/**
 * Joins a grid already under way: the grid's downbeat was at `frame` (in the past), and clicks
 * resume with the first tick at or after `fromFrame`, with its place in the bar (accent, beat,
 * subdivision) as if it had been running since `frame`. A late start never clicks late.
 */
export function clickResume(frame: f64, bpm: f64, beatsPerBar: i32, subdivisions: i32, fromFrame: f64): void {
  clickStart(frame, bpm, beatsPerBar, subdivisions);
  if (fromFrame > origin) {
    // Ticks counted from the grid's origin, as if it had run all along (an i32 lasts weeks).
    tick = <i32>Math.ceil((fromFrame - origin) / samplesPerTick);
    nextFrame = Math.round(origin + <f64>tick * samplesPerTick);
    if (nextFrame < fromFrame) advance();
  }
}

/** Changes tempo and metre at the next bar line. */
export function clickTempo(bpm: f64, beatsPerBar: i32, subdivisions: i32): void {
  pendingBpm = bpm;
  pendingBeats = beatsPerBar;
  pendingSub = subdivisions;
}

/** Stops after the click now sounding. */
export function clickStop(): void {
  running = false;
}

/** Frame of the next tick (f64), or -1 when stopped. */
export function clickNextFrame(): f64 {
  return running ? nextFrame : -1;
}

/** Kind of the last tick started (CLICK_ACCENT, CLICK_BEAT, CLICK_SUB), or -1. */
export function clickLastKind(): i32 {
  return lastKind;
}

/** Writes `n` samples of clicks to `out` for the block whose first sample is absolute frame `blockStart`; returns ticks started. */
export function clickRender(out: usize, n: i32, blockStart: f64): i32 {
  memory.fill(out, 0, <usize>n << 2);
  const end = blockStart + <f64>n;
  let pos = blockStart;
  let started = 0;
  while (true) {
    const boundary = running && nextFrame < end ? Math.max(nextFrame, blockStart) : end;
    if (activeKind >= 0) renderActive(out, blockStart, pos, boundary);
    if (boundary >= end) break;
    // A pending change takes effect on the first bar line not yet started.
    if (pendingBpm > 0 && tick % ticksPerBar == 0) {
      origin = nextFrame;
      clampTempo(pendingBpm, pendingBeats, pendingSub);
      pendingBpm = 0;
      tick = 0;
    }
    activeStart = nextFrame;
    activeKind = tick % ticksPerBar == 0 ? CLICK_ACCENT : tick % subdiv == 0 ? CLICK_BEAT : CLICK_SUB;
    lastKind = activeKind;
    started++;
    advance();
    pos = boundary;
  }
  return started;
}

function advance(): void {
  tick++;
  nextFrame = Math.round(origin + <f64>tick * samplesPerTick);
}

function renderActive(out: usize, blockStart: f64, from: f64, to: f64): void {
  const k0 = from - activeStart;
  if (k0 >= <f64>clickLen) {
    activeKind = -1;
    return;
  }
  let count = <i32>(to - from);
  const k = <i32>k0;
  if (k + count > clickLen) count = clickLen - k;
  const src = TABLES + <usize>(activeKind * CLICK_MAX_LEN * 4) + (<usize>k << 2);
  const dst = out + (<usize>(<i32>(from - blockStart)) << 2);
  memory.copy(dst, src, <usize>count << 2);
}
