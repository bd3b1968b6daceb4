// Pure helpers of the practice page: tap tempo and the tuner's per-string statistics.
import { METRONOME_LIMITS, type StringStats, stringForMidi, type ViolinString } from '../../../shared/api';

/** Tempo from tap times (ms, ascending): the median interval of the last taps; null until 2 taps or after a pause of 3.5 s. */
export function tapTempo(taps: readonly number[], maxTaps = 6): number | null {
  const recent: number[] = [];
  for (let i = taps.length - 1; i > 0 && recent.length < maxTaps - 1; i--) {
    const d = taps[i] - taps[i - 1];
    if (d > 3500 || d <= 0) break; // 20 BPM is 3 s a beat
    recent.push(d);
  }
  if (recent.length === 0) return null;
  recent.sort((a, b) => a - b);
  const mid = recent.length >> 1;
  const interval = recent.length % 2 ? recent[mid] : (recent[mid - 1] + recent[mid]) / 2;
  return Math.min(METRONOME_LIMITS.maxBpm, Math.max(METRONOME_LIMITS.minBpm, Math.round(60000 / interval)));
}

/** Accumulates tuner readings per violin string: mean |cents| weighted by time. */
export class StringDeviation {
  private sums: Record<ViolinString, { cents: number; seconds: number }> = { G: { cents: 0, seconds: 0 }, D: { cents: 0, seconds: 0 }, A: { cents: 0, seconds: 0 }, E: { cents: 0, seconds: 0 } };

  /** One voiced reading lasting `seconds`. */
  add(midi: number, cents: number, seconds: number): void {
    const s = stringForMidi(midi);
    if (!s || !(seconds > 0) || !Number.isFinite(cents)) return;
    this.sums[s].cents += Math.min(50, Math.abs(cents)) * seconds;
    this.sums[s].seconds += seconds;
  }

  /** Strings with at least `minSeconds` of readings. */
  result(minSeconds = 0.5): Partial<Record<ViolinString, StringStats>> {
    const out: Partial<Record<ViolinString, StringStats>> = {};
    for (const k of Object.keys(this.sums) as ViolinString[]) {
      const v = this.sums[k];
      if (v.seconds >= minSeconds) out[k] = { avgAbsCents: Math.round((v.cents / v.seconds) * 10) / 10, seconds: Math.round(v.seconds * 10) / 10 };
    }
    return out;
  }
}
