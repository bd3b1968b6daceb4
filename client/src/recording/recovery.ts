// On every visit: recordings a closed or crashed tab left unfinished are finalised and, with the finished
// ones not yet sent, queued for upload. A recording another tab is still making (its lock is held) is left alone.
import { finalise } from './finalise';
import { lockName } from './Recorder';
import { allRecordings } from './store';
import { uploads } from './uploads.svelte';

let running: Promise<number> | null = null;

/** Returns how many crashed recordings were finalised. */
export function recoverRecordings(): Promise<number> {
  running ??= (async () => {
    let recovered = 0;
    for (const r of await allRecordings()) {
      if (r.state !== 'recording') continue;
      const done = await navigator.locks.request(lockName(r.id), { ifAvailable: true }, async (lock) => (lock ? finalise(r.id) : null));
      if (done) recovered++;
    }
    await uploads.enqueuePending();
    return recovered;
  })().finally(() => (running = null));
  return running;
}
