/**
 * The store behind one interface, on two backends (README.md, Running Ironpane for a team): the embedded SQLite file in the
 * data folder (one operator, the default) or a PostgreSQL database a team shares, chosen at start
 * with `IRONPANE_STORE=postgres://…`. Queries are written once with Kysely; the few things the
 * dialects do differently (how a row id is allocated, triggers, LISTEN/NOTIFY) stay in this folder.
 *
 * Changes are announced on channels: PostgreSQL's triggers NOTIFY every console on the database
 * (https://www.postgresql.org/docs/15/sql-notify.html). A desk's SQLite store has no other console,
 * so nothing is announced there.
 */
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../../../shared/errors';
import { openDatabase, type Database } from './database';
import { migrateStore, type StoreSchema } from './store-migrations';

export type StoreDialect = 'sqlite' | 'postgres';
/** What changed: each channel's payload is the changed row's key. */
export const STORE_CHANNELS = ['ironpane_audit', 'ironpane_leases', 'ironpane_operations', 'ironpane_config', 'ironpane_connections'] as const;
export type StoreChannel = (typeof STORE_CHANNELS)[number];

export interface StoreBackend {
  readonly dialect: StoreDialect;
  readonly db: Kysely<StoreSchema>;
  /** Where the store is, for messages: a file, or user@host:port/database (never the password). */
  readonly label: string;
  /** Calls `handler` with each payload announced on `channel` by any console (this one too). */
  listen(channel: StoreChannel, handler: (payload: string) => void): () => void;
  /** Called when the store comes back after being unreachable: listeners may have missed changes. */
  onReconnect(handler: () => void): () => void;
  /** Whether the store answers now (its LISTEN connection is up); a desk's SQLite file always does. */
  status(): StoreStatus;
  onStatus(handler: (status: StoreStatus) => void): () => void;
  close(): Promise<void>;
}

export interface StoreStatus {
  shared: boolean;
  reachable: boolean;
  /** Where the store is (never its password). */
  label: string;
  /** When it stopped answering (ISO), while it does not. */
  since: string | null;
}

/**
 * Where the store is. A desk's SQLite store may share the embedded database's connection
 * (`database`): two better-sqlite3 connections on one file in one thread could wait on each other's
 * write lock with nothing able to let go.
 */
export type StoreLocation = { sqliteFile: string; database?: Database } | { postgresUrl: string };

/** Reads `IRONPANE_STORE`: a postgres:// URL, or nothing (the data folder's SQLite file). */
export function storeLocationFromEnv(value: string | undefined, sqliteFile: string): StoreLocation {
  const text = value?.trim();
  if (!text) return { sqliteFile };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(
      'invalid',
      'IRONPANE_STORE is not a URL. Write postgres://user:password@host:5432/database, or leave it unset for the data folder’s own store.',
      {
        retryable: false,
      },
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new AppError('invalid', `IRONPANE_STORE must be a postgres:// URL; it starts with ${url.protocol}//.`, { retryable: false });
  }
  if (!url.hostname || url.pathname.length < 2) {
    throw new AppError('invalid', 'IRONPANE_STORE needs a host and a database name: postgres://user:password@host:5432/database.', { retryable: false });
  }
  return { postgresUrl: text };
}

