// The browser's own copy of every lesson recording, in IndexedDB: chunks as MediaRecorder hands them over
// (so a closed tab loses at most the last timeslice), then one finished file, its upload URL and state.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RecordingKind } from '../../../shared/api';

export type LocalState = 'recording' | 'finished' | 'uploaded';

export interface LocalRecording {
  id: string;
  /** `<lessonId>.<basic UTC start>`; '' for a practice recording. */
  occurrence: string;
  /** The teacher page's clock minus this browser's wall clock (ms), the latest estimate while recording. */
  clockOffsetMs?: number | null;
  /** The practice session's key (practice recordings only; absent on rows made before practice recording). */
  practice?: string | null;
  participantId: string;
  kind: RecordingKind;
  /** Full MediaRecorder type, e.g. audio/webm;codecs=opus. */
  mime: string;
  startedAt: string;
  /** Wall-clock time of the last chunk stored (a crashed recording ends there). */
  lastChunkAt: string;
  endedAt: string | null;
  chunks: number;
  bytes: number;
  state: LocalState;
  durationMs: number | null;
  /** The finished file (duration written into WebM); chunks are dropped once it exists. */
  file: Blob | null;
  sha256: string | null;
  /** tus upload URL, kept so an upload resumes after a reload. */
  uploadUrl: string | null;
  serverId: string | null;
}

interface Schema extends DBSchema {
  recordings: { key: string; value: LocalRecording; indexes: { state: LocalState } };
  chunks: { key: [string, number]; value: { recordingId: string; seq: number; data: Blob; at: number } };
}

const DB_NAME = 'muse-recordings';
let dbp: Promise<IDBPDatabase<Schema>> | null = null;

function db(): Promise<IDBPDatabase<Schema>> {
  dbp ??= openDB<Schema>(DB_NAME, 1, {
    upgrade(d) {
      const r = d.createObjectStore('recordings', { keyPath: 'id' });
      r.createIndex('state', 'state');
      d.createObjectStore('chunks', { keyPath: ['recordingId', 'seq'] });
    },
  });
  return dbp;
}

export function newRecordingId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `rec-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export async function createRecording(r: Pick<LocalRecording, 'id' | 'occurrence' | 'participantId' | 'kind' | 'mime' | 'practice'>): Promise<LocalRecording> {
  const now = new Date().toISOString();
  const row: LocalRecording = { ...r, startedAt: now, lastChunkAt: now, endedAt: null, chunks: 0, bytes: 0, state: 'recording', durationMs: null, file: null, sha256: null, uploadUrl: null, serverId: null };
  await (await db()).put('recordings', row);
  return row;
}

/** Stores one chunk and advances the row in the same transaction: either both are there after a crash, or neither. */
export async function appendChunk(id: string, seq: number, data: Blob): Promise<void> {
  const d = await db();
  const tx = d.transaction(['recordings', 'chunks'], 'readwrite');
  const now = Date.now();
  const row = await tx.objectStore('recordings').get(id);
  if (row) {
    await tx.objectStore('chunks').put({ recordingId: id, seq, data, at: now });
    row.chunks = Math.max(row.chunks, seq + 1);
    row.bytes += data.size;
    row.lastChunkAt = new Date(now).toISOString();
    await tx.objectStore('recordings').put(row);
  }
  await tx.done;
}

export async function getRecording(id: string): Promise<LocalRecording | undefined> {
  return (await db()).get('recordings', id);
}

export async function allRecordings(): Promise<LocalRecording[]> {
  return (await db()).getAll('recordings');
}

export async function updateRecording(id: string, change: Partial<LocalRecording>): Promise<LocalRecording | undefined> {
  const d = await db();
  const tx = d.transaction('recordings', 'readwrite');
  const row = await tx.store.get(id);
  if (row) await tx.store.put({ ...row, ...change });
  await tx.done;
  return row ? { ...row, ...change } : undefined;
}

/** The chunks in order, as one Blob of the recorder's type. */
export async function chunksBlob(r: LocalRecording): Promise<Blob> {
  const range = IDBKeyRange.bound([r.id, 0], [r.id, Number.MAX_SAFE_INTEGER]);
  const rows = await (await db()).getAll('chunks', range);
  return new Blob(rows.map((c) => c.data), { type: r.mime });
}

export async function deleteChunks(id: string): Promise<void> {
  await (await db()).delete('chunks', IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]));
}

export async function deleteRecording(id: string): Promise<void> {
  await deleteChunks(id);
  await (await db()).delete('recordings', id);
}
