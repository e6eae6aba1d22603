/** What the embedded database keeps of connections, read as a test reads it: the file itself, read-only. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export function storedConnections(dataDir: string, cls: string): { id: string; kind: string; name: string; settings: Record<string, unknown> }[] {
  const db = new BetterSqlite3(path.join(dataDir, 'ironpane.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT id, kind, name, settings FROM connections WHERE class = ? ORDER BY position').all(cls) as {
      id: string;
      kind: string;
      name: string;
      settings: string;
    }[];
    return rows.map((r) => ({ ...r, settings: JSON.parse(r.settings) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** Every byte the database keeps on disk (the file and its write-ahead log), to look for a secret in. */
export function databaseBytes(dataDir: string): string {
  const file = path.join(dataDir, 'ironpane.db');
  return [file, `${file}-wal`]
    .filter(existsSync)
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}
