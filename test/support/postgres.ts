/**
 * A real PostgreSQL for the store tests: a cluster made with `initdb` in a temporary folder, started
 * with `pg_ctl` on a free loopback port (its Unix socket in the same folder), stopped by the PID in
 * its postmaster.pid. `initdb` refuses to run as root, so as root it runs as the package's `postgres`
 * user. Tests skip, saying why, where Debian's `postgresql` package is absent.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePorts } from './free-ports';
import { grantAppRole } from '../../electron/services/store/store-admin';
import { openStoreBackend } from '../../electron/services/store/store-backend';

const OWNER = 'ironpane_owner';
const OWNER_PASSWORD = 'owner-test-password';

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

const asRoot = process.getuid?.() === 0;

/** Why PostgreSQL cannot be started here, or null when it can. */
export function postgresMissing(): string | null {
  if (!postgresBin()) return 'PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; Debian package postgresql)';
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) return "running as root, and there is no 'postgres' user to run initdb as";
  return null;
}

export interface PostgresServer {
  port: number;
  /** The cluster's owner (a superuser), for setting up roles and databases. */
  ownerUrl(database?: string): string;
  /** A new empty database, owned by the owner. */
  createDatabase(name: string): Promise<string>;
  /** A login role with a password; its URL for `database`. */
  createRole(name: string, password: string, database: string): Promise<string>;
  /** Runs SQL as the owner. */
  sql(database: string, text: string): Promise<pg.QueryResult>;
  /** Stops the server (fast shutdown) and waits for it; `start()` brings it back on the same port. */
  pause(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function run(bin: string, args: string[], what: string): void {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr || result.stdout}`);
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresMissing() ?? 'PostgreSQL missing');
  const [port] = (await freePorts(1)) as [number];
  const folder = mkdtempSync(path.join(os.tmpdir(), 'ironpane-pg-'));
  const data = path.join(folder, 'data');
  const passwordFile = path.join(folder, 'owner-password');
  writeFileSync(passwordFile, `${OWNER_PASSWORD}\n`, { mode: 0o600 });
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chmodSync(folder, 0o700);
    chownSync(folder, uid, gid);
    chownSync(passwordFile, uid, gid);
  }
  // Sockets need no password (only the test itself can reach the folder); TCP asks for one (scram), as a team's server would.
  run(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', OWNER, '--pwfile', passwordFile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync'],
    'initdb',
  );
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  const start = async (): Promise<void> => {
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', '-l', path.join(folder, 'server.log'), '-o', options, 'start'], 'pg_ctl start');
  };
  const pidOf = (): number | null => {
    const file = path.join(data, 'postmaster.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : null;
  };
  const pause = async (): Promise<void> => {
    const pid = pidOf();
    if (!pid) return;
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown: ends sessions, then stops
    } catch {
      return;
    }
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      if (Date.now() > end) {
        process.kill(pid, 'SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  const ownerUrl = (database = 'postgres') => `postgres://${OWNER}:${OWNER_PASSWORD}@127.0.0.1:${port}/${database}`;
  const sql = async (database: string, text: string) => {
    const client = new pg.Client({ connectionString: ownerUrl(database) });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    ownerUrl,
    async createDatabase(name) {
      await sql('postgres', `CREATE DATABASE ${name}`);
      return ownerUrl(name);
    },
    async createRole(name, password, database) {
      await sql('postgres', `CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
      return `postgres://${name}:${password}@127.0.0.1:${port}/${database}`;
    },
    sql,
    pause,
    start,
    async stop() {
      await pause();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * A team's store as the README sets one up: a database migrated by its owner and a role the
 * consoles log in as, granted their rights by the store's own grant. Returns that role's URL.
 */
export async function teamStore(server: PostgresServer, database: string, role = 'ironpane_app', password = 'app-password'): Promise<string> {
  await server.createDatabase(database);
  const owner = await openStoreBackend({ postgresUrl: server.ownerUrl(database) });
  try {
    const url = await server.createRole(role, password, database);
    await grantAppRole(owner, role);
    return url;
  } finally {
    await owner.close();
  }
}
