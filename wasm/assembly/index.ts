// Entry file of muse-dsp.wasm: exports and static buffers only.
// Buffers live in static memory reserved at compile time, so the audio thread never
// allocates; the loader (wasm/src) makes Float32Array views over them once.

export { blockPeak, blockSumSquares, meterSetup, meterReset, meterProcess, meterPeakDb, meterRmsDb } from "./kernels/meter";
export { hpSetup, hpReset, hpProcess } from "./kernels/highpass";
export { limSetup, limReset, limProcess, limLatency } from "./kernels/limiter";
export {
  pitchSetup, pitchSetGate, pitchSetA4, pitchReset, pitchWindow, pitchPush,
  pitchHz, pitchConfidence, pitchTime, pitchNote, pitchCents, pitchCentreHz, pitchCentreTime,
} from "./kernels/pitch";
export { clickSetup, clickStart, clickResume, clickTempo, clickStop, clickRender, clickNextFrame, clickLastKind } from "./kernels/click";
export { onsetSetup, onsetReset, onsetPush, onsetTime } from "./kernels/onset";

/** Frames in one Web Audio render quantum. */
export const RENDER_QUANTUM_FRAMES: i32 = 128;
/** Frames each static buffer holds: up to 8 render quanta. */
export const BLOCK_MAX_FRAMES: i32 = 128 * 8;

/** Scratch input buffer: up to 8 render quanta of one channel. */
const INPUT = memory.data(128 * 8 * 4, 16);
/** Second channel's buffer. */
const INPUT2 = memory.data(128 * 8 * 4, 16);
/** Output buffer (metronome). */
const OUTPUT = memory.data(128 * 8 * 4, 16);

export function inputPtr(): usize {
  return INPUT;
}
export function input2Ptr(): usize {
  return INPUT2;
}
export function outputPtr(): usize {
  return OUTPUT;
}
export {
  jbSetup, jbFramePtr, jbOutPtr, jbFrameSize, jbPut, jbPull, jbTarget, jbDelay, jbBufferDelay, jbRatio, jbSpread, jbCount, jbConcealed, jbOutput, jbSetQuantile, jbQuantile,
} from "./kernels/jitter";
