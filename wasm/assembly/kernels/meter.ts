// Peak and RMS metering. blockPeak / blockSumSquares are stateless block functions;
// meterProcess keeps, per channel, a held peak (hold, then a fixed dB/s fall) and an
// exponentially averaged mean square, both read back in dBFS. Averaging is done per block
// (one exp per block, not per sample): a display meter needs no finer time resolution.

/** Channels with their own meter state. */
export const METER_MAX_CHANNELS: i32 = 2;
/** Level reported for silence, in dBFS. */
export const METER_FLOOR_DB: f32 = -120;

// Per channel: held peak, hold samples left (as f32), mean square, spare.
const STATE = memory.data(METER_MAX_CHANNELS * 4 * 4, 16);

let holdSamples: f32 = 0;
let fallPerSample: f32 = 1; // linear gain per sample once the hold has expired
let rmsTimeSamples: f32 = 1;

/** Largest absolute sample value in `n` f32 samples starting at `ptr`. */
export function blockPeak(ptr: usize, n: i32): f32 {
  let i = 0;
  let peak: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      acc = f32x4.max(acc, f32x4.abs(v128.load(ptr + (<usize>i << 2))));
    }
    peak = Mathf.max(
      Mathf.max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
      Mathf.max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)),
    );
  }
  for (; i < n; i++) {
    const v = Mathf.abs(load<f32>(ptr + (<usize>i << 2)));
    if (v > peak) peak = v;
  }
  return peak;
}

/** Sum of squares of `n` f32 samples starting at `ptr` (for RMS over several blocks). */
export function blockSumSquares(ptr: usize, n: i32): f32 {
  let i = 0;
  let sum: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(ptr + (<usize>i << 2));
      acc = f32x4.add(acc, f32x4.mul(v, v));
    }
    sum =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < n; i++) {
    const v = load<f32>(ptr + (<usize>i << 2));
    sum += v * v;
  }
  return sum;
}

/** Sets the peak hold time, the fall rate after it, and the RMS time constant; clears state. */
export function meterSetup(sampleRate: f32, holdMs: f32, fallDbPerS: f32, rmsMs: f32): void {
  holdSamples = (holdMs * sampleRate) / 1000;
  fallPerSample = Mathf.pow(10, -fallDbPerS / 20 / sampleRate);
  rmsTimeSamples = Mathf.max(1, (rmsMs * sampleRate) / 1000);
  meterReset();
}

/** Clears every channel's held peak and mean square. */
export function meterReset(): void {
  memory.fill(STATE, 0, METER_MAX_CHANNELS * 4 * 4);
}

/** Feeds `n` samples at `ptr` to channel `ch`'s meter. */
export function meterProcess(ch: i32, ptr: usize, n: i32): void {
  const s = STATE + (<usize>ch << 4);
  const pk = blockPeak(ptr, n);
  let held = load<f32>(s);
  let left = load<f32>(s, 4);
  const fn = <f32>n;
  if (pk >= held) {
    held = pk;
    left = holdSamples;
  } else if (left > 0) {
    left -= fn;
  } else {
    held = Mathf.max(pk, held * Mathf.pow(fallPerSample, fn));
  }
  const a = Mathf.exp(-fn / rmsTimeSamples);
  const ms = load<f32>(s, 8) * a + (1 - a) * (blockSumSquares(ptr, n) / fn);
  store<f32>(s, held);
  store<f32>(s, left, 4);
  store<f32>(s, ms < 1e-24 ? 0 : ms, 8);
}

/** Held peak of channel `ch` in dBFS (METER_FLOOR_DB for silence). */
export function meterPeakDb(ch: i32): f32 {
  return toDb(load<f32>(STATE + (<usize>ch << 4)));
}

/** Averaged RMS of channel `ch` in dBFS (METER_FLOOR_DB for silence). */
export function meterRmsDb(ch: i32): f32 {
  // 10·log10 of the mean square is 20·log10 of the RMS.
  const ms = load<f32>(STATE + (<usize>ch << 4), 8);
  return ms <= 1e-12 ? METER_FLOOR_DB : Mathf.max(METER_FLOOR_DB, 10 * Mathf.log10(ms));
}

function toDb(v: f32): f32 {
  return v <= 1e-6 ? METER_FLOOR_DB : Mathf.max(METER_FLOOR_DB, 20 * Mathf.log10(v));
}
