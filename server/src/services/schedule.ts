// Lesson time arithmetic: wall-clock starts in the lesson's zone, weekly recurrence, occurrence keys, DST shifts.
// Recurrence is expanded in "floating" time (local wall-clock fields carried in a UTC Date, as rrule recommends)
// and only then placed in the zone, so a DST change never moves the teacher's wall-clock time.
import { DateTime } from 'luxon';
import rrulePkg from 'rrule';
import type { Recurrence } from '../../../shared/api';

const { RRule } = rrulePkg;

export interface SeriesTime {
  startLocal: string;
  tzid: string;
  durationMinutes: number;
  rrule: string | null;
}

const KEY_FORMAT = "yyyyMMdd'T'HHmmss'Z'";
const DAY_MS = 86_400_000;

/** Parses a wall-clock time in a zone; null when the date does not exist (2026-02-30). */
export function parseLocal(local: string, zone: string): DateTime | null {
  const dt = DateTime.fromISO(local, { zone });
  return dt.isValid ? dt : null;
}

/** The occurrence key: original start in basic UTC form (also what RFC 5545 writes). */
export function keyOf(dt: DateTime): string {
  return dt.toUTC().toFormat(KEY_FORMAT);
}

/** Accepts ISO 8601 in basic or extended form with a UTC offset and returns the key form, or null. */
export function normalizeKey(input: string): string | null {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(input)) return null;
  const dt = DateTime.fromISO(input, { setZone: true });
  return dt.isValid ? keyOf(dt) : null;
}

export function keyToIso(key: string): string {
  return DateTime.fromFormat(key, KEY_FORMAT, { zone: 'utc' }).toISO({ suppressMilliseconds: false })!;
}

export function recurrenceToRrule(rec: Recurrence): string | null {
  if (rec.kind === 'once') return null;
  const parts = ['FREQ=WEEKLY', `INTERVAL=${rec.interval}`];
  if (rec.count !== undefined) parts.push(`COUNT=${rec.count}`);
  // Floating UNTIL: the end of that local day in the lesson's zone (written as UTC only in .ics files).
  if (rec.until !== undefined) parts.push(`UNTIL=${rec.until.replaceAll('-', '')}T235959`);
  return parts.join(';');
}

export function rruleToRecurrence(rrule: string | null): Recurrence {
  if (!rrule) return { kind: 'once' };
  const o = RRule.parseString(rrule);
  const rec: Recurrence = { kind: 'weekly', interval: o.interval ?? 1 };
  if (o.count) rec.count = o.count;
  if (o.until) rec.until = o.until.toISOString().slice(0, 10);
  return rec;
}

function toFloating(dt: DateTime): Date {
  return new Date(Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second));
}

function fromFloating(d: Date, zone: string): DateTime {
  return DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() },
    { zone },
  );
}

/** Original starts (in the series zone) of the occurrences that overlap [from, to). */
export function expand(series: SeriesTime, from: Date, to: Date): DateTime[] {
  const first = parseLocal(series.startLocal, series.tzid);
  if (!first) return [];
  const durMs = series.durationMinutes * 60_000;
  const overlaps = (dt: DateTime) => dt.toMillis() < to.getTime() && dt.toMillis() + durMs > from.getTime();
  if (!series.rrule) return overlaps(first) ? [first] : [];
  const rule = new RRule({ ...RRule.parseString(series.rrule), dtstart: toFloating(first) });
  // Floating and real time differ by at most a zone offset (< 1 day); widen, then filter on real instants.
  const dates = rule.between(new Date(from.getTime() - DAY_MS - durMs), new Date(to.getTime() + DAY_MS), true);
  return dates.map((d) => fromFloating(d, series.tzid)).filter(overlaps);
}

/** The original start of the occurrence named by key, or null if the series has no such occurrence. */
export function findOccurrence(series: SeriesTime, key: string): DateTime | null {
  const at = DateTime.fromFormat(key, KEY_FORMAT, { zone: 'utc' });
  if (!at.isValid) return null;
  const t = at.toMillis();
  return expand(series, new Date(t), new Date(t + 1)).find((dt) => keyOf(dt) === key) ?? null;
}

/** The occurrence one interval earlier (same wall-clock time), or null for the first or a one-off. */
export function previousOriginal(series: SeriesTime, original: DateTime): DateTime | null {
  if (!series.rrule) return null;
  const interval = RRule.parseString(series.rrule).interval ?? 1;
  const prev = original.minus({ weeks: interval });
  const first = parseLocal(series.startLocal, series.tzid);
  return first && prev.toMillis() >= first.toMillis() - 60_000 ? prev : null;
}

/**
 * How many minutes later a person in `zone` sees this occurrence than the previous one, on their own clock.
 * Compares wall-clock times of day, so only an offset change (DST in either zone) counts.
 */
export function localShiftMinutes(zone: string, start: DateTime, previous: DateTime | null): number {
  if (!previous) return 0;
  const a = start.setZone(zone);
  const b = previous.setZone(zone);
  let diff = a.hour * 60 + a.minute - (b.hour * 60 + b.minute);
  if (diff > 720) diff -= 1440;
  if (diff < -720) diff += 1440;
  return diff;
}

/** RFC 5545 UNTIL for a stored floating rule: the local end of day in the zone, as UTC. */
export function untilUtc(rrule: string, zone: string): string | null {
  const m = /UNTIL=(\d{8}T\d{6})/.exec(rrule);
  if (!m) return null;
  return keyOf(DateTime.fromFormat(m[1], "yyyyMMdd'T'HHmmss", { zone }));
}
