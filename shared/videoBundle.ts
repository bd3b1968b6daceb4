// A packaged HLS stream travels as one resumable upload: "MUSEHLS1", a 4-byte big-endian length, a JSON index
// {files:[{name,size}]}, then the files' bytes in index order. The browser writes it; the server unpacks it.
export const BUNDLE_MAGIC = 'MUSEHLS1';
export const PLAYLIST_NAME = 'index.m3u8';
/** Names a bundle may hold: the playlist, an fMP4 init segment, and numbered segments. */
export const BUNDLE_NAME = /^(index\.m3u8|init\.mp4|seg\d{1,5}\.(ts|m4s))$/;

export interface BundleEntry {
  name: string;
  size: number;
}

/** The bundle's bytes: header then the files, without copying them (a Blob of parts). */
export function encodeBundle(files: { name: string; data: Uint8Array }[]): Blob {
  const index = new TextEncoder().encode(JSON.stringify({ files: files.map((f) => ({ name: f.name, size: f.data.byteLength })) }));
  const head = new Uint8Array(12);
  head.set(new TextEncoder().encode(BUNDLE_MAGIC), 0);
  new DataView(head.buffer).setUint32(8, index.byteLength);
  return new Blob([head, index, ...files.map((f) => f.data as Uint8Array<ArrayBuffer>)], { type: 'application/x-muse-hls-bundle' });
}

/** Reads the index from the first bytes (at least 12 + its length); null when it is not a bundle or malformed. */
export function bundleIndexLength(head: Uint8Array): number | null {
  if (head.byteLength < 12 || new TextDecoder().decode(head.subarray(0, 8)) !== BUNDLE_MAGIC) return null;
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(8);
  return n > 0 && n <= 1 << 20 ? n : null;
}

export function parseBundleIndex(json: Uint8Array): BundleEntry[] | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(json)) as { files?: unknown };
    if (!Array.isArray(v.files) || v.files.length === 0 || v.files.length > 20000) return null;
    const out: BundleEntry[] = [];
    const seen = new Set<string>();
    for (const f of v.files as { name?: unknown; size?: unknown }[]) {
      if (typeof f.name !== 'string' || !BUNDLE_NAME.test(f.name) || seen.has(f.name)) return null;
      if (typeof f.size !== 'number' || !Number.isInteger(f.size) || f.size <= 0) return null;
      seen.add(f.name);
      out.push({ name: f.name, size: f.size });
    }
    return out;
  } catch {
    return null;
  }
}
