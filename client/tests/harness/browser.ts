// One headless Chromium per participant (each with its own fake microphone signal),
// driven by playwright-core. Debian's chromium: test browsers' own downloads do not work here.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { writeToneWav } from './audio';
import { smallCameraFile } from './camera';

export const CHROMIUM = process.env.MUSE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Without it ICE never pairs on 127.0.0.1.
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export interface Participant {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  logs: string[];
  /** The fake microphone's file (its path is on the browser's command line: benches find the process by it). */
  wav: string;
  close(): Promise<void>;
}

/** A browser whose microphone plays a sine at `toneHz`, or the WAV file `opts.wav`. Its camera is a
 *  small 320×180 15 fps loop (see camera.ts), or Chromium's own 720p one with `camera: 'builtin'`. */
export async function launchParticipant(
  toneHz: number,
  opts: { viewport?: { width: number; height: number }; locale?: string; wav?: string; executablePath?: string; args?: string[]; camera?: 'small' | 'builtin' } = {},
): Promise<Participant> {
  let wav = opts.wav;
  if (!wav) {
    wav = path.join(mkdtempSync(path.join(os.tmpdir(), 'muse-chromium-')), `tone-${toneHz}.wav`);
    writeToneWav(wav, toneHz, { seconds: 10 });
  }
  const browser = await chromium.launch({
    executablePath: opts.executablePath ?? CHROMIUM,
    headless: true,
    args: [
      ...CHROMIUM_FLAGS,
      `--use-file-for-fake-audio-capture=${wav}`,
      ...(opts.camera === 'builtin' ? [] : [`--use-file-for-fake-video-capture=${smallCameraFile()}`]),
      ...(opts.args ?? []),
    ],
  });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 }, locale: opts.locale ?? 'en-US' });
  // tsx (esbuild) wraps named functions in __name(); give evaluated functions that helper.
  await context.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  return { browser, context, page, logs, wav, close: () => browser.close() };
}

export interface ToneResult {
  /** Frequency of the strongest spectral peak of the remote audio. */
  hz: number;
  /** Its level in dBFS (Analyser scale). */
  db: number;
  /** ms from the call until the tone was first detected. */
  elapsedMs: number;
}

/**
 * In the page: waits for a remote participant's audio and analyses it until its dominant
 * frequency is within `toleranceHz` of `expectHz`. Rejects with the last reading on timeout.
 */
export async function waitForRemoteTone(page: Page, expectHz: number, toleranceHz = 8, timeoutMs = 20000): Promise<ToneResult> {
  return page.evaluate(
    async ({ expectHz, toleranceHz, timeoutMs }) => {
      const started = performance.now();
      type Peer = { isLocal: boolean; audio: { mediaStreamTrack: MediaStreamTrack } | null };
      const session = () => (window as unknown as { muse?: { session?: { peers: Peer[] } } }).muse?.session;
      const ctx = new AudioContext();
      await ctx.resume();
      let analyser: AnalyserNode | null = null;
      let trackId = '';
      const bins = new Float32Array(8192);
      let last = { hz: 0, db: -200 };
      while (performance.now() - started < timeoutMs) {
        const remote = session()?.peers.find((p) => !p.isLocal && p.audio);
        const track = remote?.audio?.mediaStreamTrack;
        if (track && track.id !== trackId) {
          trackId = track.id;
          const src = ctx.createMediaStreamSource(new MediaStream([track]));
          analyser = ctx.createAnalyser();
          analyser.fftSize = 16384;
          analyser.smoothingTimeConstant = 0;
          src.connect(analyser);
        }
        if (analyser) {
          analyser.getFloatFrequencyData(bins);
          let best = 0;
          for (let i = 4; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
          last = { hz: (best * ctx.sampleRate) / analyser.fftSize, db: bins[best] };
          if (last.db > -70 && Math.abs(last.hz - expectHz) <= toleranceHz) {
            const elapsedMs = performance.now() - started;
            await ctx.close();
            return { ...last, elapsedMs };
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await ctx.close();
      throw new Error(`No ${expectHz} Hz tone from the other side within ${timeoutMs} ms; last reading ${last.hz.toFixed(1)} Hz at ${last.db.toFixed(1)} dB${analyser ? '' : ' (no remote audio track at all)'}`);
    },
    { expectHz, toleranceHz, timeoutMs },
  );
}
