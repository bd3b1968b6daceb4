import { readFileSync } from 'node:fs';
import { WASM_FILE } from '../../scripts/lib/wasm.ts';
import { BLOCK_MAX_FRAMES, createMuseDsp, emptyPitchResult, loadMuseDsp } from '../src/museDsp.ts';
import { loadDsp } from './helpers/dsp.ts';

describe('loadMuseDsp / createMuseDsp', () => {
  test('views are cached, sit on the module’s static buffers, and survive memory growth', () => {
    const dsp = loadDsp();
    const v = dsp.channel(0);
    expect(dsp.channel(0)).toBe(v); // same object: no allocation per call
    expect(v.length).toBe(BLOCK_MAX_FRAMES);
    expect(v.byteOffset).toBe(dsp.raw.inputPtr());
    expect(dsp.channel(1).byteOffset).toBe(dsp.raw.input2Ptr());
    expect(dsp.clickBuffer().byteOffset).toBe(dsp.raw.outputPtr());
    v[3] = 0.25;
    expect(dsp.blockPeak(0, 8)).toBe(0.25);
    dsp.raw.memory.grow(1); // detaches the old ArrayBuffer
    expect(v.length).toBe(0);
    const w = dsp.channel(0);
    expect(w).not.toBe(v);
    expect(w[3]).toBe(0.25);
    expect(dsp.channel(0)).toBe(w);
  });

  test('the async loader gives the same module from bytes or a compiled Module', async () => {
    const bytes = readFileSync(WASM_FILE);
    const a = await loadMuseDsp(bytes);
    const b = createMuseDsp(await WebAssembly.compile(bytes));
    for (const dsp of [a, b]) {
      dsp.pitchSetup(48000);
      expect(dsp.raw.pitchWindow()).toBe(1024 + 344 + 4); // W + longest lag (140 Hz) + refinement margin
      expect(dsp.pitchResult(emptyPitchResult()).hz).toBeNull();
    }
  });
});
