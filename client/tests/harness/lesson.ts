// Steps shared by the lesson browser tests.
import type { Page } from 'playwright-core';

/** Opens an open dev room's pre-join screen and waits until the join button is usable. */
export async function openDevRoom(page: Page, baseUrl: string, room: string, name: string, role: 'teacher' | 'student', query = ''): Promise<void> {
  await page.goto(`${baseUrl}/room/${room}?name=${encodeURIComponent(name)}&role=${role}${query}`);
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-testid=join]') as HTMLButtonElement | null;
    return b !== null && !b.disabled;
  }, null, { timeout: 20000 });
}

/** Joins and waits until connected; returns how long that took, ms. */
export async function joinAndWaitConnected(page: Page, timeoutMs = 20000): Promise<number> {
  const t0 = Date.now();
  await page.getByTestId('join').click();
  // Under load a click on the lobby's Join button was sometimes lost (network.spec found the page still in the lobby
  // after 45 s): a person would click again, and so does the harness, once, if the lobby is still there after 5 s.
  const connected = page.locator('[data-testid=connection][data-state=connected]');
  const join = page.getByTestId('join');
  const stillInLobby = await connected.waitFor({ timeout: 5000 }).then(() => false, async () => (await join.isVisible()) && (await join.isEnabled()));
  if (stillInLobby) await join.click({ timeout: 2000 }).catch(() => undefined);
  await connected.waitFor({ timeout: Math.max(1000, timeoutMs - (Date.now() - t0)) });
  return Date.now() - t0;
}

export interface MicReport {
  settings: MediaTrackSettings;
  codec: { mimeType?: string; sdpFmtpLine?: string; channels?: number } | null;
  outbound: { bytesSent?: number; packetsSent?: number; targetBitrate?: number; timestamp: number } | null;
}

/** The published microphone's capture settings and encoder stats, read in the page. */
export function micReport(page: Page): Promise<MicReport | null> {
  return page.evaluate(async () => {
    const s = (window as unknown as { muse?: { session?: { micReport(): Promise<unknown> } } }).muse?.session;
    return (s ? ((await s.micReport()) as MicReport | null) : null);
  });
}

/** Packets per second the published microphone sends, over `ms`: 50 for 20 ms Opus frames, 100 for 10 ms. */
export async function micPacketRate(page: Page, ms = 2000): Promise<number> {
  const a = (await micReport(page))!.outbound!;
  await page.waitForTimeout(ms);
  const b = (await micReport(page))!.outbound!;
  return ((b.packetsSent! - a.packetsSent!) * 1000) / (b.timestamp - a.timestamp);
}

/** Codec of each inbound audio stream this page receives (what arrived, as negotiated). */
export function inboundAudioCodecs(page: Page): Promise<{ mimeType?: string; sdpFmtpLine?: string }[]> {
  return page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const s = (window as unknown as { muse?: { session?: { peers: Peer[] } } }).muse?.session;
    const out: { mimeType?: string; sdpFmtpLine?: string }[] = [];
    for (const p of s?.peers ?? []) {
      if (p.isLocal || !p.audio) continue;
      const report = await p.audio.getRTCStatsReport();
      report?.forEach((st: RTCStats & { codecId?: string; kind?: string }) => {
        if (st.type === 'inbound-rtp' && st.kind === 'audio' && st.codecId) {
          const c = report.get(st.codecId) as { mimeType?: string; sdpFmtpLine?: string } | undefined;
          if (c) out.push({ mimeType: c.mimeType, sdpFmtpLine: c.sdpFmtpLine });
        }
      });
    }
    return out;
  });
}

export interface ProbeMeasurement {
  medianMs: number;
  p95Ms: number;
  samples: number[];
  concealedPct: number;
}

/** Runs the lesson's latency probe in the page (`clicks` clicks, one a second); the probe's error when it fails. */
export function measureProbe(page: Page, clicks: number): Promise<ProbeMeasurement | { error: string }> {
  return page.evaluate(async (n) => {
    type Probe = { measure(n: number): Promise<ProbeMeasurement | null>; error: string | null };
    const s = (window as unknown as { muse: { session: { probe: Probe } } }).muse.session;
    const out = await s.probe.measure(n);
    return out ?? { error: s.probe.error ?? 'no result' };
  }, clicks);
}
