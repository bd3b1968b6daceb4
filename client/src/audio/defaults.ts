/** Frames in one Web Audio render quantum. */
export const RENDER_QUANTUM_FRAMES = 128;

export interface EngineOptions {
  sampleRate: number;
  latencyHint: AudioContextLatencyCategory;
}

export const engineDefaults: EngineOptions = {
  sampleRate: 48000,
  latencyHint: 'interactive',
};

export interface MeterOptions {
  /** Render quanta between two published readings (8 × 128 frames ≈ 21 ms at 48 kHz). */
  publishEveryQuanta: number;
}

export const meterDefaults: MeterOptions = {
  publishEveryQuanta: 8,
};

/** Level shown as silence, in dBFS. */
export const METER_FLOOR_DB = -90;
