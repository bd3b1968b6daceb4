// Audio thread of the latency probe: clicks from the wasm metronome kernel go out, the wasm
// onset detector times what comes back (see ECHO_DELAY_FRAMES in protocol.ts).
/// <reference path="./audioworklet.d.ts" />
import { createMuseDsp, type MuseDsp } from '../../../../wasm/src/museDsp.ts';
import { ECHO_DELAY_FRAMES, type ProbeEvent, type ProbeProcessorOptions } from '../protocol';

class ProbeProcessor extends AudioWorkletProcessor {
  private readonly dsp: MuseDsp;
  private readonly initiator: boolean;
  private readonly event: ProbeEvent = { type: 'probe', sentFrame: 0, heardFrame: 0, sampleRate };
  private lastSent = -1;
  private running = true;

  constructor(options: { processorOptions: ProbeProcessorOptions }) {
    super();
    const o = options.processorOptions;
    this.dsp = createMuseDsp(o.module);
    this.dsp.clickSetup(sampleRate, { level: 0.5 });
    this.dsp.onsetSetup(sampleRate, { thresholdDb: -40, marginDb: 20, refractoryMs: 150 });
    this.initiator = o.role === 'initiator';
    if (this.initiator) this.dsp.clickStart(currentFrame + 4096, o.clicksPerMinute, 1, 1);
    this.port.onmessage = () => {
      this.running = false;
      this.dsp.clickStop();
    };
  }

  override process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (!this.running) return false;
    const input = inputs[0]?.[0];
    const frames = outputs[0]?.[0]?.length ?? 128;
    if (this.initiator) {
      const next = this.dsp.clickNextFrame();
      if (next >= currentFrame && next < currentFrame + frames) this.lastSent = next;
    }
    if (input) {
      this.dsp.channel(0).set(input);
      if (this.dsp.onsetPush(0, input.length, currentFrame) > 0) {
        const heard = this.dsp.onsetTime();
        if (this.initiator) {
          this.event.sentFrame = this.lastSent;
        } else {
          // Answer this click once, exactly ECHO_DELAY_FRAMES after its onset; the slow tempo
          // leaves no second tick before the next click restarts it.
          this.event.sentFrame = Math.round(heard) + ECHO_DELAY_FRAMES;
          this.dsp.clickStart(this.event.sentFrame, 20, 1, 1);
        }
        this.event.heardFrame = heard;
        this.port.postMessage(this.event); // once per click heard, not per quantum
      }
    }
    this.dsp.clickRender(frames, currentFrame);
    const clicks = this.dsp.clickBuffer();
    const out = outputs[0];
    for (let c = 0; c < out.length; c++) {
      const ch = out[c];
      for (let i = 0; i < frames; i++) ch[i] = clicks[i];
    }
    return true;
  }
}

registerProcessor('muse-probe', ProbeProcessor);
