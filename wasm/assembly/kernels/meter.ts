// Peak and RMS metering over one block of samples. Plain functions over linear memory:
// no allocation, no state beyond what the caller passes in.

/** Largest absolute sample value in `n` f32 samples starting at `ptr`. */
export function blockPeak(ptr: usize, n: i32): f32 {
  let peak: f32 = 0;
  for (let i = 0; i < n; i++) {
    const v = Mathf.abs(load<f32>(ptr + (<usize>i << 2)));
    if (v > peak) peak = v;
  }
  return peak;
}

/** Sum of squares of `n` f32 samples starting at `ptr` (for RMS over several blocks). */
export function blockSumSquares(ptr: usize, n: i32): f32 {
  let sum: f32 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(ptr + (<usize>i << 2));
    sum += v * v;
  }
  return sum;
}
