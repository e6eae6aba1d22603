/**
 * Every kind of connection in one table of the embedded database: provider connections, their
 * console settings, update servers and console credentials. Each write is one transaction, so a
 * crash or a second process never leaves half a list (the JSON files they lived in before were each
 * rewritten whole, and a second host on the same folder lost writes). Secrets stay in the vault,
 * keyed by connection id; this table never holds one.
 *
 * The JSON files are read once, on the first start that finds them, into the table, and kept beside
 * it as `<file>.migrated-<time>` (a backup, never read again).
 */
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { ZodError } from 'zod';
import { AppError } from '../../../shared/errors';
import { readUntrustedText } from '../files/safe-files';
import type { Database, Migration } from './database';

export const CONNECTION_MIGRATIONS: readonly Migration[] = [
  {
    id: 'connections-1',
    sql: `
      CREATE TABLE connections (
        class TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        settings TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (class, id)
      );
      CREATE TABLE connection_imports (file TEXT PRIMARY KEY, imported_at TEXT NOT NULL, rows INTEGER NOT NULL);
    `,
  },
  {
    // What a provider remembers between launches for its connection (what it last sent a node).
    id: 'connections-2',
    sql: `CREATE TABLE provider_notes (connection_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (connection_id, key));`,
  },
];

/** A provider's notes for one connection: small texts by key, kept in the database, never a secret. */
export interface ProviderNotes {
  get(key: string): string | undefined;
  /** Null forgets the key. */
  put(key: string, value: string | null): void;
}

/** What is kept: a provider connection, a connection's console settings, an update server, a console credential. */
export type ConnectionClass = 'provider' | 'console-settings' | 'update-server' | 'console-credential';

export interface StoredConnection<S = Record<string, unknown>> {
  id: string;
  kind: string;
  name: string;
  settings: S;
}

/** Where a console credential's password is in the vault (its user name is a row of class console-credential). */
export const consoleCredentialSecretKey = (name: string) => `console-credential:${name}`;

/**
 * A console credential with its password (for main only: a BMC an inventory file names logs in with
 * it). The user name is a row of class console-credential, the password is in the vault.
 */
export async function readConsoleCredential(store: ConnectionStore, secrets: { get(key: string): Promise<string | undefined> }, name: string) {
  const row = store.get<{ username?: string }>('console-credential', name);
  const password = row ? await secrets.get(consoleCredentialSecretKey(name)) : undefined;
  if (!row?.settings.username || password === undefined) {
    throw new AppError('not_found', `There is no console credential “${name}”; add it under Connections → Console credentials.`, { retryable: false });
  }
  return { username: row.settings.username, password };
}

/** The largest legacy file read at import (a connection list is a few KiB). */
const MAX_LEGACY_BYTES = 4 * 1024 * 1024;

export class ConnectionStore {
  /** Told of each row written or removed here (a team's store mirrors them: store/shared-connections.ts). */
  onWrite: ((cls: ConnectionClass, id: string, row: StoredConnection | null) => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly dataDir: string,
  ) {}

