// RFC 5545 text for lessons: VEVENTs with TZID wall-clock times, a VTIMEZONE built from the runtime's
// zone database for every zone used, RRULE/EXDATE for series and RECURRENCE-ID for edited occurrences.
import { DateTime, IANAZone } from 'luxon';

export interface IcsEvent {
  uid: string;
  title: string;
  description: string;
  url?: string;
  /** Start in the event's zone (its zone name becomes the TZID). */
  start: DateTime;
  durationMinutes: number;
  /** RRULE value with UNTIL already in UTC. */
  rrule?: string;
  exdates?: DateTime[];
  recurrenceId?: DateTime;
  cancelled?: boolean;
}

const LOCAL = "yyyyMMdd'T'HHmmss";
const HOUR_MS = 3_600_000;

export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (Korean titles are 3 bytes a character). */
export function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (bytes + n > limit) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
}

interface Transition {
  at: number;
  from: number;
  to: number;
}

/** Offset changes of a zone between two instants, found by stepping a day at a time and bisecting to the minute. */
export function transitions(zone: string, fromMs: number, toMs: number): Transition[] {
  const z = IANAZone.create(zone);
  const out: Transition[] = [];
  const step = 24 * HOUR_MS;
  let t = fromMs;
  let off = z.offset(t);
  while (t < toMs) {
    const next = t + step;
    const nextOff = z.offset(next);
    if (nextOff !== off) {
      let lo = t;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
        if (mid <= lo) break;
        if (z.offset(mid) === off) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, from: off, to: nextOff });
      off = nextOff;
    }
    t = next;
  }
  return out;
}

/** A VTIMEZONE covering [fromYear, toYear]: one observance per kind of change, each change listed by RDATE. */
export function vtimezone(zone: string, fromYear: number, toYear: number): string[] {
  const z = IANAZone.create(zone);
  const start = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear + 1, 0, 1);
  const changes = transitions(zone, start, end);
  const initial = z.offset(start);
  const standard = Math.min(initial, ...changes.map((c) => c.to));
  const groups = new Map<string, { type: string; from: number; to: number; starts: string[] }>();
  const add = (type: string, from: number, to: number, localStart: string) => {
    const k = `${type}|${from}|${to}`;
    const g = groups.get(k) ?? { type, from, to, starts: [] };
    g.starts.push(localStart);
    groups.set(k, g);
  };
  add(initial > standard ? 'DAYLIGHT' : 'STANDARD', initial, initial, DateTime.fromMillis(start, { zone: 'utc' }).plus({ minutes: initial }).toFormat(LOCAL));
  for (const c of changes) {
    // An observance starts at the local time of the change, read on the clock that was in force before it.
    const local = DateTime.fromMillis(c.at, { zone: 'utc' }).plus({ minutes: c.from }).toFormat(LOCAL);
    add(c.to > standard ? 'DAYLIGHT' : 'STANDARD', c.from, c.to, local);
  }
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  for (const g of groups.values()) {
    lines.push(`BEGIN:${g.type}`, `DTSTART:${g.starts[0]}`, `TZOFFSETFROM:${offsetText(g.from)}`, `TZOFFSETTO:${offsetText(g.to)}`);
    if (g.starts.length > 1) lines.push(`RDATE:${g.starts.slice(1).join(',')}`);
    lines.push(`END:${g.type}`);
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

function zoned(name: string, dt: DateTime): string {
  return `${name};TZID=${dt.zoneName}:${dt.toFormat(LOCAL)}`;
}

/** A whole calendar; zones get a VTIMEZONE spanning a year before the first event to ten years after the last. */
export function calendar(name: string, events: IcsEvent[], now = new Date()): string {
  const stamp = DateTime.fromJSDate(now, { zone: 'utc' }).toFormat(`${LOCAL}'Z'`);
  const zones = new Map<string, { min: number; max: number }>();
  for (const e of events) {
    const zname = e.start.zoneName!;
    const r = zones.get(zname) ?? { min: e.start.year, max: e.start.year };
    zones.set(zname, { min: Math.min(r.min, e.start.year), max: Math.max(r.max, e.start.year) });
  }
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Muse Studio//Lessons//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${escapeText(name)}`];
  for (const [zname, r] of zones) lines.push(...vtimezone(zname, r.min - 1, Math.max(r.max, now.getUTCFullYear()) + 10));
  for (const e of events) {
    lines.push('BEGIN:VEVENT', `UID:${e.uid}`, `DTSTAMP:${stamp}`, zoned('DTSTART', e.start), zoned('DTEND', e.start.plus({ minutes: e.durationMinutes })));
    if (e.recurrenceId) lines.push(zoned('RECURRENCE-ID', e.recurrenceId));
    if (e.rrule) lines.push(`RRULE:${e.rrule}`);
    if (e.exdates?.length) lines.push(`EXDATE;TZID=${e.start.zoneName}:${e.exdates.map((d) => d.setZone(e.start.zoneName!).toFormat(LOCAL)).join(',')}`);
    lines.push(`SUMMARY:${escapeText(e.title)}`);
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.url) lines.push(`URL:${e.url}`);
    lines.push(`STATUS:${e.cancelled ? 'CANCELLED' : 'CONFIRMED'}`, 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
