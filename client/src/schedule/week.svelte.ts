// The dashboard's data: one week of occurrences (with the next lesson, looked up two weeks ahead) and a ticking clock.
import type { Occurrence, OccurrenceList } from '../../../shared/api';
import { api } from '../lib/api';
import { errorText } from './errors';

const DAY_MS = 86_400_000;

/** Midnight today in the browser's zone, moved by whole weeks. */
function weekStart(offset: number): Date {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() + offset * 7);
  return d;
}

export class Week {
  offset = $state(0);
  occurrences = $state<Occurrence[]>([]);
  upcoming = $state<Occurrence[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Ticks every second so countdowns and join buttons follow the clock. */
  now = $state(Date.now());

  get from(): Date {
    return weekStart(this.offset);
  }

  get next(): Occurrence | null {
    return this.upcoming.find((o) => !o.cancelled && Date.parse(o.end) > this.now) ?? null;
  }

  /** Starts the clock; returns the function that stops it. */
  tick(): () => void {
    const id = setInterval(() => (this.now = Date.now()), 1000);
    return () => clearInterval(id);
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    const from = this.from;
    const to = new Date(from.getTime() + 7 * DAY_MS);
    try {
      const [week, soon] = await Promise.all([
        api<OccurrenceList>('GET', `/lessons?from=${from.toISOString()}&to=${to.toISOString()}`),
        api<OccurrenceList>('GET', `/lessons?from=${new Date(Date.now() - 3 * 3600_000).toISOString()}&to=${new Date(Date.now() + 14 * DAY_MS).toISOString()}`),
      ]);
      this.occurrences = week.occurrences;
      this.upcoming = soon.occurrences;
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.loading = false;
    }
  }

  move(weeks: number): void {
    this.offset = weeks === 0 ? 0 : this.offset + weeks;
    void this.load();
  }

  async cancel(o: Occurrence): Promise<void> {
    try {
      await api('POST', `/lessons/${o.lessonId}/occurrences/${encodeURIComponent(o.occurrenceStart)}/cancel`, {});
      await this.load();
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** 'open' | 'soon' (not yet) | 'closed' | 'cancelled' for an occurrence at this.now. */
  roomState(o: Occurrence): 'open' | 'soon' | 'closed' | 'cancelled' {
    if (o.cancelled) return 'cancelled';
    if (this.now < Date.parse(o.roomOpensAt)) return 'soon';
    if (this.now > Date.parse(o.roomClosesAt)) return 'closed';
    return 'open';
  }
}