  /**
   * Makes a class's rows exactly `rows`, in that order (a team's list, read from its store); says
   * whether anything changed. Not told to `onWrite`: the rows came from there.
   */
  replaceClass(cls: ConnectionClass, rows: readonly StoredConnection[]): boolean {
    const before = JSON.stringify(this.list(cls));
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM connections WHERE class = ?').run(cls);
      const insert = this.db.prepare('INSERT INTO connections (class, id, kind, name, settings, position) VALUES (?, ?, ?, ?, ?, ?)');
      rows.forEach((row, position) => insert.run(cls, row.id, row.kind, row.name, JSON.stringify(row.settings), position));
    })();
    return JSON.stringify(this.list(cls)) !== before;
  }

  list<S = Record<string, unknown>>(cls: ConnectionClass): StoredConnection<S>[] {
    const rows = this.db.prepare('SELECT id, kind, name, settings FROM connections WHERE class = ? ORDER BY position, rowid').all(cls) as {
      id: string;
      kind: string;
      name: string;
      settings: string;
    }[];
    return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, settings: JSON.parse(r.settings) as S }));
  }

  get<S = Record<string, unknown>>(cls: ConnectionClass, id: string): StoredConnection<S> | null {
    return this.list<S>(cls).find((c) => c.id === id) ?? null;
  }

  /** Adds or replaces one, keeping its place in the list. */
  put(cls: ConnectionClass, row: StoredConnection): void {
    this.db
      .prepare(
        `INSERT INTO connections (class, id, kind, name, settings, position)
         VALUES (@cls, @id, @kind, @name, @settings, COALESCE((SELECT MAX(position) + 1 FROM connections WHERE class = @cls), 0))
         ON CONFLICT (class, id) DO UPDATE SET kind = excluded.kind, name = excluded.name, settings = excluded.settings`,
      )
      .run({ cls, id: row.id, kind: row.kind, name: row.name, settings: JSON.stringify(row.settings) });
    this.onWrite?.(cls, row.id, row);
  }

  remove(cls: ConnectionClass, id: string): boolean {
    if (cls === 'provider') this.db.prepare('DELETE FROM provider_notes WHERE connection_id = ?').run(id);
    const removed = this.db.prepare('DELETE FROM connections WHERE class = ? AND id = ?').run(cls, id).changes > 0;
    if (removed) this.onWrite?.(cls, id, null);
    return removed;
  }

  notes(connectionId: string): ProviderNotes {
    return {
      get: (key) =>
        (this.db.prepare('SELECT value FROM provider_notes WHERE connection_id = ? AND key = ?').get(connectionId, key) as { value: string } | undefined)
          ?.value,
      put: (key, value) => {
        if (value === null) this.db.prepare('DELETE FROM provider_notes WHERE connection_id = ? AND key = ?').run(connectionId, key);
        else
          this.db
            .prepare(
              'INSERT INTO provider_notes (connection_id, key, value) VALUES (?, ?, ?) ON CONFLICT (connection_id, key) DO UPDATE SET value = excluded.value',
            )
            .run(connectionId, key, value);
      },
    };
  }

  /**
   * Reads a legacy JSON file into the table once: `toRows` turns its parsed content into rows (it
   * throws on a file it does not understand; nothing is imported then, and the file stays). The file
   * is kept as a backup, renamed so it is never read again.
   */
  async importOnce(file: string, cls: ConnectionClass, toRows: (raw: unknown) => StoredConnection[]): Promise<number> {
    const full = path.join(this.dataDir, file);
    const done = this.db.prepare('SELECT rows FROM connection_imports WHERE file = ?').get(file) as { rows: number } | undefined;
    if (done || !existsSync(full)) return 0;
    const text = await readUntrustedText(full, { what: file, maxBytes: MAX_LEGACY_BYTES });
    let rows: StoredConnection[];
    try {
      rows = toRows(JSON.parse(text) as unknown);
    } catch (cause) {
      // Never the file's text in the message (JSON.parse and zod would quote it): where, and what to do.
      const why =
        cause instanceof SyntaxError
          ? 'it is not valid JSON'
          : cause instanceof ZodError
            ? `${cause.issues[0]?.path.join('.') || 'an entry'}: ${cause.issues[0]?.message ?? 'not as expected'}`
            : 'it is not as expected';
      throw new AppError('invalid', `Ironpane could not import ${full} (${why}). It was left as it is; fix it or move it aside, then start Ironpane again.`, {
        retryable: false,
        cause,
      });
    }
    this.db.transaction(() => {
      for (const row of rows) this.put(cls, row);
      this.db.prepare('INSERT INTO connection_imports (file, imported_at, rows) VALUES (?, ?, ?)').run(file, new Date().toISOString(), rows.length);
    })();
    renameSync(full, `${full}.migrated-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    return rows.length;
  }
}
