// Online backup of the live database (SQLite's backup API: consistent while the server keeps writing).
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DB_FILE } from './db';

/** Copies dataDir's database to dest (default dataDir/backups/muse-<UTC time>.sqlite); returns the path written. */
export async function backupDatabase(dataDir: string, dest?: string, now = new Date()): Promise<string> {
  const source = path.join(dataDir, DB_FILE);
  if (!existsSync(source)) throw new Error(`There is no database at ${source}. Check MUSE_DATA_DIR.`);
  const target = path.resolve(dest ?? path.join(dataDir, 'backups', `muse-${now.toISOString().replace(/[:.]/g, '-')}.sqlite`));
  mkdirSync(path.dirname(target), { recursive: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
  return target;
}
