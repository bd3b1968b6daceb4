// Main-thread façade of the recorder worklet: keep the first `seconds` of a stereo input.
import type { RecorderProcessorOptions, RecorderResult } from './protocol';

export interface Recording {
  left: Float32Array;
  right: Float32Array;
  /** Context frame of the first sample. */
  startFrame: number;
}

export class RecorderNode {
  readonly node: AudioWorkletNode;
  private readonly shared: SharedArrayBuffer | null;
  private readonly frames: number;

  constructor(context: BaseAudioContext, seconds: number) {
    this.frames = Math.ceil(seconds * context.sampleRate);
    this.shared = globalThis.crossOriginIsolated ? new SharedArrayBuffer(this.frames * 8 + 8) : null;
    const processorOptions: RecorderProcessorOptions = { frames: this.frames, shared: this.shared };
    this.node = new AudioWorkletNode(context, 'muse-recorder', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 2, channelCountMode: 'explicit', processorOptions });
  }

  /** What was kept so far (copies, so the worklet may go on). */
  async take(): Promise<Recording> {
    if (this.shared) {
      const index = new Int32Array(this.shared, this.frames * 8, 2);
      const n = Atomics.load(index, 0);
      return {
        left: new Float32Array(this.shared, 0, this.frames).slice(0, n),
        right: new Float32Array(this.shared, this.frames * 4, this.frames).slice(0, n),
        startFrame: Atomics.load(index, 1),
      };
    }
    return new Promise((resolve) => {
      this.node.port.onmessage = (e: MessageEvent<RecorderResult>) =>
        resolve({ left: e.data.left.slice(0, e.data.frames), right: e.data.right.slice(0, e.data.frames), startFrame: e.data.startFrame });
      this.node.port.postMessage('stop');
    });
  }

  disconnect(): void {
    this.node.disconnect();
  }
}
