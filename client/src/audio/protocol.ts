// What the main thread and the analyser worklet exchange. Readings travel through shared memory
// when the page is cross-origin isolated, otherwise as a low-rate port message.

/** Float32 slots of the shared reading block. */
export const enum Slot {
  PeakDb0 = 0,
  RmsDb0 = 1,
  PeakDb1 = 2,
  RmsDb1 = 3,
  /** Pitch in Hz, 0 when unvoiced. */
  Hz = 4,
  Midi = 5,
  Cents = 6,
  Confidence = 7,
  /** Incremented after each publish, so readers can tell fresh from stale. */
  Sequence = 8,
  /** Cents of the vibrato centre from the same note, NaN until the detector has one. */
  CentreCents = 9,
  Length = 12,
}

export interface AnalyserProcessorOptions {
  module: WebAssembly.Module;
  /** Slot.Length floats; null when SharedArrayBuffer is unavailable. */
  shared: SharedArrayBuffer | null;
  /** Render quanta between two published readings. */
  publishEveryQuanta: number;
  /** Run the pitch detector too (the tuner), not only the meters. */
  pitch: boolean;
  highpassHz: number;
}

/** Posted by the worklet when there is no shared memory: the slots, reused each time. */
export interface AnalyserMessage {
  type: 'reading';
  slots: Float32Array;
}

/** Commands to the metronome worklet (main thread → audio thread; never per quantum). */
export type MetronomeCommand =
  | { type: 'start'; /** Absolute context frame of the first downbeat. */ frame: number; bpm: number; beatsPerBar: number; subdivisions: number }
  | { type: 'tempo'; bpm: number; beatsPerBar: number; subdivisions: number }
  | { type: 'volume'; gain: number }
  /** Post a MetronomeTick for every tick started (off by default). */
  | { type: 'report'; on: boolean }
  | { type: 'stop' };

/** Posted by the metronome worklet per tick while reporting: first sample's context frame and kind (0 accent, 1 beat, 2 subdivision). */
export interface MetronomeTick {
  type: 'tick';
  frame: number;
  kind: number;
}

export interface MetronomeProcessorOptions {
  module: WebAssembly.Module;
  level: number;
  /** Start at construction: messages arrive too late for an OfflineAudioContext's first frames. */
  start: Extract<MetronomeCommand, { type: 'start' }> | null;
}

/**
 * The latency probe. The initiator sends clicks; the responder answers each click it hears with
 * a click exactly ECHO_DELAY_FRAMES after the click's onset; the initiator hears the answer.
 * One-way latency = (answer onset − click frame − ECHO_DELAY_FRAMES) / 2, all on the
 * initiator's own audio clock: no clock sync between the two machines is needed.
 */
export const ECHO_DELAY_FRAMES = 1024;

export interface ProbeProcessorOptions {
  module: WebAssembly.Module;
  role: 'initiator' | 'responder';
  /** Initiator: clicks per minute. */
  clicksPerMinute: number;
}

/** Posted by the probe worklet once per click heard (a few per second at most). */
export interface ProbeEvent {
  type: 'probe';
  /** Initiator: frame the click was sent; responder: frame the answer is scheduled. */
  sentFrame: number;
  /** Fractional frame of the onset heard. */
  heardFrame: number;
  sampleRate: number;
}

export interface RecorderProcessorOptions {
  /** Frames to keep per channel. */
  frames: number;
  /** Two channels of `frames` floats each, plus one Int32 write index; null without SharedArrayBuffer. */
  shared: SharedArrayBuffer | null;
}

/** Posted once, on 'stop', when there is no shared memory. */
export interface RecorderResult {
  type: 'recorded';
  left: Float32Array;
  right: Float32Array;
  frames: number;
  /** Context frame of the first sample kept. */
  startFrame: number;
}

/** processorOptions of the publish-path limiter worklet. */
export interface LimiterProcessorOptions {
  module: WebAssembly.Module;
  /** Two floats: [input gain in dB (read each quantum), reduction the limiter applied in dB (written)]; null without SharedArrayBuffer. */
  shared: SharedArrayBuffer | null;
  gainDb: number;
  ceilingDb: number;
  /** Render quanta between two reduction reports. */
  publishEveryQuanta: number;
}

export const enum LimiterSlot {
  GainDb = 0,
  ReductionDb = 1,
  Length = 2,
}

/** Sent to the limiter worklet without shared memory (and answered with a LimiterReading). */
export type LimiterCommand = { type: 'gain'; db: number };
export interface LimiterReading {
  type: 'reduction';
  db: number;
}