/** user@host:port/database, without the password. */
export function postgresLabel(connectionString: string): string {
  const url = new URL(connectionString);
  return `${decodeURIComponent(url.username) || 'postgres'}@${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

export async function openStoreBackend(location: StoreLocation): Promise<StoreBackend> {
  const backend = 'sqliteFile' in location ? openSqlite(location.sqliteFile, location.database) : await openPostgres(location.postgresUrl);
  try {
    await migrateStore(backend.db, backend.dialect, backend.label);
  } catch (error) {
    await backend.close();
    throw error;
  }
  return backend;
}

class Listeners {
  private readonly byChannel = new Map<string, Set<(payload: string) => void>>();
  private readonly reconnects = new Set<() => void>();
  readonly statusHandlers = new Set<(status: StoreStatus) => void>();

  onStatus(handler: (status: StoreStatus) => void): () => void {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }

  statusChanged(status: StoreStatus): void {
    for (const handler of this.statusHandlers) handler(status);
  }

  add(channel: string, handler: (payload: string) => void): () => void {
    const set = this.byChannel.get(channel) ?? new Set();
    set.add(handler);
    this.byChannel.set(channel, set);
    return () => set.delete(handler);
  }

  emit(channel: string, payload: string): void {
    for (const handler of this.byChannel.get(channel) ?? []) {
      try {
        handler(payload);
      } catch {
        // A listener's own failure is its business; the others still hear the change.
      }
    }
  }

  onReconnect(handler: () => void): () => void {
    this.reconnects.add(handler);
    return () => this.reconnects.delete(handler);
  }

  reconnected(): void {
    for (const handler of this.reconnects) handler();
  }
}

function openSqlite(file: string, shared?: Database): StoreBackend {
  const database = shared ?? openDatabase(file);
  const listeners = new Listeners();
  const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
  return {
    dialect: 'sqlite',
    db,
    label: file,
    listen: (channel, handler) => listeners.add(channel, handler),
    onReconnect: (handler) => listeners.onReconnect(handler),
    status: () => ({ shared: false, reachable: true, label: file, since: null }),
    onStatus: (handler) => listeners.onStatus(handler),
    // A shared connection is its owner's to close (Kysely's destroy would close it).
    close: () => (shared ? Promise.resolve() : db.destroy()),
  };
}

/** Bounds on every conversation with the database: a store that stops answering never hangs the console. */
const POSTGRES_LIMITS = {
  connectionTimeoutMillis: 5_000,
  /** Client-side: a query that has not answered in this long fails (the server is told to stop it too). */
  query_timeout: 15_000,
  statement_timeout: 15_000,
  idle_in_transaction_session_timeout: 30_000,
  keepAlive: true,
  max: 8,
};
const RELISTEN_AFTER_MS = [250, 1_000, 2_000, 5_000];

async function openPostgres(connectionString: string): Promise<StoreBackend> {
  const label = postgresLabel(connectionString);
  const pool = new pg.Pool({ connectionString, ...POSTGRES_LIMITS, application_name: 'ironpane' });
  // An idle pooled connection that the server drops emits 'error' on the pool: without a listener
  // that would end the process. The next query opens a fresh connection.
  pool.on('error', () => undefined);
  // A connection in use when the server goes (a restart mid-transaction) emits 'error' on its client,
  // which the pool does not listen to then: that would end main too. The query in flight rejects anyway.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw storeUnreachable(label, cause);
  }
  const listeners = new Listeners();
  const listening = new Set<string>();
  let listener: pg.Client | null = null;
  let closed = false;
  let attempt = 0;
  let status: StoreStatus = { shared: true, reachable: true, label, since: null };
  const setReachable = (reachable: boolean) => {
    if (status.reachable === reachable || closed) return;
    status = { ...status, reachable, since: reachable ? null : new Date().toISOString() };
    listeners.statusChanged(status);
  };

  // One connection of its own carries LISTEN (a pooled one would be handed to queries). When it
  // drops, it is opened again with a growing pause, and listeners hear that changes may have been missed.
  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({
      connectionString,
      connectionTimeoutMillis: POSTGRES_LIMITS.connectionTimeoutMillis,
      keepAlive: true,
      application_name: 'ironpane-listen',
    });
    client.on('error', () => undefined);
    client.on('notification', (message) => listeners.emit(message.channel, message.payload ?? ''));
    client.on('end', () => {
      if (listener !== client) return;
      listener = null;
      if (closed) return;
      setReachable(false);
      scheduleRelisten();
    });
    await client.connect();
    for (const channel of STORE_CHANNELS) await client.query(`LISTEN ${channel}`);
    if (closed) {
      await client.end();
      return;
    }
    listener = client;
    for (const channel of STORE_CHANNELS) listening.add(channel);
  };
  const scheduleRelisten = (): void => {
    const delay = RELISTEN_AFTER_MS[Math.min(attempt, RELISTEN_AFTER_MS.length - 1)]!;
    attempt += 1;
    setTimeout(() => {
      if (closed) return;
      connectListener().then(
        () => {
          attempt = 0;
          setReachable(true);
          listeners.reconnected();
        },
        () => scheduleRelisten(),
      );
    }, delay).unref();
  };
  try {
    await connectListener();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw storeUnreachable(label, cause);
  }

  const db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    label,
    listen: (channel, handler) => listeners.add(channel, handler),
    onReconnect: (handler) => listeners.onReconnect(handler),
    status: () => status,
    onStatus: (handler) => listeners.onStatus(handler),
    async close() {
      closed = true;
      await listener?.end().catch(() => undefined);
      await db.destroy().catch(() => undefined);
    },
  };
}

/** A connection failure in plain words, naming the store but never its password. */
export function storeUnreachable(label: string, cause: unknown): AppError {
  const code = (cause as { code?: string }).code ?? '';
  const reason =
    code === '28P01' || code === '28000'
      ? 'it refused the user name or password'
      : code === '3D000'
        ? 'that database does not exist; create it first (README: Running Ironpane for a team)'
        : code === 'ECONNREFUSED'
          ? 'nothing is listening there (is PostgreSQL running, on that port?)'
          : /timeout/i.test(String((cause as Error).message))
            ? 'it did not answer in time'
            : 'the connection failed';
  const retryable = !(code === '28P01' || code === '28000' || code === '3D000');
  return new AppError(retryable ? 'unavailable' : 'invalid', `The shared store ${label} cannot be reached: ${reason}.`, { retryable, cause });
}

/** The shared store stopped answering: nothing is sent to any node until it is back. */
export function storeAway(label: string, since: string | null): AppError {
  return new AppError(
    'unavailable',
    `The shared store ${label} is not answering${since ? ` (since ${since.slice(11, 19)} UTC)` : ''}. Ironpane sends nothing to a node until it is back, so no two consoles act on one node; it shows the fleet as last read.`,
    { retryable: true },
  );
}

/**
 * Runs a query on the store while it answers: refused at once (retryable, naming it) while it is
 * away, and a query that fails because it went away mid-way says so in the same words.
 */
export function queryStore<T>(backend: StoreBackend | null, query: (db: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
  if (!backend) return Promise.reject(storeAway('store', null));
  const status = backend.status();
  if (!status.reachable) return Promise.reject(storeAway(status.label, status.since));
  return guarded(backend.label, () => query(backend.db));
}

/** A query that failed because the store went away mid-way, in the same words. */
export async function guarded<T>(label: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (lostTheStore(error)) throw storeAway(label, null);
    throw new AppError('internal', `The store ${label} refused a query: ${(error as Error).message}`, { retryable: false, cause: error });
  }
}

/**
 * Whether an error means the store is out of reach (not that a query was wrong): a socket error,
 * pg's own timeouts and lost connections, PostgreSQL's class 08 (connection exception) and 57P0x
 * (the server shutting down) (https://www.postgresql.org/docs/15/errcodes-appendix.html), SQLite busy.
 */
export function lostTheStore(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  if (/^(08|57P0)/.test(code) || /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH)$/.test(code) || /^SQLITE_(BUSY|LOCKED)/.test(code))
    return true;
  return /Connection terminated|timeout|not queryable|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    String((error as Error)?.message ?? ''),
  );
}
