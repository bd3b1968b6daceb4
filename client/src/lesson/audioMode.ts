// Capture and publish settings for the two ways a lesson can sound.
import { AudioPresets, type AudioCaptureOptions, type TrackPublishOptions } from 'livekit-client';

export type AudioMode = 'speech' | 'music';

/** Opus bitrate in music mode: well above the 128 kbps floor for stereo violin; Opus allows up to 510 kbps. */
export const MUSIC_BITRATE = 256_000;

export function captureOptions(mode: AudioMode, deviceId?: string): AudioCaptureOptions {
  const device = deviceId ? { deviceId } : {};
  if (mode === 'speech') return { ...device, echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  // Nothing between the violin and the encoder: no echo canceller, no noise gate, no AGC riding
  // a crescendo. (Headphones are advised in music mode; the wasm limiter stands in for AGC.)
  return {
    ...device,
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
    voiceIsolation: false,
    channelCount: 2,
    sampleRate: 48000,
  };
}

export function publishOptions(mode: AudioMode): TrackPublishOptions {
  if (mode === 'speech') return { audioPreset: AudioPresets.speech, dtx: true, red: true, forceStereo: false };
  // DTX would gate pianissimo tails and rests; stereo keeps the room. RED stays on: it costs
  // bitrate, not latency, and repairs single lost packets (re-measure under loss: issue 10).
  return { audioPreset: { maxBitrate: MUSIC_BITRATE }, dtx: false, red: true, forceStereo: true };
}

/** Opus frame length asked of the encoder (ms), or null for the codec's 20 ms default. */
export function publishPtime(mode: AudioMode): number | null {
  if (mode !== 'music') return null;
  // bench:latency compares frame lengths in one run; only automated browsers may override.
  const forced = typeof navigator !== 'undefined' && navigator.webdriver ? Number(localStorage.getItem('muse.musicPtimeMs')) : 0;
  return forced === 20 ? null : MUSIC_PTIME_MS;
}

/** 10 ms frames in music mode: bench:latency measured them shorter end to end than 20 ms. */
export const MUSIC_PTIME_MS = 10;

/** Music mode sends the microphone through the wasm limiter; automated browsers may switch it off to measure what it costs. */
export function limiterWanted(): boolean {
  return !(typeof navigator !== 'undefined' && navigator.webdriver && localStorage.getItem('muse.limiter') === 'off');
}
