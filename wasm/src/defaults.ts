// Kernel options and their defaults; setup functions merge a Partial over these by spread.

export interface HighpassOptions {
  /** Corner frequency in Hz: under the violin's G3 (196 Hz), over handling rumble. */
  cutoffHz: number;
}
export interface MeterOptions {
  /** How long a peak is held before it falls, ms. */
  holdMs: number;
  /** Fall rate of the held peak after the hold, dB per second. */
  fallDbPerS: number;
  /** RMS averaging time constant, ms. */
  rmsMs: number;
}
export interface LimiterOptions {
  /** Output ceiling, dBFS. */
  ceilingDb: number;
  /** Lookahead (and added latency), ms. */
  lookaheadMs: number;
  /** How long the gain holds before releasing, ms (longer than half a period of the lowest loud tone). */
  holdMs: number;
  /** Release time constant, ms. */
  releaseMs: number;
}
export interface PitchOptions {
  /** Lowest frequency reported, Hz. */
  minHz: number;
  /** Highest frequency reported, Hz. */
  maxHz: number;
  /** Samples between analyses. */
  hop: number;
  /** Minimum clarity (NSDF peak, 0..1) for a voiced result. */
  minClarity: number;
  /** Minimum level (dBFS RMS) for a voiced result. */
  minLevelDb: number;
  /** Frequency of A4, Hz. */
  a4Hz: number;
}
export interface ClickOptions {
  /** Peak level of the accented click, linear. */
  level: number;
}
export interface OnsetOptions {
  /** Level a click must pass regardless of noise, dBFS. */
  thresholdDb: number;
  /** Margin over the running noise floor, dB. */
  marginDb: number;
  /** Time after an onset during which no other is reported, ms. */
  refractoryMs: number;
}

export const HIGHPASS_DEFAULTS: HighpassOptions = { cutoffHz: 70 };
export const METER_DEFAULTS: MeterOptions = { holdMs: 1500, fallDbPerS: 20, rmsMs: 300 };
export const LIMITER_DEFAULTS: LimiterOptions = { ceilingDb: -1, lookaheadMs: 2, holdMs: 15, releaseMs: 80 };
export const PITCH_DEFAULTS: PitchOptions = {
  minHz: 140,
  maxHz: 4200,
  hop: 512,
  minClarity: 0.6,
  minLevelDb: -60,
  a4Hz: 440,
};
export const CLICK_DEFAULTS: ClickOptions = { level: 0.5 };
export const ONSET_DEFAULTS: OnsetOptions = { thresholdDb: -50, marginDb: 20, refractoryMs: 100 };

export interface JitterOptions {
  /** Samples per packet (120, 240 or 480 at 48 kHz: 2.5, 5 or 10 ms). */
  frame: number;
  /** Buffer delay before the measured jitter is known, ms. */
  initialMs: number;
  /** Margin kept over the measured jitter spread, ms. */
  extraMs: number;
  /** Excess delay above this is skipped (with a crossfade) rather than resampled away, ms. */
  skipMs: number;
  /** Quantile of the recent transit spread the delay covers (0.9–0.9999): higher plays fewer late
   *  frames as concealment and adds delay. */
  quantile: number;
}
export const JITTER_DEFAULTS: JitterOptions = { frame: 480, initialMs: 5, extraMs: 1, skipMs: 15, quantile: 0.97 };
