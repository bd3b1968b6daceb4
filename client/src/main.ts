import { mount } from 'svelte';
import App from './App.svelte';
import { i18n } from './i18n/i18n.svelte';
import './styles.css';

document.documentElement.lang = i18n.locale;
if (navigator.webdriver) {
  // Handles for the browser tests: the audio engine's offline self-test.
  window.muse = {
    ...window.muse,
    selftest: async (opts: Parameters<typeof import('./audio/selftest').runSelfTest>[0]) => (await import('./audio/selftest')).runSelfTest(opts),
    limiterSelftest: async (opts: Parameters<typeof import('./audio/selftest').runLimiterSelfTest>[0]) => (await import('./audio/selftest')).runLimiterSelfTest(opts),
    liveCheck: async (hz: number) => (await import('./audio/selftest')).runLiveCheck(hz),
    publishHopProbe: async (opts: Parameters<typeof import('./audio/directProbe').publishHopProbe>[1]) =>
      (await import('./audio/directProbe')).publishHopProbe(await (await import('./audio/engine')).audioEngine(), opts),
    directProbe: async (opts: import('./audio/directProbe').DirectProbeOptions) =>
      (await import('./audio/directProbe')).directProbe(await (await import('./audio/engine')).audioEngine(), opts),
    tempoChangeSelftest: async (opts: Parameters<typeof import('./audio/selftest').runTempoChangeSelfTest>[0]) => (await import('./audio/selftest')).runTempoChangeSelfTest(opts),
  };
}
mount(App, { target: document.getElementById('app')! });
