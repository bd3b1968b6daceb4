// What the main thread and the meter worklet exchange. Readings travel through shared memory
// when the page is cross-origin isolated, otherwise as a low-rate port message.

/** Float32 slots of the shared meter block. */
export const enum MeterSlot {
  Peak = 0,
  Rms = 1,
  /** Incremented (as a float) after each publish, so readers can tell fresh from stale. */
  Sequence = 2,
  Length = 4,
}

export interface MeterProcessorOptions {
  module: WebAssembly.Module;
  /** MeterSlot.Length floats; absent when SharedArrayBuffer is unavailable. */
  shared: SharedArrayBuffer | null;
  publishEveryQuanta: number;
}

/** Message posted by the worklet when there is no shared memory. */
export interface MeterReading {
  type: 'meter';
  peak: number;
  rms: number;
}
