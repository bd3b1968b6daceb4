// Reference of wasm/assembly/kernels/click.ts: where the ticks fall. Tick k of a tempo
// segment is at round(origin + k·samplesPerTick); a change waits for the next bar line,
// which becomes the new origin.

export interface TempoChange {
  /** The change is requested when the metronome is at this frame... */
  atFrame: number;
  bpm: number;
  beatsPerBar: number;
  subdivisions: number;
}

export interface Tick {
  frame: number;
  kind: 0 | 1 | 2; // accent, beat, subdivision
}

/** Tick frames from `start` up to (excluding) `end`, with changes applied at the next bar line after each request. */
export function tickSchedule(
  sampleRate: number,
  start: number,
  bpm: number,
  beatsPerBar: number,
  subdivisions: number,
  end: number,
  changes: TempoChange[] = [],
): Tick[] {
  const ticks: Tick[] = [];
  let origin = start;
  let sub = subdivisions;
  let perBar = beatsPerBar * sub;
  let spt = (sampleRate * 60) / (bpm * sub);
  let pending: TempoChange | null = null;
  const queue = [...changes];
  for (let k = 0; ; k++) {
    const frame = Math.round(origin + k * spt);
    if (queue.length && queue[0].atFrame <= frame) pending = queue.shift() ?? null;
    if (k > 0 && k % perBar === 0 && pending) {
      origin = frame;
      sub = pending.subdivisions;
      perBar = pending.beatsPerBar * sub;
      spt = (sampleRate * 60) / (pending.bpm * sub);
      pending = null;
      k = 0;
    }
    const f = Math.round(origin + k * spt);
    if (f >= end) return ticks;
    ticks.push({ frame: f, kind: k % perBar === 0 ? 0 : k % sub === 0 ? 1 : 2 });
  }
}
