/**
 * The store's schema and its one migration history for both dialects, run by Kysely's migrator
 * (https://kysely.dev/docs/migrations): it records what ran in `ironpane_migrations` and holds a lock
 * while it runs (an advisory lock on PostgreSQL), so two consoles starting at once migrate once.
 * Where the dialects differ (how the database allocates a row's number, triggers), a migration says
 * so in one place.
 */
import { Migrator, sql, type Generated, type Kysely, type Migration } from 'kysely';
import { AppError } from '../../../shared/errors';
import type { StoreDialect } from './store-backend';

export interface AuditTable {
  /** Allocated by the database: the order rows were written in, across every console. */
  seq: Generated<number>;
  id: string;
  at: string;
  /** The operator: a configured name, or OS user@host. */
  actor: string;
  /** Which console wrote it (its host name and a short id kept in its data folder). */
  console: string;
  action: string;
  target: string;
  target_name: string;
  outcome: string;
  message: string;
}

/** Which console is acting on a node now (operations/node-leases.ts): at most one row per node. */
export interface NodeLeaseTable {
  node_id: string;
  console: string;
  actor: string;
  operation_id: string;
  step_id: string;
  /** What it is doing, in words ("Reprovision"). */
  what: string;
  since: string;
  /** Milliseconds since the epoch; past it, another console may take the node. */
  expires_at: number;
}

/** An operation (operations/journal.ts): a plan of steps, one per node. */
export interface OperationTable {
  id: string;
  kind: string;
  label: string;
  actor: string;
  created_at: string;
  finished_at: string | null;
  status: string;
  /** JSON: a bulk operation's policy. */
  policy: string | null;
  control: string;
  retried_by: string | null;
  /** Which console drives the operation now, and until when (ms since the epoch) unless it renews. */
  driver_console: string | null;
  driver_expires_at: number | null;
}

export interface OperationStepTable {
  id: string;
  operation_id: string;
  seq: number;
  node_id: string;
  hostname: string;
  kind: string;
  /** JSON: what the step's kind needs (step-kinds.ts). */
  params: string;
  state: string;
  attempts: number;
  started_at: string | null;
  sent_at: string | null;
  finished_at: string | null;
  message: string;
}

export interface OperationTranscriptTable {
  step_id: string;
  text: string;
}

/** A config profile (config/config-store.ts): a name, a kind, and its revisions. */
export interface ConfigProfileTable {
  id: string;
  name: string;
  kind: string;
  created_at: string;
  created_by: string;
  talos_version: string | null;
  /** The number the last revision took: the next save takes one more, allocated by the database. */
  last_revision: number;
}

export interface ConfigRevisionTable {
  id: string;
  profile_id: string;
  number: number;
  content: string;
  content_hash: string;
  author: string;
  created_at: string;
  message: string;
  rendered_hash: string | null;
}

export interface ConfigAssignmentTable {
  profile_id: string;
  target_kind: 'node' | 'tag';
  target: string;
  created_at: string;
}

/** One request that left for a provider account, counted by every console sharing its limit. */
export interface RequestBudgetSendTable {
  /** The account: its API address and project (never a secret). */
  budget: string;
  /** Milliseconds since the epoch, on the database's clock. */
  sent_at: number;
}

/** A connection as a team shares it (store/connection-store.ts): never a secret, only which it needs. */
export interface ConnectionTable {
  class: string;
  id: string;
  kind: string;
  name: string;
  /** JSON: the connection's settings without its secrets. */
  settings: string;
  position: number;
}

export interface StoreSchema {
  connections: ConnectionTable;
  request_budget_sends: RequestBudgetSendTable;
  config_profiles: ConfigProfileTable;
  config_revisions: ConfigRevisionTable;
  config_assignments: ConfigAssignmentTable;
  audit_entries: AuditTable;
  node_leases: NodeLeaseTable;
  operations: OperationTable;
  operation_steps: OperationStepTable;
  operation_transcripts: OperationTranscriptTable;
}

