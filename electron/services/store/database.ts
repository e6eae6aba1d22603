/**
 * The embedded database: one SQLite file in the data folder (better-sqlite3, WAL), shared by every
 * store that needs durable, queryable state: config revisions now, the operations journal next. Each
 * store brings its own numbered migrations; they run once, in order, inside a transaction, and are
 * recorded, so opening an older file upgrades it and opening it twice changes nothing.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../../../shared/errors';

export type Database = BetterSqlite3.Database;

export interface Migration {
  /** Unique across stores, e.g. "config-1". */
  id: string;
  sql: string;
}

/** The first 16 bytes of every SQLite 3 database file (sqlite.org/fileformat2.html §1.3). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Opens (or creates, 0600) the database. A file that is there but damaged (empty, not SQLite, failing
 * its integrity check) is never replaced silently: it is moved aside with its -wal and -shm as
 * `<file>.damaged-<time>` and start refuses with a message that names it and says what to do.
 */
export function openDatabase(file: string): Database {
  if (file === ':memory:') return prepare(new BetterSqlite3(file));
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const damage = existsSync(file) ? headerProblem(file) : null;
  if (damage) refuseDamaged(file, damage);
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm the database file's mode.
  if (!existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
  let db: Database | null = null;
  try {
    db = prepare(new BetterSqlite3(file));
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(String(check)), { code: 'SQLITE_CORRUPT' });
    return db;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw error;
    db?.close();
    return refuseDamaged(file, code === 'SQLITE_NOTADB' ? 'it is not a SQLite database' : 'its pages are damaged ("database disk image is malformed")');
  }
}

function prepare(db: Database): Database {
  // WAL keeps readers off the writer's back; NORMAL sync is durable across an app crash (not a power cut mid-commit).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  return db;
}

function headerProblem(file: string): string | null {
  const size = statSync(file).size;
  if (size === 0) return 'it is empty (0 bytes), so its revisions, journal and audit are gone from it';
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return head.equals(SQLITE_HEADER) ? null : 'it is not a SQLite database';
}

function refuseDamaged(file: string, why: string): never {
  const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  throw new AppError(
    'internal',
    `Ironpane's database ${file} is damaged: ${why}. Ironpane did not start and moved it to ${aside}. To recover, put a backup back as ${file}; to start with an empty database, start Ironpane again.`,
    { retryable: false },
  );
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
