// NTP-style clock-offset estimate between this page and a reference peer, from ping exchanges
// over any message channel. Pure functions: the channel lives in lesson/ClockSync.svelte.ts.

/** One exchange: t0 sent and t3 received on our clock, t1 received and t2 answered on theirs (ms). */
export interface ClockSample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

export interface OffsetEstimate {
  /** Their clock minus ours (ms): their time T is our time T − offsetMs. */
  offsetMs: number;
  /** Round trip of the samples kept (ms, the median of them). */
  rttMs: number;
  /** Samples kept / samples given. */
  kept: number;
  total: number;
}

/** Offset and round-trip delay of one exchange. */
export function sampleOffset(s: ClockSample): { offsetMs: number; rttMs: number } {
  return { offsetMs: (s.t1 - s.t0 + (s.t2 - s.t3)) / 2, rttMs: s.t3 - s.t0 - (s.t2 - s.t1) };
}

/**
 * The offset from the exchanges with the shortest round trips: queueing delay only ever adds
 * to a trip, and a fast exchange bounds the error by half its round trip, so the fastest
 * `keepFraction` (at least `minKeep`) are kept and their median offset taken.
 */
export function estimateOffset(samples: readonly ClockSample[], keepFraction = 0.25, minKeep = 3): OffsetEstimate | null {
  const all = samples.map(sampleOffset).filter((s) => Number.isFinite(s.offsetMs) && s.rttMs >= 0);
  if (all.length === 0) return null;
  all.sort((a, b) => a.rttMs - b.rttMs);
  const keep = Math.min(all.length, Math.max(minKeep, Math.ceil(all.length * keepFraction)));
  const best = all.slice(0, keep);
  return {
    offsetMs: median(best.map((s) => s.offsetMs)),
    rttMs: median(best.map((s) => s.rttMs)),
    kept: keep,
    total: samples.length,
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
