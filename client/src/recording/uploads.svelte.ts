// Uploads finished recordings to our server with the tus protocol, one at a time, resumable across reloads
// (the upload URL lives in IndexedDB with the recording). Progress is state the UI shows as it is.
import { Upload, type HttpResponse } from 'tus-js-client';
import type { RecordingMime, UploadMetadata } from '../../../shared/api';
import { chunkBytes, refusal, RETRY_DELAYS, serverMessage } from '../lib/tus';
import { allRecordings, getRecording, updateRecording, type LocalRecording } from './store';

/** failed: will be tried again; refused: the server said no (not one of your lessons, too large…), not retried. */
export type UploadPhase = 'queued' | 'uploading' | 'done' | 'failed' | 'refused';

export interface UploadEntry {
  id: string;
  occurrence: string;
  phase: UploadPhase;
  /** 0–100 */
  percent: number;
  bytes: number;
  /** Why the last attempt failed; a failed upload is tried again on its own. */
  error: string | null;
  /** ms from start to done for this upload (for the figures in the README and tests). */
  tookMs: number | null;
}

const AGAIN_AFTER_MS = 15000;

/** The container type the server accepts (without codec parameters). */
export function containerType(mime: string): RecordingMime {
  const base = mime.split(';')[0].trim();
  return (['audio/webm', 'audio/mp4', 'video/webm', 'video/mp4'].includes(base) ? base : 'audio/webm') as RecordingMime;
}

class Uploads {
  entries = $state<UploadEntry[]>([]);
  private running = false;
  private waiting: string[] = [];

  entry(id: string): UploadEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** Queues a finished recording (again, after a reload: it resumes where it stopped). */
  enqueue(r: LocalRecording): void {
    if (r.state !== 'finished' || !r.file) return;
    if (!this.entry(r.id)) this.entries.push({ id: r.id, occurrence: r.occurrence, phase: 'queued', percent: 0, bytes: r.file.size, error: null, tookMs: null });
    else if (this.waiting.includes(r.id)) return;
    this.waiting.push(r.id);
    void this.pump();
  }

  /** Queues every finished, not yet uploaded recording of this browser. */
  async enqueuePending(): Promise<void> {
    for (const r of await allRecordings()) if (r.state === 'finished' && r.file) this.enqueue(r);
  }

  private set(id: string, change: Partial<UploadEntry>): void {
    const e = this.entry(id);
    if (e) Object.assign(e, change);
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length) {
        const id = this.waiting.shift()!;
        const r = await getRecording(id);
        if (!r || r.state !== 'finished' || !r.file) continue;
        try {
          await this.upload(r);
        } catch (err) {
          const res = (err as { originalResponse?: HttpResponse | null }).originalResponse;
          const status = res?.getStatus() ?? 0;
          const message = serverMessage(res) ?? (err instanceof Error ? err.message : String(err));
          if (refusal(status)) {
            this.set(id, { phase: 'refused', error: message });
          } else {
            this.set(id, { phase: 'failed', error: message });
            setTimeout(() => this.enqueue(r), AGAIN_AFTER_MS);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }

  private upload(r: LocalRecording): Promise<void> {
    const file = r.file!;
    const started = performance.now();
    const meta: Partial<Record<keyof UploadMetadata, string>> = {
      // A practice recording names its practice session instead of a lesson.
      ...(r.practice ? { practice: r.practice } : { occurrence: r.occurrence }),
      kind: r.kind,
      filetype: containerType(r.mime),
      recordingId: r.id,
      startedAt: r.startedAt,
      endedAt: r.endedAt ?? r.lastChunkAt,
      durationMs: String(r.durationMs ?? 0),
      ...(r.clockOffsetMs !== undefined && r.clockOffsetMs !== null ? { clockOffsetMs: r.clockOffsetMs.toFixed(1) } : {}),
    };
    this.set(r.id, { phase: 'uploading', error: null });
    return new Promise<void>((resolve, reject) => {
      const up = new Upload(file, {
        endpoint: '/api/uploads',
        uploadUrl: r.uploadUrl,
        metadata: meta as Record<string, string>,
        chunkSize: chunkBytes(),
        retryDelays: RETRY_DELAYS,
        // We keep the URL in IndexedDB with the recording, not in localStorage.
        storeFingerprintForResuming: false,
        onUploadUrlAvailable: () => {
          if (up.url) void updateRecording(r.id, { uploadUrl: up.url });
        },
        onProgress: (sent, total) => this.set(r.id, { phase: 'uploading', percent: Math.floor((sent / total) * 100) }),
        onShouldRetry: (err, attempt) => {
          const status = err.originalResponse?.getStatus() ?? 0;
          const retry = !refusal(status) && attempt < RETRY_DELAYS.length;
          this.set(r.id, { phase: 'failed', error: err.message });
          return retry;
        },
        onError: (err) => {
          // A stored URL the server no longer knows (expired, or stored already): start a fresh upload next time.
          if ((err as { originalResponse?: HttpResponse | null }).originalResponse?.getStatus() === 404) void updateRecording(r.id, { uploadUrl: null });
          reject(err);
        },
        onSuccess: ({ lastResponse }) => {
          const serverId = lastResponse.getHeader('Muse-Recording-Id') ?? null;
          void updateRecording(r.id, { state: 'uploaded', serverId, uploadUrl: null }).then(() => {
            this.set(r.id, { phase: 'done', percent: 100, error: null, tookMs: Math.round(performance.now() - started) });
            resolve();
          });
        },
      });
      up.start();
    });
  }
}

export const uploads = new Uploads();
