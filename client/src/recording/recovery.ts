// On every visit: recordings a closed or crashed tab left unfinished are finalised and, with the finished
// ones not yet sent, queued for upload. A recording another tab is still making (its lock is held) is left alone.
import { finalise } from './finalise';
import { lockName } from './Recorder';
import { allRecordings, deleteRecording } from './store';
import { uploads } from './uploads.svelte';

let running: Promise<number> | null = null;

/** The browser keeps its own copy of an uploaded recording this long (offline listening), then frees the space. */
const KEEP_UPLOADED_MS = 14 * 86_400_000;

/** Returns how many crashed recordings were finalised. */
export function recoverRecordings(): Promise<number> {
  running ??= (async () => {
    let recovered = 0;
    for (const r of await allRecordings()) {
      if (r.state === 'uploaded' && Date.now() - Date.parse(r.endedAt ?? r.startedAt) > KEEP_UPLOADED_MS) await deleteRecording(r.id);
      if (r.state !== 'recording') continue;
      // Without Web Locks only recordings quiet for a minute count as left behind.
      const done = navigator.locks
        ? await navigator.locks.request(lockName(r.id), { ifAvailable: true }, async (lock) => (lock ? finalise(r.id) : null))
        : Date.now() - Date.parse(r.lastChunkAt) > 60_000 ? await finalise(r.id) : null;
      if (done) recovered++;
    }
    await uploads.enqueuePending();
    return recovered;
  })().finally(() => (running = null));
  return running;
}
