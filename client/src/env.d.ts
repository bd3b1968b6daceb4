/// <reference types="svelte" />
/// <reference types="vite/client" />
declare module 'audioworklet-polyfill';

interface Window {
  /** Handles for automated browser tests (set only when navigator.webdriver is true). */
  muse?: Record<string, unknown>;
}
