// Entry file of muse-dsp.wasm: exports and static buffers only.
// Buffers live in static memory reserved at compile time, so the audio thread never
// allocates; the worklet makes Float32Array views over them once.

export { blockPeak, blockSumSquares } from "./kernels/meter";

/** Frames in one Web Audio render quantum. */
export const RENDER_QUANTUM_FRAMES: i32 = 128;

/** Scratch input buffer: up to 8 render quanta of one channel. */
const INPUT = memory.data(128 * 8 * 4, 16);

export function inputPtr(): usize {
  return INPUT;
}
