// Click onset detector for the latency probe. A click is a jump of |x| far above the noise
// floor, so a level trigger is enough and is unbiased where a smoothed envelope would lag:
// trigger where |x| first exceeds max(absolute threshold, ratio · noise floor), and place the
// onset between that sample and the one before by linear interpolation of |x| at the
// threshold. The noise floor is a slow average of |x| that freezes while a click rings and
// for a refractory time after, so the click itself never raises it.

let absThreshold: f32 = 0.0032; // −50 dBFS
let ratio: f32 = 10; // +20 dB over the noise floor
let refractory: i32 = 4800;
let floorCoef: f32 = 0.0004;
let noise: f32 = 0;
let prevAbs: f32 = 0;
let holdLeft: i32 = 0;
let lastTime: f64 = -1;

/** Sets the absolute threshold (dBFS), the margin over the noise floor (dB) and the refractory time (ms); clears state. */
export function onsetSetup(sampleRate: f32, thresholdDb: f32, marginDb: f32, refractoryMs: f32): void {
  absThreshold = Mathf.pow(10, thresholdDb / 20);
  ratio = Mathf.pow(10, marginDb / 20);
  refractory = <i32>Mathf.round((refractoryMs * sampleRate) / 1000);
  floorCoef = 1 - Mathf.exp(-1 / (0.05 * sampleRate));
  onsetReset();
}

/** Forgets the noise floor and the last onset. */
export function onsetReset(): void {
  noise = 0;
  prevAbs = 0;
  holdLeft = 0;
  lastTime = -1;
}

/** Scans `n` samples at `ptr` whose first is absolute frame `blockStart`; returns onsets found (see onsetTime). */
export function onsetPush(ptr: usize, n: i32, blockStart: f64): i32 {
  let found = 0;
  for (let i = 0; i < n; i++) {
    const a = Mathf.abs(load<f32>(ptr + (<usize>i << 2)));
    if (holdLeft > 0) {
      holdLeft--;
    } else {
      const thr = Mathf.max(absThreshold, ratio * noise);
      if (a > thr) {
        let frac: f32 = 0;
        if (a > prevAbs && prevAbs < thr) frac = (thr - prevAbs) / (a - prevAbs);
        lastTime = blockStart + <f64>i - 1 + <f64>frac;
        holdLeft = refractory;
        found++;
      } else {
        noise += (a - noise) * floorCoef;
      }
    }
    prevAbs = a;
  }
  return found;
}

/** Absolute frame (fractional) of the last onset found, or -1. */
export function onsetTime(): f64 {
  return lastTime;
}
