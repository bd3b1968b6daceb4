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

export interface AnalyserOptions {
  /** Render quanta between two published readings (4 × 128 frames ≈ 11 ms at 48 kHz: smooth at 60 fps). */
  publishEveryQuanta: number;
  /** Run the pitch detector (tuner) as well as the meters. */
  pitch: boolean;
  /** High-pass before analysis, Hz: under the violin's G3 (196 Hz), over rumble. */
  highpassHz: number;
}

export const analyserDefaults: AnalyserOptions = {
  publishEveryQuanta: 4,
  pitch: true,
  highpassHz: 70,
};

/** Level shown as silence, in dBFS. */
export const METER_FLOOR_DB = -90;
