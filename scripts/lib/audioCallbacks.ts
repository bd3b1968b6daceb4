// How a browser's audio device asks for sound: how often its callback runs and how many 128-sample
// render quanta Web Audio renders at each one. A page's worklets (the duet capture and playback)
// run only inside that callback, so frames captured in one callback all become available at once
// and arriving frames wait for the next one: with a 10 ms callback, 2.5 ms frames come four at a
// time whatever carries them. Measured in the page with a fresh AudioContext on the same device
// (same latency hint as the app's engine): a worklet bumps a shared counter each quantum, a worker
// waits on it and notes when each quantum showed up.
import type { Page } from 'playwright-core';

export interface AudioCallbacks {
  /** Median time between the worker's wake-ups that found new quanta, ms. */
  periodMs: number;
  /** Render quanta per wake-up (mean). */
  quantaPerWake: number;
  /** Quanta per second (375 at 48 kHz if the clock keeps up). */
  quantaPerSecond: number;
  baseLatencyMs: number;
  outputLatencyMs: number;
}

export async function audioCallbacks(page: Page, seconds = 2): Promise<AudioCallbacks> {
  return page.evaluate(async (ms) => {
    const worklet = `registerProcessor('muse-callback-count', class extends AudioWorkletProcessor {
      constructor(o) { super(); this.c = new Int32Array(o.processorOptions.sab); }
      process() { Atomics.add(this.c, 0, 1); Atomics.notify(this.c, 0); return true; }
    });`;
    const worker = `onmessage = (e) => {
      const c = new Int32Array(e.data.sab);
      const t0 = performance.now(); const wakes = []; let quanta = 0;
      let last = Atomics.load(c, 0);
      while (performance.now() - t0 < e.data.ms) {
        Atomics.wait(c, 0, last, 50);
        const v = Atomics.load(c, 0);
        if (v !== last) { wakes.push(performance.now()); quanta += v - last; last = v; }
      }
      postMessage({ wakes, quanta, ms: performance.now() - t0 });
    };`;
    const url = (code: string) => URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
    const ctx = new AudioContext({ latencyHint: 'interactive', sampleRate: 48000 });
    try {
      await ctx.audioWorklet.addModule(url(worklet));
      const sab = new SharedArrayBuffer(4);
      const node = new AudioWorkletNode(ctx, 'muse-callback-count', { processorOptions: { sab }, numberOfInputs: 0 });
      node.connect(ctx.destination);
      await ctx.resume();
      const w = new Worker(url(worker));
      const r = await new Promise<{ wakes: number[]; quanta: number; ms: number }>((ok) => {
        w.onmessage = (e) => ok(e.data);
        w.postMessage({ sab, ms });
      });
      w.terminate();
      node.disconnect();
      // Wake-ups less than 1 ms apart are one callback seen twice (the worker woke mid-burst).
      const callbacks = r.wakes.filter((t, i) => i === 0 || t - r.wakes[i - 1] > 1);
      const gaps = callbacks.slice(1).map((t, i) => t - callbacks[i]).sort((a, b) => a - b);
      return {
        periodMs: gaps.length ? gaps[gaps.length >> 1] : NaN,
        quantaPerWake: callbacks.length ? r.quanta / callbacks.length : NaN,
        quantaPerSecond: (r.quanta * 1000) / r.ms,
        baseLatencyMs: ctx.baseLatency * 1000,
        outputLatencyMs: ctx.outputLatency * 1000,
      };
    } finally {
      await ctx.close();
    }
  }, seconds * 1000);
}
