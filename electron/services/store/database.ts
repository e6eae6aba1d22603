/**
 * The embedded database: one SQLite file in the data folder (better-sqlite3, WAL), shared by every
 * store that needs durable, queryable state: config revisions now, the operations journal next. Each
 * store brings its own numbered migrations; they run once, in order, inside a transaction, and are
 * recorded, so opening an older file upgrades it and opening it twice changes nothing.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;

export interface Migration {
  /** Unique across stores, e.g. "config-1". */
  id: string;
  sql: string;
}

export function openDatabase(file: string): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(file);
  // WAL keeps readers off the writer's back; NORMAL sync is durable across an app crash (not a power cut mid-commit).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  return db;
}

export function migrate(db: Database, migrations: readonly Migration[]): void {
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id));
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.id, new Date().toISOString());
    })();
  }
}
