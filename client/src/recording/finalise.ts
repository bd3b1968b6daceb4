// Turns stored chunks into one playable file: joined in order, WebM duration written (MediaRecorder leaves it
// out, so players could not seek), hashed, kept in IndexedDB; the chunks go only after the file is safe.
import fixWebmDuration from 'fix-webm-duration';
import { chunksBlob, deleteChunks, getRecording, updateRecording, type LocalRecording } from './store';

export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Finishes a recording that stopped cleanly (endedAt set) or crashed (ends at its last stored chunk). */
export async function finalise(id: string): Promise<LocalRecording | undefined> {
  const r = await getRecording(id);
  if (!r || r.state !== 'recording') return r;
  if (r.chunks === 0) {
    return updateRecording(id, { state: 'finished', endedAt: r.endedAt ?? r.lastChunkAt, durationMs: 0, file: null });
  }
  const end = r.endedAt ?? r.lastChunkAt;
  const durationMs = Math.max(0, Date.parse(end) - Date.parse(r.startedAt));
  let file = await chunksBlob(r);
  if (r.mime.includes('webm')) file = await fixWebmDuration(file, durationMs, { logger: false });
  const sha256 = await sha256Hex(file);
  const done = await updateRecording(id, { state: 'finished', endedAt: end, durationMs, file, sha256 });
  await deleteChunks(id);
  return done;
}
