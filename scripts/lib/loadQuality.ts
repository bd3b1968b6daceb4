// When a bench:load step counts as degraded: the figures of every participant in it against
// thresholds a violin lesson tolerates (a 10 ms gap is audible as a click; 1 % of frames lost is
// already a crackle every second).
import type { ContinuityReport } from './ContinuityMeter';

export interface QualityFigures {
  continuity: ContinuityReport;
  /** SDK (WebRTC) counters over the same window, when the SDK gave them. */
  sdk: { packetsReceived: number; packetsLost: number; concealedSamples: number; totalSamples: number } | null;
}

export const QUALITY_LIMITS = {
  /** Mean share of 10 ms frames missing or silent, and the worst participant's. */
  meanGapPct: 0.5,
  worstGapPct: 2,
  /** Mean share of samples the receivers' jitter buffers concealed, and the worst participant's. */
  meanConcealedPct: 1,
  worstConcealedPct: 3,
  /** RTP packets lost on the way from SFU to receiver (mean). */
  meanLossPct: 1,
  /** Pitch checks that did not find the partner's note loudest. */
  pitchFailPct: 5,
  /** Longest pause between two deliveries to one receiver (a stalled client or SFU), ms. */
  longestStallMs: 500,
};

export interface StepQuality {
  meanGapPct: number;
  worstGapPct: number;
  meanConcealedPct: number | null;
  worstConcealedPct: number | null;
  meanLossPct: number | null;
  pitchFailPct: number;
  longestStallMs: number;
  /** What crossed a limit, in words; empty when the step is fine. */
  reasons: string[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function judgeStep(rows: QualityFigures[], limits = QUALITY_LIMITS): StepQuality {
  const gaps = rows.map((r) => r.continuity.gapPct);
  const withSdk = rows.filter((r) => r.sdk && r.sdk.totalSamples > 0);
  const concealed = withSdk.map((r) => (r.sdk!.concealedSamples / r.sdk!.totalSamples) * 100);
  const loss = withSdk.map((r) => {
    const sent = r.sdk!.packetsReceived + r.sdk!.packetsLost;
    return sent > 0 ? (r.sdk!.packetsLost / sent) * 100 : 0;
  });
  const checks = rows.reduce((a, r) => a + r.continuity.pitchChecks, 0);
  const ok = rows.reduce((a, r) => a + r.continuity.pitchOk, 0);
  const q: StepQuality = {
    meanGapPct: mean(gaps),
    worstGapPct: rows.length ? Math.max(...gaps) : 100,
    meanConcealedPct: concealed.length ? mean(concealed) : null,
    worstConcealedPct: concealed.length ? Math.max(...concealed) : null,
    meanLossPct: loss.length ? mean(loss) : null,
    // No check at all (nothing heard) is a failure, not a pass.
    pitchFailPct: checks > 0 ? ((checks - ok) / checks) * 100 : 100,
    longestStallMs: rows.length ? Math.max(...rows.map((r) => r.continuity.longestStallMs)) : Infinity,
    reasons: [],
  };
  const over = (what: string, v: number | null, limit: number, unit = '%') => {
    if (v !== null && v > limit) q.reasons.push(`${what} ${v.toFixed(2)}${unit} > ${+limit.toFixed(2)}${unit}`);
  };
  if (rows.length === 0) q.reasons.push('no participant reported');
  over('mean gaps', q.meanGapPct, limits.meanGapPct);
  over('worst gaps', q.worstGapPct, limits.worstGapPct);
  over('mean concealed', q.meanConcealedPct, limits.meanConcealedPct);
  over('worst concealed', q.worstConcealedPct, limits.worstConcealedPct);
  over('mean packet loss', q.meanLossPct, limits.meanLossPct);
  over('pitch checks failed', q.pitchFailPct, limits.pitchFailPct);
  over('longest stall', q.longestStallMs, limits.longestStallMs, ' ms');
  return q;
}

/**
 * The limits for steps after the baseline (1 lesson) of the same run: each limit, or twice the
 * baseline's figure when that is higher. On a quiet machine the fixed limits decide; on a shared,
 * busy one a step counts as degraded only when the load made it clearly worse than the noise.
 */
export function limitsAfterBaseline(base: StepQuality, limits = QUALITY_LIMITS): typeof QUALITY_LIMITS {
  const twice = (v: number | null, limit: number) => Math.max(limit, v === null || !Number.isFinite(v) ? limit : 2 * v);
  return {
    meanGapPct: twice(base.meanGapPct, limits.meanGapPct),
    worstGapPct: twice(base.worstGapPct, limits.worstGapPct),
    meanConcealedPct: twice(base.meanConcealedPct, limits.meanConcealedPct),
    worstConcealedPct: twice(base.worstConcealedPct, limits.worstConcealedPct),
    meanLossPct: twice(base.meanLossPct, limits.meanLossPct),
    pitchFailPct: twice(base.pitchFailPct, limits.pitchFailPct),
    longestStallMs: twice(base.longestStallMs, limits.longestStallMs),
  };
}

/** Least-squares slope of y over x (e.g. SFU CPU % per added lesson); NaN with fewer than two distinct x. */
export function linearSlope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}
