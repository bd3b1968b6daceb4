// Capture and publish settings for the two ways a lesson can sound.
import { AudioPresets, type AudioCaptureOptions, type TrackPublishOptions } from 'livekit-client';

export type AudioMode = 'speech' | 'music';

/** Opus bitrate in music mode: well above the 128 kbps floor for stereo violin; Opus allows up to 510 kbps. */
export const MUSIC_BITRATE = 256_000;

/**
 * RED (RFC 2198) in music mode: each packet also carries the previous frame, so one lost packet
 * is rebuilt instead of concealed. It costs bitrate, not latency. Chosen from bench:network (README).
 */
export const MUSIC_RED = true;

/**
 * Receive jitter-buffer target for remote audio, ms (RTCRtpReceiver.jitterBufferTarget); null
 * leaves WebRTC's adaptive buffer alone. Chosen from bench:network (README).
 */
export const JITTER_BUFFER_TARGET_MS: number | null = null;

/** What bench:network varies, per page (window.muse.tuning): read when a track is published or subscribed. */
export const tuning: { musicRed: boolean; jitterBufferTargetMs: number | null } = { musicRed: MUSIC_RED, jitterBufferTargetMs: JITTER_BUFFER_TARGET_MS };

/** Applies the jitter-buffer target to a remote audio track's receiver (no-op where unsupported). */
export function applyJitterBufferTarget(receiver: RTCRtpReceiver | undefined): void {
  if (!receiver || !('jitterBufferTarget' in receiver)) return;
  const r = receiver as RTCRtpReceiver & { jitterBufferTarget: number | null };
  // Only a change is written: with the default (null) a receiver is left exactly as WebRTC made it.
  if (r.jitterBufferTarget !== tuning.jitterBufferTargetMs) r.jitterBufferTarget = tuning.jitterBufferTargetMs;
}

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
  // DTX would gate pianissimo tails and rests; stereo keeps the room.
  return { audioPreset: { maxBitrate: MUSIC_BITRATE }, dtx: false, red: tuning.musicRed, forceStereo: true };
}

/** Opus frame length asked of the encoder (ms), or null for the codec's 20 ms default. */
export function publishPtime(mode: AudioMode): number | null {
  if (mode !== 'music') return null;
  // bench:latency compares frame lengths in one run; only automated browsers may override.
  const forced = typeof navigator !== 'undefined' && navigator.webdriver ? Number(localStorage.getItem('muse.musicPtimeMs')) : 0;
  return forced === 20 ? null : MUSIC_PTIME_MS;
}

/** 10 ms frames in music mode: on bench:latency's direct pair they arrive 18–22 ms sooner than 20 ms frames (README). */
export const MUSIC_PTIME_MS = 10;

/** The mic boosts a person can choose in music mode, dB. */
export const MIC_BOOSTS_DB = [0, 6, 12] as const;

/** This browser's mic boost (localStorage `muse.micBoostDb`), 0 when unset or not one of MIC_BOOSTS_DB. */
export function storedMicBoostDb(): number {
  const v = typeof localStorage !== 'undefined' ? Number(localStorage.getItem('muse.micBoostDb')) : 0;
  return (MIC_BOOSTS_DB as readonly number[]).includes(v) ? v : 0;
}

/**
 * Whether music mode sends the microphone through the wasm limiter. A capture cannot exceed full
 * scale by itself, so without a boost the limiter would only cost latency (the Web Audio hop and its
 * lookahead: +2.0 ms over the hop's 20.6 ms on bench:latency, about 23 ms in all): it is on exactly
 * when the person boosts a quiet microphone, where it keeps the boosted peaks from clipping. The
 * browser tests force it on with localStorage `muse.limiter` = `on`.
 */
export function limiterWanted(boostDb: number): boolean {
  return boostDb > 0 || (typeof localStorage !== 'undefined' && localStorage.getItem('muse.limiter') === 'on');
}
