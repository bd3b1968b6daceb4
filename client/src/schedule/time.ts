// Showing instants in a person's zone and language; all arithmetic stays on the server.
import { i18n } from '../i18n/i18n.svelte';

function locale(): string {
  return i18n.locale === 'ko' ? 'ko-KR' : 'en-GB';
}

/** "Thu 19 Mar, 18:00" in the given zone. */
export function formatDateTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "18:00" in the given zone. */
export function formatTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "Thu 19 Mar" in the given zone. */
export function formatDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(iso));
}

/** A key for grouping by calendar day in a zone (2026-03-19). */
export function dayKey(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** "2 d 03:04:05" / "03:04:05" until a moment. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return d > 0 ? `${d}d ${hms}` : hms;
}

/** The browser's zone, a good default for a new account. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Every zone the browser knows, for pickers. */
export function allZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : ['Asia/Seoul', 'Asia/Dubai', 'Europe/Berlin', 'UTC'];
}
