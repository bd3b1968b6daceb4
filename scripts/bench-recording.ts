// npm run bench:recording [-- --json FILE]
// In headless Chromium against the real app: (a) cutting a 3 s passage near the middle of a 60-minute Opus WebM
// with the review page's own makeClip (stream copy and exact FLAC), against the same cuts of a 1-minute file in the
// same run; (b) IndexedDB chunk writes with the recorder's own appendChunk while a call-like load runs, against the
// same writes with nothing else running.
import { writeFileSync } from 'node:fs';
import { launchParticipant } from '../client/tests/harness/browser';
import { startTestApp } from '../client/tests/harness/app';

const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;

async function main(): Promise<void> {
  const app = await startTestApp({ devRooms: false });
  const p = await launchParticipant(440, { camera: 'builtin' });
  try {
    const signup = await fetch(`${app.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Bench', timeZone: 'UTC', language: 'en' }) });
    const [name, value] = signup.headers.get('set-cookie')!.split(';')[0].split('=');
    await p.context.addCookies([{ name, value, url: app.url }]);
    await p.page.goto(`${app.url}/`);
    await p.page.waitForFunction(() => Boolean((window as unknown as { muse?: { clips?: unknown } }).muse?.clips), null, { timeout: 30000 });

    // (a) Trims. The files are made with ffmpeg.wasm from lavfi's sine source, mono libopus 32 kb/s in WebM.
    const trims = await p.page.evaluate(async () => {
      type FF = { exec(a: string[]): Promise<number>; readFile(n: string): Promise<Uint8Array>; deleteFile(n: string): Promise<void> };
      const m = (window as unknown as { muse: { clips: { ffmpeg(): Promise<FF>; makeClip(b: Blob, mime: string, s: number, e: number, mode: string): Promise<Blob> } } }).muse.clips;
      const f = await m.ffmpeg();
      const make = async (seconds: number) => {
        const t0 = performance.now();
        const rc = await f.exec(['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`, '-c:a', 'libopus', '-b:a', '32k', '-ac', '1', '-f', 'webm', 'gen.webm']);
        if (rc !== 0) throw new Error(`ffmpeg lavfi generation exited ${rc}`);
        const data = await f.readFile('gen.webm');
        await f.deleteFile('gen.webm');
        return { blob: new Blob([data as Uint8Array<ArrayBuffer>], { type: 'audio/webm' }), genMs: performance.now() - t0 };
      };
      const out: { file: string; bytes: number; genMs: number; copyMs: number; exactMs: number; exactSeconds: number }[] = [];
      for (const [label, seconds] of [['1 min', 60], ['60 min', 3600]] as const) {
        const { blob, genMs } = await make(seconds);
        const mid = seconds / 2;
        let t0 = performance.now();
        await m.makeClip(blob, 'audio/webm', mid, mid + 3, 'copy');
        const copyMs = performance.now() - t0;
        t0 = performance.now();
        const exact = await m.makeClip(blob, 'audio/webm', mid, mid + 3, 'exact');
        const exactMs = performance.now() - t0;
        const ctx = new AudioContext();
        const decoded = await ctx.decodeAudioData(await exact.arrayBuffer());
        await ctx.close();
        out.push({ file: label, bytes: blob.size, genMs, copyMs, exactMs, exactSeconds: decoded.duration });
      }
      return out;
    });

    // (b) IndexedDB: 60 puts of a 1 s chunk (16 KB, 128 kb/s Opus) every 250 ms, idle, then under a call-like load:
    // a MediaRecorder on the fake microphone with 1 s timeslices, an AudioContext with oscillators and an analyser
    // read every frame, and the main thread busy 6 ms of every 16 ms (a page rendering video and meters).
    const idb = await p.page.evaluate(async () => {
      type Store = { createRecording(r: unknown): Promise<unknown>; appendChunk(id: string, seq: number, b: Blob): Promise<void>; getRecording(id: string): Promise<{ chunks?: number } | undefined>; deleteRecording(id: string): Promise<void>; chunksBlob(r: unknown): Promise<Blob> };
      const store = (window as unknown as { muse: { recordingStore: Store } }).muse.recordingStore;
      const run = async (label: string) => {
        const id = `bench-${label}-${Math.random().toString(36).slice(2, 10)}`;
        await store.createRecording({ id, occurrence: 'bench.20260101T000000Z', participantId: 'bench', kind: 'audio', mime: 'audio/webm' });
        const times: number[] = [];
        let failed = 0;
        for (let i = 0; i < 60; i++) {
          const chunk = new Blob([crypto.getRandomValues(new Uint8Array(16000))]);
          const t0 = performance.now();
          try {
            await store.appendChunk(id, i, chunk);
          } catch {
            failed++;
          }
          times.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 250));
        }
        const rec = await store.getRecording(id);
        const stored = rec ? (await store.chunksBlob(rec)).size : 0;
        await store.deleteRecording(id);
        const s = [...times].sort((a, b) => a - b);
        return { label, median: s[Math.floor(s.length / 2)], p95: s[Math.ceil(0.95 * s.length) - 1], max: s[s.length - 1], dropped: failed + Math.round((60 * 16000 - stored) / 16000) };
      };
      const idle = await run('idle');
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const rec = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
      rec.start(1000);
      const ac = new AudioContext();
      const an = ac.createAnalyser();
      for (const hz of [196, 293.7, 440, 659.3]) {
        const o = ac.createOscillator();
        o.frequency.value = hz;
        o.connect(an);
        o.start();
      }
      an.connect(ac.destination);
      let loading = true;
      const buf = new Float32Array(an.fftSize);
      const frame = () => {
        if (!loading) return;
        const t0 = performance.now();
        an.getFloatTimeDomainData(buf);
        while (performance.now() - t0 < 6) Math.sqrt(Math.random());
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      const busy = setInterval(() => {
        const t0 = performance.now();
        while (performance.now() - t0 < 6) Math.sqrt(Math.random());
      }, 16);
      const loaded = await run('call-like load');
      loading = false;
      clearInterval(busy);
      rec.stop();
      stream.getTracks().forEach((t) => t.stop());
      await ac.close();
      return [idle, loaded];
    });

    const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
    console.log('\n(a) 3 s passage near the middle, review page makeClip (ffmpeg.wasm), file made with lavfi sine + libopus mono 32 kb/s');
    console.table(trims.map((r) => ({ file: r.file, 'size MB': (r.bytes / 1048576).toFixed(2), generate: fmt(r.genMs), 'stream copy': fmt(r.copyMs), 'exact FLAC': fmt(r.exactMs), 'exact length s': r.exactSeconds.toFixed(3) })));
    const [one, sixty] = trims;
    console.log(`60 min / 1 min: stream copy ×${(sixty.copyMs / one.copyMs).toFixed(1)}, exact ×${(sixty.exactMs / one.exactMs).toFixed(1)}`);
    console.log('\n(b) IndexedDB appendChunk, 60 chunks of 16 KB every 250 ms');
    console.table(idb.map((r) => ({ run: r.label, median: fmt(r.median), p95: fmt(r.p95), max: fmt(r.max), dropped: r.dropped })));
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ trims, ratio: { copy: sixty.copyMs / one.copyMs, exact: sixty.exactMs / one.exactMs }, idb }, null, 2));
  } finally {
    await p.close();
    await app.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
