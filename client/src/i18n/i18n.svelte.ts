// The person's language (English or Korean), remembered in this browser.
import { en, ko, type MessageKey } from './messages';

export type Locale = 'en' | 'ko';
const STORAGE_KEY = 'muse.locale';
const tables: Record<Locale, Record<MessageKey, string>> = { en, ko };

function initial(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'ko') return saved;
  return globalThis.navigator?.language?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

class I18n {
  locale = $state<Locale>(initial());

  set(locale: Locale): void {
    this.locale = locale;
    globalThis.localStorage?.setItem(STORAGE_KEY, locale);
    document.documentElement.lang = locale;
  }

  toggle(): void {
    this.set(this.locale === 'en' ? 'ko' : 'en');
  }
}

export const i18n = new I18n();

/** The message for `key` in the current language, with {name} placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = tables[i18n.locale][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}
