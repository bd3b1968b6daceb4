// Resumable uploads to /api/uploads (tus): what lesson recordings and preview videos share.
import { Upload, type HttpResponse } from 'tus-js-client';

const CHUNK_BYTES = 4 * 1024 * 1024;
/** Retried inside tus-js-client first; after that, the caller decides. */
export const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000];

/** A 4xx other than 409/423 will not change by retrying; a lost connection or a 5xx might. */
export function refusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 409 && status !== 423;
}

/** Our server's own words ({"error":{"message"}}), when the response has them. */
export function serverMessage(res: HttpResponse | null | undefined): string | null {
  try {
    return (JSON.parse(res?.getBody() ?? '') as { error?: { message?: string } }).error?.message ?? null;
  } catch {
    return null;
  }
}

export function chunkBytes(): number {
  // Browser tests use small chunks to cut the connection between two of them.
  const test = navigator.webdriver ? Number(localStorage.getItem('muse.uploadChunkBytes')) : 0;
  return test > 0 ? test : CHUNK_BYTES;
}

/**
 * Sends one Blob with tus, retrying lost connections, and resolves with the final response's headers. A File
 * resumes after a reload too (tus-js-client keeps its upload URL under the file's fingerprint).
 */
export function uploadBlob(blob: Blob, metadata: Record<string, string>, onProgress: (sent: number, total: number) => void): Promise<(name: string) => string | null> {
  return new Promise((resolve, reject) => {
    const up = new Upload(blob, {
      endpoint: '/api/uploads',
      metadata,
      chunkSize: chunkBytes(),
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: blob instanceof File,
      removeFingerprintOnSuccess: true,
      onProgress,
      onShouldRetry: (err, attempt) => !refusal(err.originalResponse?.getStatus() ?? 0) && attempt < RETRY_DELAYS.length,
      onError: (err) => {
        const res = (err as { originalResponse?: HttpResponse | null }).originalResponse;
        reject(new Error(serverMessage(res) ?? err.message));
      },
      onSuccess: ({ lastResponse }) => resolve((name) => lastResponse.getHeader(name) ?? null),
    });
    void up.findPreviousUploads().then((previous) => {
      if (previous[0]) up.resumeFromPreviousUpload(previous[0]);
      up.start();
    });
  });
}
