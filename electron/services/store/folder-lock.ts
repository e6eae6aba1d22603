/**
 * One writer per data folder. Two hosts on one folder both resumed the same interrupted bulk
 * reprovision and reinstalled 6 of 12 nodes twice, and each lost the other's JSON writes. The lock
 * is SQLite's own file lock (POSIX `fcntl` / Windows `LockFileEx`) on `ironpane.lock`, held in an
 * open exclusive transaction: the OS releases it when the process dies, however it dies, so it never
 * goes stale the way a PID file does. The PID beside it is only for the message.
 * A team that wants several consoles shares a PostgreSQL store instead (docs/architecture.md).
 */
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../../../shared/errors';

export interface FolderLock {
  readonly file: string;
  release(): void;
}

/** Held here so a caller that drops its handle cannot have the lock closed by the garbage collector. */
const held = new Set<BetterSqlite3.Database>();

export function lockDataFolder(dataDir: string): FolderLock {
  const file = path.join(dataDir, 'ironpane.lock');
  const pidFile = `${file}.pid`;
  // Created 0600 like the rest of the folder; SQLite opens what is there.
  closeSync(openSync(file, 'a', 0o600));
  const db = new BetterSqlite3(file);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    let holder = '';
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) holder = ` (pid ${pid})`;
    } catch {
      // No pid written yet: the message goes without it.
    }
    throw new AppError(
      'conflict',
      `Another Ironpane${holder} is using ${dataDir}. Only one may use a data folder at a time: close the other one, or start this one with another folder (IRONPANE_DATA_DIR).`,
      { retryable: false },
    );
  }
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  held.add(db);
  return {
    file,
    release() {
      if (!db.open) return;
      held.delete(db);
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
