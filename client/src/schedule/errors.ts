// Turns API failures into a sentence in the person's language (the server's English message is the fallback).
import { t } from '../i18n/i18n.svelte';
import type { MessageKey } from '../i18n/messages';
import { ApiError } from '../lib/api';
import { formatDateTime, browserZone } from './time';

const TRANSLATED = new Set<string>([
  'invalid_credentials', 'too_many_attempts', 'email_taken', 'invite_used', 'invite_expired', 'invite_not_found',
  'room_closed', 'lesson_cancelled', 'lesson_not_found', 'not_logged_in', 'network',
]);

export function errorText(err: unknown, zone = browserZone()): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.code === 'room_not_open' && err.fields?.opensAt) return t('err.room_not_open', { time: formatDateTime(err.fields.opensAt, zone) });
  if (err.code === 'invalid_input' && err.fields) return t('err.invalid_input', { fields: Object.keys(err.fields).join(', ') });
  if (TRANSLATED.has(err.code)) return t(`err.${err.code}` as MessageKey);
  return err.message;
}