export const MIGRATION_TABLE = 'ironpane_migrations';

/** Migrations by name, applied in name order; never edit one that has shipped, add the next. */
export function storeMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001-audit': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('audit_entries')
          .addColumn('seq', dialect === 'postgres' ? 'serial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('console', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('target_name', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_entries_by_actor').on('audit_entries').columns(['actor', 'seq']).execute();
        // Append-only for every role, the owner too (the app's role also lacks UPDATE and DELETE:
        // README.md, Running Ironpane for a team). PostgreSQL also announces each new row to every console.
        if (dialect === 'postgres') {
          await sql`
            CREATE FUNCTION ironpane_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$`.execute(db);
          await sql`
            CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION ironpane_audit_append_only()`.execute(db);
          await sql`
            CREATE FUNCTION ironpane_audit_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('ironpane_audit', NEW.seq::text); RETURN NEW; END $$`.execute(db);
          await sql`
            CREATE TRIGGER audit_entries_notify AFTER INSERT ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION ironpane_audit_notify()`.execute(db);
        } else {
          await sql`
            CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
            BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END`.execute(db);
          await sql`
            CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
            BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END`.execute(db);
        }
      },
    },
    '0002-node-leases': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('node_leases')
          .addColumn('node_id', 'text', (c) => c.primaryKey())
          .addColumn('console', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('operation_id', 'text', (c) => c.notNull())
          .addColumn('step_id', 'text', (c) => c.notNull())
          .addColumn('what', 'text', (c) => c.notNull())
          .addColumn('since', 'text', (c) => c.notNull())
          .addColumn('expires_at', dialect === 'postgres' ? 'double precision' : 'real', (c) => c.notNull())
          .execute();
        // Every console hears when a node is taken or let go (a renewal moves only expires_at: no notice).
        if (dialect === 'postgres') {
          await sql`
            CREATE FUNCTION ironpane_leases_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('ironpane_leases', COALESCE(NEW.node_id, OLD.node_id)); RETURN NULL; END $$`.execute(db);
          await sql`
            CREATE TRIGGER node_leases_notify AFTER INSERT OR DELETE OR UPDATE OF step_id, console ON node_leases
            FOR EACH ROW EXECUTE FUNCTION ironpane_leases_notify()`.execute(db);
        }
      },
    },
    '0003-operations': {
      // A desk's SQLite file already has these tables where an earlier version made them (the
      // embedded database's operations-1…4, kept in operations/journal.ts): created only where missing.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('operations')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('policy', 'text')
          .addColumn('control', 'text', (c) => c.notNull().defaultTo('run'))
          .addColumn('retried_by', 'text')
          .execute();
        await db.schema
          .createTable('operation_steps')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('operation_id', 'text', (c) => c.notNull().references('operations.id'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('node_id', 'text', (c) => c.notNull())
          .addColumn('hostname', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('started_at', 'text')
          .addColumn('sent_at', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .createTable('operation_transcripts')
          .ifNotExists()
          .addColumn('step_id', 'text', (c) => c.primaryKey().references('operation_steps.id'))
          .addColumn('text', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('operation_steps_by_operation').ifNotExists().on('operation_steps').columns(['operation_id', 'seq']).execute();
        await db.schema.createIndex('operation_steps_by_node').ifNotExists().on('operation_steps').columns(['node_id', 'kind', 'finished_at']).execute();
        await db.schema.createIndex('operations_by_time').ifNotExists().on('operations').column('created_at').execute();
        await sql`CREATE INDEX IF NOT EXISTS operation_steps_open ON operation_steps(state) WHERE state IN ('pending', 'sending', 'sent')`.execute(db);
      },
    },
    '0004-operation-drivers': {
      // Which console drives each running operation, under a lease it renews (operations/engine.ts):
      // a console that dies stops renewing, and another adopts its operations once the lease ran out.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('operations').addColumn('driver_console', 'text').execute();
        await db.schema
          .alterTable('operations')
          .addColumn('driver_expires_at', dialect === 'postgres' ? 'double precision' : 'real')
          .execute();
        if (dialect === 'postgres') {
          // The order operations were written in (SQLite has its rowid for that).
          await sql`ALTER TABLE operations ADD COLUMN created_seq bigserial`.execute(db);
          await db.schema.createIndex('operations_by_seq').on('operations').column('created_seq').execute();
          // Every console hears an operation move: its row or any of its steps (one notice per
          // operation and transaction: PostgreSQL folds identical payloads).
          await sql`
            CREATE FUNCTION ironpane_operations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('ironpane_operations', NEW.id); RETURN NULL; END $$`.execute(db);
          await sql`
            CREATE FUNCTION ironpane_operation_steps_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('ironpane_operations', NEW.operation_id); RETURN NULL; END $$`.execute(db);
          await sql`
            CREATE TRIGGER operations_notify AFTER INSERT OR UPDATE OF status, control, retried_by, finished_at ON operations
            FOR EACH ROW EXECUTE FUNCTION ironpane_operations_notify()`.execute(db);
          await sql`
            CREATE TRIGGER operation_steps_notify AFTER INSERT OR UPDATE ON operation_steps
            FOR EACH ROW EXECUTE FUNCTION ironpane_operation_steps_notify()`.execute(db);
        }
      },
    },
    '0005-config': {
      // A desk's SQLite file has these from the embedded database's config-1…3 (config/config-store.ts): created only where missing.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('config_profiles')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          // SQLite compares names without case in the column; PostgreSQL through a unique index on lower(name).
          .addColumn('name', dialect === 'postgres' ? 'text' : sql`text COLLATE NOCASE`, (c) => (dialect === 'postgres' ? c.notNull() : c.notNull().unique()))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('talos_version', 'text')
          .execute();
        if (dialect === 'postgres') await sql`CREATE UNIQUE INDEX config_profiles_name ON config_profiles (lower(name))`.execute(db);
        await db.schema
          .createTable('config_revisions')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('profile_id', 'text', (c) => c.notNull().references('config_profiles.id'))
          .addColumn('number', 'integer', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('rendered_hash', 'text')
          .addUniqueConstraint('config_revisions_number', ['profile_id', 'number'])
          .execute();
        await db.schema.createIndex('config_revisions_hash').ifNotExists().on('config_revisions').column('content_hash').execute();
        await db.schema.createIndex('config_revisions_rendered_hash').ifNotExists().on('config_revisions').column('rendered_hash').execute();
        await db.schema
          .createTable('config_assignments')
          .ifNotExists()
          .addColumn('profile_id', 'text', (c) => c.notNull().references('config_profiles.id'))
          .addColumn('target_kind', 'text', (c) => c.notNull().check(sql`target_kind IN ('node', 'tag')`))
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('config_assignments_pk', ['target_kind', 'target'])
          .execute();
        // Revision numbers come from the profile's row: a save bumps it and takes the new number in
        // one statement, so concurrent saves on any console queue on that row and never collide.
        await db.schema
          .alterTable('config_profiles')
          .addColumn('last_revision', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await sql`UPDATE config_profiles SET last_revision = (SELECT COALESCE(MAX(number), 0) FROM config_revisions WHERE profile_id = config_profiles.id)`.execute(
          db,
        );
        if (dialect === 'postgres') {
          // Every console hears a config change: a profile, a revision or an assignment (payload: the profile).
          await sql`
            CREATE FUNCTION ironpane_config_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('ironpane_config', CASE TG_OP WHEN 'DELETE' THEN OLD.profile_id ELSE NEW.profile_id END);
              RETURN NULL;
            END $$`.execute(db);
          await sql`
            CREATE FUNCTION ironpane_config_profile_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('ironpane_config', NEW.id); RETURN NULL; END $$`.execute(db);
          await sql`
            CREATE TRIGGER config_profiles_notify AFTER INSERT OR UPDATE OF name, talos_version ON config_profiles
            FOR EACH ROW EXECUTE FUNCTION ironpane_config_profile_notify()`.execute(db);
          await sql`
            CREATE TRIGGER config_revisions_notify AFTER INSERT ON config_revisions
            FOR EACH ROW EXECUTE FUNCTION ironpane_config_notify()`.execute(db);
          await sql`
            CREATE TRIGGER config_assignments_notify AFTER INSERT OR UPDATE OR DELETE ON config_assignments
            FOR EACH ROW EXECUTE FUNCTION ironpane_config_notify()`.execute(db);
        }
      },
    },
    '0006-request-budgets': {
      // A provider account's request limit, shared by the consoles on a team's store (providers/request-budget.ts).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('request_budget_sends')
          .addColumn('budget', 'text', (c) => c.notNull())
          .addColumn('sent_at', dialect === 'postgres' ? 'double precision' : 'real', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('request_budget_sends_by_budget').on('request_budget_sends').columns(['budget', 'sent_at']).execute();
      },
    },
    '0007-connections': {
      // A desk's SQLite file has this table from the embedded database's connections-1 (store/connection-store.ts);
      // on PostgreSQL it is the team's list, which each console mirrors into its own file.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('connections')
          .ifNotExists()
          .addColumn('class', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('connections_pk', ['class', 'id'])
          .execute();
        if (dialect === 'postgres') {
          await sql`
            CREATE FUNCTION ironpane_connections_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('ironpane_connections', CASE TG_OP WHEN 'DELETE' THEN OLD.class || ':' || OLD.id ELSE NEW.class || ':' || NEW.id END);
              RETURN NULL;
            END $$`.execute(db);
          await sql`
            CREATE TRIGGER connections_notify AFTER INSERT OR UPDATE OR DELETE ON connections
            FOR EACH ROW EXECUTE FUNCTION ironpane_connections_notify()`.execute(db);
        }
      },
    },
  };
}

function migratorFor(db: Kysely<StoreSchema>, dialect: StoreDialect): Migrator {
  const migrations = storeMigrations(dialect);
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
}

/** Names of the migrations not yet applied (all of them on a new database). */
export async function pendingMigrations(db: Kysely<StoreSchema>, dialect: StoreDialect): Promise<string[]> {
  const known = Object.keys(storeMigrations(dialect)).sort();
  let applied: string[] = [];
  try {
    const rows = await sql<{ name: string }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)}`.execute(db);
    applied = rows.rows.map((r) => r.name);
  } catch {
    return known; // no migration table yet
  }
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new AppError(
      'invalid',
      `The store was upgraded by a newer Ironpane (it has migration ${unknown[0]}, which this version does not know). Update this console.`,
      { retryable: false },
    );
  }
  return known.filter((name) => !applied.includes(name));
}

/**
 * Brings the schema up to date. A console whose role may not create tables (the app role of a team's
 * store: README.md, Running Ironpane for a team) only checks that nothing is pending and says who must migrate if something is.
 */
export async function migrateStore(db: Kysely<StoreSchema>, dialect: StoreDialect, label: string): Promise<string[]> {
  const pending = await pendingMigrations(db, dialect);
  if (pending.length === 0) return [];
  const { error, results } = await migratorFor(db, dialect).migrateToLatest();
  if (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501') {
      throw new AppError(
        'invalid',
        `The shared store ${label} needs its schema brought up to date (${pending.join(', ')}), and this console’s database role may not change it. Ask the database owner to run: npm run store -- migrate <owner’s URL>.`,
        { retryable: false, cause: error },
      );
    }
    throw new AppError('internal', `The store ${label} could not be brought up to date: ${(error as Error).message}`, { retryable: false, cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
