// Lining up an occurrence's recordings on one time axis: each starts at its start on the teacher's clock
// (alignedStartAt: the browser's start corrected by the clock offset it measured), relative to the earliest.

export interface TrackTimes {
  id: string;
  /** Start on the teacher's clock (ISO); null for recordings stored before alignment existed. */
  alignedStartAt: string | null;
  /** The recording browser's own start (ISO), used when there is no aligned start. */
  startedAt: string | null;
}

/** A track of the review page's timeline. */
export interface TimelineTrack extends TrackTimes {
  label: string;
  url: string;
}

export interface AlignedTrack {
  id: string;
  /** Seconds from the timeline's origin (the earliest start) to this track's first sample. */
  offsetS: number;
}

/** Offsets of every track from the earliest start; a track with no start at all sits at 0. */
export function alignTracks(tracks: readonly TrackTimes[]): { origin: number | null; tracks: AlignedTrack[] } {
  const starts = tracks.map((t) => {
    const iso = t.alignedStartAt ?? t.startedAt;
    const ms = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(ms) ? ms : null;
  });
  const known = starts.filter((s): s is number => s !== null);
  const origin = known.length ? Math.min(...known) : null;
  return { origin, tracks: tracks.map((t, i) => ({ id: t.id, offsetS: origin === null || starts[i] === null ? 0 : (starts[i]! - origin) / 1000 })) };
}

/** Where a track should be (seconds into its own file) at timeline position `position`, or null outside it. */
export function localTime(position: number, offsetS: number, durationS: number): number | null {
  const t = position - offsetS;
  return t < 0 || t >= durationS ? null : t;
}

/** Which tracks sound: with any solo on, only soloed ones; otherwise all but the muted. */
export function audible(id: string, muted: ReadonlySet<string>, solo: ReadonlySet<string>): boolean {
  return solo.size > 0 ? solo.has(id) : !muted.has(id);
}

/** Peak (max |x|) per bucket of `samples`, `buckets` long: the waveform drawn for a track. */
export function peaks(samples: Float32Array, buckets: number): Float32Array {
  const out = new Float32Array(Math.max(0, buckets));
  if (buckets <= 0 || samples.length === 0) return out;
  const per = samples.length / buckets;
  for (let b = 0; b < buckets; b++) {
    let m = 0;
    const end = Math.min(samples.length, Math.floor((b + 1) * per));
    for (let i = Math.floor(b * per); i < end; i++) {
      const v = Math.abs(samples[i]);
      if (v > m) m = v;
    }
    out[b] = m;
  }
  return out;
}

/** A track further than this from the transport is moved back by a seek; a nearer one is steered by its rate. */
export const SEEK_DRIFT_S = 0.25;
/** Drift that is left alone (below what anyone hears between two tracks of one lesson). */
export const IGNORE_DRIFT_S = 0.01;
/** Largest rate change used to steer a track back (pitch is kept by the element). */
export const MAX_NUDGE = 0.08;

/**
 * What to do with a playing track whose element is `driftS` ahead (positive) or behind (negative) the transport:
 * seek when far off (a seek costs a gap, and on a slow machine a late restart, which a seek-every-time loop never
 * catches up with), otherwise play slightly slower or faster so that it converges in about a second.
 */
export function steer(driftS: number): { seek: boolean; rate: number } {
  if (Math.abs(driftS) > SEEK_DRIFT_S) return { seek: true, rate: 1 };
  if (Math.abs(driftS) < IGNORE_DRIFT_S) return { seek: false, rate: 1 };
  return { seek: false, rate: 1 - Math.max(-MAX_NUDGE, Math.min(MAX_NUDGE, driftS)) };
}
