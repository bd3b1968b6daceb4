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
