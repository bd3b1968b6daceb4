// One recording of this browser's own microphone: MediaRecorder with a one-second timeslice, every chunk into
// IndexedDB as it arrives. A Web Lock named after the recording says "alive" to other tabs and to recovery.
import type { RecordingKind } from '../../../shared/api';
import { appendChunk, createRecording, newRecordingId, updateRecording } from './store';

/** ≤ 1 s: what a crash may lose. */
export const TIMESLICE_MS = 1000;
/** Opus at 256 kbps: transparent for a violin, and what music mode sends over the call. */
export const AUDIO_BITS_PER_SECOND = 256_000;

/** Camera: enough for bowing and posture at 640×480–720p, about 450 MB an hour. */
export const VIDEO_BITS_PER_SECOND = 1_000_000;
/** The camera file's own sound (the full-quality sound is the audio recording). */
export const VIDEO_AUDIO_BITS_PER_SECOND = 128_000;

/** WebM (VP9 or VP8 with Opus) where the browser has it, else MP4 (Safari). */
export function pickVideoMime(isSupported: (m: string) => boolean = (m) => MediaRecorder.isTypeSupported(m)): string | null {
  for (const m of ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/mp4;codecs=avc1,mp4a.40.2', 'video/mp4', 'video/webm']) if (isSupported(m)) return m;
  return null;
}

/** WebM/Opus where the browser has it (Chromium, Firefox), else MP4/AAC (Safari). */
export function pickAudioMime(isSupported: (m: string) => boolean = (m) => MediaRecorder.isTypeSupported(m)): string | null {
  for (const m of ['audio/webm;codecs=opus', 'audio/mp4;codecs=mp4a.40.2', 'audio/mp4', 'audio/webm']) if (isSupported(m)) return m;
  return null;
}

export const lockName = (id: string) => `muse-recording:${id}`;

export class Recorder {
  readonly id = newRecordingId();
  private recorder: MediaRecorder | null = null;
  private seq = 0;
  private writes: Promise<void> = Promise.resolve();
  private releaseLock: (() => void) | null = null;
  /** Bytes stored so far. */
  bytes = 0;
  /** The last chunk write failed (quota full, for instance). */
  writeError: string | null = null;

  constructor(
    private readonly stream: MediaStream,
    private readonly meta: { occurrence: string; participantId: string; kind: RecordingKind; mime: string; practice?: string },
  ) {}

  async start(): Promise<void> {
    await createRecording({ id: this.id, ...this.meta });
    // Safari before 15.4 has no Web Locks: record anyway (recovery then cannot tell a live tab from a dead one).
    if (navigator.locks) {
      await new Promise<void>((held) => {
        void navigator.locks.request(lockName(this.id), () => new Promise<void>((release) => {
          this.releaseLock = release;
          held();
        }));
      });
    }
    const bits = this.meta.kind === 'video'
      ? { videoBitsPerSecond: VIDEO_BITS_PER_SECOND, audioBitsPerSecond: VIDEO_AUDIO_BITS_PER_SECOND }
      : { audioBitsPerSecond: AUDIO_BITS_PER_SECOND };
    const rec = new MediaRecorder(this.stream, { mimeType: this.meta.mime, ...bits });
    rec.ondataavailable = (e) => {
      if (e.data.size === 0) return;
      const seq = this.seq++;
      this.bytes += e.data.size;
      // In order, one after another: IndexedDB keeps them even if the tab dies right after.
      this.writes = this.writes.then(() => appendChunk(this.id, seq, e.data)).catch((err: Error) => void (this.writeError = err.message));
    };
    this.recorder = rec;
    rec.start(TIMESLICE_MS);
  }

  /** Stops and waits until the last chunk is stored. */
  async stop(): Promise<void> {
    const rec = this.recorder;
    if (!rec) return;
    this.recorder = null;
    if (rec.state !== 'inactive') {
      await new Promise<void>((done) => {
        rec.addEventListener('stop', () => done(), { once: true });
        rec.stop();
      });
    }
    await this.writes;
    await updateRecording(this.id, { endedAt: new Date().toISOString() });
    this.releaseLock?.();
  }
}
