// Audio thread of duet mode's sending side: cuts the microphone into frames of `frame` samples
// and hands each to the main thread through a SharedArrayBuffer ring, stamped with this
// context's sample clock. No allocation, no message per quantum.
/// <reference path="./audioworklet.d.ts" />
import { type DuetRing, duetRing, DUET_MAX_FRAME, ringWrite } from '../duetRing';

export interface DuetCaptureOptions {
  ring: SharedArrayBuffer;
  frame: number;
}

class DuetCaptureProcessor extends AudioWorkletProcessor {
  private readonly ring: DuetRing;
  private readonly frame: number;
  private readonly buf = new Float32Array(DUET_MAX_FRAME);
  private fill = 0;
  private seq = 0;
  private startFrame = 0;
  private running = true;

  constructor(options: { processorOptions: DuetCaptureOptions }) {
    super();
    this.ring = duetRing(options.processorOptions.ring);
    this.frame = options.processorOptions.frame;
    this.port.onmessage = () => (this.running = false);
  }

  override process(inputs: Float32Array[][]): boolean {
    if (!this.running) return false;
    const ch = inputs[0]?.[0];
    const n = ch?.length ?? 128;
    for (let i = 0; i < n; i++) {
      if (this.fill === 0) this.startFrame = currentFrame + i;
      this.buf[this.fill++] = ch ? ch[i] : 0;
      if (this.fill === this.frame) {
        ringWrite(this.ring, this.seq++, this.buf, this.frame, this.startFrame);
        this.fill = 0;
      }
    }
    return true;
  }
}

registerProcessor('muse-duet-capture', DuetCaptureProcessor);
