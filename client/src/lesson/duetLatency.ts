// The duet panel's "To you" figure: the one-way latency of the duet path into this side.

/** Share of recent frames below the one taken as "fastest": one frame stamped early by a clock
 *  correction must not pull the figure down. */
const FASTEST_QUANTILE = 0.02;

/**
 * One-way latency into this side, ms: the fastest recent frame's transit (their capture clock →
 * arrival here, clocks aligned by ClockSync), plus what the jitter buffer adds over that fastest
 * frame, plus this side's audio output. The buffer's delay is measured over the fastest frame, so
 * adding a median transit to it (as the panel once did) counts the median spread twice.
 * Null until there are at least 5 frames.
 */
export function duetInboundMs(transitsMs: readonly number[], bufferMs: number, outputMs: number): number | null {
  if (transitsMs.length < 5 || !Number.isFinite(bufferMs)) return null;
  const sorted = [...transitsMs].sort((a, b) => a - b);
  const fastest = sorted[Math.floor(FASTEST_QUANTILE * (sorted.length - 1))];
  return fastest + bufferMs + Math.max(0, outputMs);
}
