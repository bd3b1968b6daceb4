// Audio thread: keeps the first N frames of its input (two channels) in preallocated memory,
// for the music-safety check's analysis. process() only copies.
/// <reference path="./audioworklet.d.ts" />
import type { RecorderProcessorOptions, RecorderResult } from '../protocol';

class RecorderProcessor extends AudioWorkletProcessor {
  private readonly left: Float32Array;
  private readonly right: Float32Array;
  private readonly index: Int32Array;
  private readonly shared: boolean;
  private startFrame = -1;
  private written = 0;

  constructor(options: { processorOptions: RecorderProcessorOptions }) {
    super();
    const o = options.processorOptions;
    const buf = o.shared ?? new ArrayBuffer(o.frames * 8 + 8);
    this.left = new Float32Array(buf, 0, o.frames);
    this.right = new Float32Array(buf, o.frames * 4, o.frames);
    this.index = new Int32Array(buf, o.frames * 8, 2);
    this.shared = o.shared !== null;
    this.port.onmessage = () => {
      if (this.shared) return;
      const result: RecorderResult = { type: 'recorded', left: this.left, right: this.right, frames: this.written, startFrame: this.startFrame };
      this.port.postMessage(result);
    };
  }

  override process(inputs: Float32Array[][]): boolean {
    const ch = inputs[0];
    if (!ch || ch.length === 0 || this.written >= this.left.length) return true;
    if (this.startFrame < 0) {
      this.startFrame = currentFrame;
      this.index[1] = currentFrame;
    }
    const n = Math.min(ch[0].length, this.left.length - this.written);
    const r = ch.length > 1 ? ch[1] : ch[0];
    for (let i = 0; i < n; i++) {
      this.left[this.written + i] = ch[0][i];
      this.right[this.written + i] = r[i];
    }
    this.written += n;
    this.index[0] = this.written;
    return true;
  }
}

registerProcessor('muse-recorder', RecorderProcessor);
