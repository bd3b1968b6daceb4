// Main-thread façade of the latency probe worklet, and the arithmetic of its answer.
import { ECHO_DELAY_FRAMES, type ProbeEvent, type ProbeProcessorOptions } from './protocol';

export class ProbeNode {
  readonly node: AudioWorkletNode;
  readonly events: ProbeEvent[] = [];
  onevent: ((e: ProbeEvent) => void) | null = null;

  constructor(context: BaseAudioContext, module: WebAssembly.Module, role: ProbeProcessorOptions['role'], clicksPerMinute = 60) {
    const processorOptions: ProbeProcessorOptions = { module, role, clicksPerMinute };
    this.node = new AudioWorkletNode(context, 'muse-probe', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit', processorOptions });
    this.node.port.onmessage = (e: MessageEvent<ProbeEvent>) => {
      const copy = { ...e.data };
      this.events.push(copy);
      this.onevent?.(copy);
    };
  }

  stop(): void {
    this.node.port.postMessage('stop');
    this.node.disconnect();
    this.node.port.onmessage = null;
  }
}

/** One-way latencies (ms) from an initiator's events; answers that cannot match a click are dropped. */
export function oneWayLatenciesMs(events: ProbeEvent[]): number[] {
  const out: number[] = [];
  for (const e of events) {
    if (e.sentFrame < 0) continue;
    const oneWay = (e.heardFrame - e.sentFrame - ECHO_DELAY_FRAMES) / 2;
    if (oneWay > 0 && oneWay < e.sampleRate) out.push((oneWay / e.sampleRate) * 1000);
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
