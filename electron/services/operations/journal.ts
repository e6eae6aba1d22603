/**
 * The operations journal, in the store (docs/architecture.md#operations): the desk's SQLite file, or
 * the PostgreSQL database a team shares, through one set of Kysely queries. Every step is
 * written before it runs and again after each thing it does, so a process that dies at any point
 * leaves a record the next start can resume from: `pending` (never sent), `sending` (written, then
 * maybe sent: the node is looked at before anything is sent again), `sent` (the provider accepted it;
 * only verification is left), then `succeeded` or `failed`.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Migration } from '../store/database';
import { queryStore, type StoreBackend } from '../store/store-backend';
import type { OperationStepTable, OperationTable, StoreSchema } from '../store/store-migrations';

/**
 * How the desk's SQLite file got these tables before the journal moved behind the store (kept so a
 * file from any earlier version reaches the same shape; the store's 0003 creates them where missing).
 */
export const OPERATIONS_MIGRATIONS: Migration[] = [
  {
    id: 'operations-1',
    sql: `
      CREATE TABLE operations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL
      );
      CREATE TABLE operation_steps (
        id TEXT PRIMARY KEY,
        operation_id TEXT NOT NULL REFERENCES operations(id),
        seq INTEGER NOT NULL,
        node_id TEXT NOT NULL,
        hostname TEXT NOT NULL,
        kind TEXT NOT NULL,
        params TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        sent_at TEXT,
        finished_at TEXT,
        message TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX operation_steps_by_operation ON operation_steps(operation_id, seq);
      CREATE INDEX operation_steps_open ON operation_steps(state) WHERE state IN ('pending', 'sending', 'sent');
      CREATE INDEX operations_by_time ON operations(created_at);
    `,
  },
  {
    // Bulk operations: their policy, and an operator's pause or cancel (kept across a restart).
    id: 'operations-2',
    sql: `
      ALTER TABLE operations ADD COLUMN policy TEXT;
      ALTER TABLE operations ADD COLUMN control TEXT NOT NULL DEFAULT 'run';
    `,
  },
  {
    // Runbook transcripts (what the console printed, the password never in it), one per step; and
    // a per-node lookup for the last finished step of a kind (what a config rollback goes back to).
    id: 'operations-3',
    sql: `
      CREATE TABLE operation_transcripts (
        step_id TEXT PRIMARY KEY REFERENCES operation_steps(id),
        text TEXT NOT NULL
      );
      CREATE INDEX operation_steps_by_node ON operation_steps(node_id, kind, finished_at);
    `,
  },
  {
    // Which operation retried this one's failed steps: retried once, never offered again.
    id: 'operations-4',
    sql: `ALTER TABLE operations ADD COLUMN retried_by TEXT;`,
  },
];

export interface BulkPolicy {
  /** Steps in flight at once (sent and not yet verified). */
  maxParallel: number;
  /** Run one step to verified before any other starts. */
  canary: boolean;
  /** Stop starting steps once this many failed (0: never stop). */
  stopAfterFailures: number;
}
export type OperationControl = 'run' | 'paused' | 'cancelled';

export type StepState = 'pending' | 'sending' | 'sent' | 'succeeded' | 'failed';
export type OperationStatus = 'running' | 'succeeded' | 'failed';

export interface StepRecord {
  id: string;
  operationId: string;
  seq: number;
  nodeId: string;
  hostname: string;
  kind: string;
  params: Record<string, unknown>;
  state: StepState;
  attempts: number;
  startedAt: string | null;
  sentAt: string | null;
  finishedAt: string | null;
  message: string;
}

export interface OperationRecord {
  id: string;
  kind: string;
  label: string;
  actor: string;
  createdAt: string;
  finishedAt: string | null;
  status: OperationStatus;
  policy: BulkPolicy | null;
  control: OperationControl;
  /** The operation that retried this one's failed steps, if one did. */
  retriedBy: string | null;
  /** The console driving it now (while it runs), if one is. */
  driver: string | null;
}

const toStep = (r: Selectable<OperationStepTable>): StepRecord => ({
  id: r.id,
  operationId: r.operation_id,
  seq: Number(r.seq),
  nodeId: r.node_id,
  hostname: r.hostname,
  kind: r.kind,
  params: JSON.parse(r.params) as Record<string, unknown>,
  state: r.state as StepState,
  attempts: Number(r.attempts),
  startedAt: r.started_at,
  sentAt: r.sent_at,
  finishedAt: r.finished_at,
  message: r.message,
});

const toOperation = (r: Selectable<OperationTable>): OperationRecord => ({
  id: r.id,
  kind: r.kind,
  label: r.label,
  actor: r.actor,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  status: r.status as OperationStatus,
  policy: r.policy ? (JSON.parse(r.policy) as BulkPolicy) : null,
  control: r.control as OperationControl,
  retriedBy: r.retried_by ?? null,
  driver: r.driver_console ?? null,
});

const OPEN_STATES: StepState[] = ['pending', 'sending', 'sent'];

export class OperationJournal {
  private backend: StoreBackend | null = null;

  /** The store the journal lives in (compose opens it at start; tests pass one at once). */
  constructor(backend?: StoreBackend) {
    if (backend) this.open(backend);
  }

  open(backend: StoreBackend): void {
    this.backend = backend;
  }

  /** Calls `handler` with the id of each operation any console wrote to (PostgreSQL; SQLite has one console). */
  listen(handler: (operationId: string) => void): () => void {
    return this.backend?.listen('ironpane_operations', handler) ?? (() => undefined);
  }

  private q<T>(query: (db: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
    return queryStore(this.backend, query);
  }

  /** Writes the operation and all its steps at once, driven by `driver` (the console that starts it). */
  async create(
    kind: string,
    label: string,
    actor: string,
    steps: { nodeId: string; hostname: string; kind: string; params: Record<string, unknown> }[],
    now: Date,
    policy: BulkPolicy | null = null,
    driver: { console: string; expiresAt: number } | null = null,
  ): Promise<{ operation: OperationRecord; steps: StepRecord[] }> {
    const id = randomUUID();
    await this.q((db) =>
      db.transaction().execute(async (tx) => {
        await tx
          .insertInto('operations')
          .values({
            id,
            kind,
            label,
            actor,
            created_at: now.toISOString(),
            status: 'running',
            policy: policy ? JSON.stringify(policy) : null,
            control: 'run',
            retried_by: null,
            finished_at: null,
            driver_console: driver?.console ?? null,
            driver_expires_at: driver?.expiresAt ?? null,
          })
          .execute();
        // In slices: SQLite takes at most 32,766 bound values in one statement.
        for (let at = 0; at < steps.length; at += 500) {
          const rows = steps.slice(at, at + 500).map((s, i) => ({
            id: randomUUID(),
            operation_id: id,
            seq: at + i,
            node_id: s.nodeId,
            hostname: s.hostname,
            kind: s.kind,
            params: JSON.stringify(s.params),
            state: 'pending',
            attempts: 0,
            message: '',
          }));
          await tx.insertInto('operation_steps').values(rows).execute();
        }
      }),
    );
    return { operation: (await this.operation(id))!, steps: await this.steps(id) };
  }

  /** Records a step's new state; `sent` stamps when the provider accepted it. Returns the fresh record. */
  async transition(stepId: string, state: StepState, message: string, now: Date): Promise<StepRecord> {
    const at = now.toISOString();
    const terminal = state === 'succeeded' || state === 'failed';
    const row = await this.q((db) =>
      db
        .updateTable('operation_steps')
        .set((eb) => ({
          state,
          message,
          attempts: state === 'sending' ? eb('attempts', '+', 1) : eb.ref('attempts'),
          started_at: state === 'pending' ? eb.ref('started_at') : eb.fn.coalesce('started_at', eb.val(at)),
          sent_at: state === 'sent' ? at : eb.ref('sent_at'),
          finished_at: terminal ? at : null,
        }))
        .where('id', '=', stepId)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toStep(row);
  }

  /** What a send learned that verifying needs (the node as it was just before the action). */
  async setParams(stepId: string, params: Record<string, unknown>): Promise<StepRecord> {
    const row = await this.q((db) =>
      db
        .updateTable('operation_steps')
        .set({ params: JSON.stringify(params) })
        .where('id', '=', stepId)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toStep(row);
  }

  async step(stepId: string): Promise<StepRecord | null> {
    const row = await this.q((db) => db.selectFrom('operation_steps').selectAll().where('id', '=', stepId).executeTakeFirst());
    return row ? toStep(row) : null;
  }

  async steps(operationId: string): Promise<StepRecord[]> {
    const rows = await this.q((db) => db.selectFrom('operation_steps').selectAll().where('operation_id', '=', operationId).orderBy('seq').execute());
    return rows.map(toStep);
  }

  /** An operation's steps not yet finished, in plan order. */
  async unfinished(operationId: string): Promise<StepRecord[]> {
    const rows = await this.q((db) =>
      db.selectFrom('operation_steps').selectAll().where('operation_id', '=', operationId).where('state', 'in', OPEN_STATES).orderBy('seq').execute(),
    );
    return rows.map(toStep);
  }

  async operation(id: string): Promise<OperationRecord | null> {
    const row = await this.q((db) => db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst());
    return row ? toOperation(row) : null;
  }

  async recent(limit: number): Promise<OperationRecord[]> {
    // Written order breaks a tie in time: SQLite's rowid, PostgreSQL's created_seq.
    const order = this.backend?.dialect === 'postgres' ? sql`created_seq` : sql`rowid`;
    const rows = await this.q((db) => db.selectFrom('operations').selectAll().orderBy('created_at', 'desc').orderBy(order, 'desc').limit(limit).execute());
    return rows.map(toOperation);
  }

  /** Operations not yet finished, oldest first. */
  async running(): Promise<OperationRecord[]> {
    const rows = await this.q((db) => db.selectFrom('operations').selectAll().where('status', '=', 'running').orderBy('created_at').execute());
    return rows.map(toOperation);
  }

  /**
   * Takes the running operations nobody drives: never driven, driven by this console (its earlier
   * run), or whose driver stopped renewing. Rows another console is taking at this moment are
   * skipped, not waited for (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
   * https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE; SQLite has one writer).
   * Returns the ids taken, oldest first.
   */
  async adopt(console: string, now: number, leaseMs: number): Promise<string[]> {
    return this.q((db) =>
      db.transaction().execute(async (tx) => {
        let query = tx
          .selectFrom('operations')
          .select('id')
          .where('status', '=', 'running')
          .where((eb) =>
            eb.or([
              eb('driver_console', 'is', null),
              eb('driver_console', '=', console),
              eb('driver_expires_at', '<', now),
              eb('driver_expires_at', 'is', null),
            ]),
          )
          .orderBy('created_at');
        if (this.backend?.dialect === 'postgres') query = query.forUpdate().skipLocked();
        const ids = (await query.execute()).map((r) => r.id);
        if (ids.length > 0) {
          await tx
            .updateTable('operations')
            .set({ driver_console: console, driver_expires_at: now + leaseMs })
            .where('id', 'in', ids)
            .execute();
        }
        return ids;
      }),
    );
  }

  /** Pushes this console's hold on `ids` on; returns those it still holds (another may have adopted one it let lapse). */
  async renewDriving(console: string, ids: string[], now: number, leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.q((db) =>
      db
        .updateTable('operations')
        .set({ driver_expires_at: now + leaseMs })
        .where('id', 'in', ids)
        .where('driver_console', '=', console)
        .returning('id')
        .execute(),
    );
    return rows.map((r) => r.id);
  }

  async setControl(operationId: string, control: OperationControl): Promise<void> {
    await this.q((db) => db.updateTable('operations').set({ control }).where('id', '=', operationId).execute());
  }

  async setRetriedBy(operationId: string, retriedBy: string): Promise<void> {
    await this.q((db) => db.updateTable('operations').set({ retried_by: retriedBy }).where('id', '=', operationId).execute());
  }

  async counts(operationId: string): Promise<Record<StepState, number>> {
    const out: Record<StepState, number> = { pending: 0, sending: 0, sent: 0, succeeded: 0, failed: 0 };
    const rows = await this.q((db) =>
      db
        .selectFrom('operation_steps')
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .where('operation_id', '=', operationId)
        .groupBy('state')
        .execute(),
    );
    for (const row of rows) out[row.state as StepState] = Number(row.n);
    return out;
  }

  /** How long a succeeded step took on average (null before any did): the pace an ETA is based on. */
  async averageStepMs(operationId: string): Promise<number | null> {
    const duration =
      this.backend?.dialect === 'postgres'
        ? sql<number>`AVG(EXTRACT(EPOCH FROM (finished_at::timestamptz - started_at::timestamptz)) * 1000.0)`
        : sql<number>`AVG((julianday(finished_at) - julianday(started_at)) * 86400000.0)`;
    const row = await this.q((db) =>
      db
        .selectFrom('operation_steps')
        .select(duration.as('ms'))
        .where('operation_id', '=', operationId)
        .where('state', '=', 'succeeded')
        .where('started_at', 'is not', null)
        .where('finished_at', 'is not', null)
        .executeTakeFirst(),
    );
    return row?.ms == null ? null : Number(row.ms);
  }

  async saveTranscript(stepId: string, text: string): Promise<void> {
    await this.q((db) =>
      db
        .insertInto('operation_transcripts')
        .values({ step_id: stepId, text })
        .onConflict((oc) => oc.column('step_id').doUpdateSet({ text: (eb) => eb.ref('excluded.text') }))
        .execute(),
    );
  }

  async transcript(stepId: string): Promise<string | null> {
    const row = await this.q((db) => db.selectFrom('operation_transcripts').select('text').where('step_id', '=', stepId).executeTakeFirst());
    return row?.text ?? null;
  }

  /** The steps of an operation that kept a transcript. */
  async stepsWithTranscript(operationId: string): Promise<Set<string>> {
    const rows = await this.q((db) =>
      db
        .selectFrom('operation_transcripts')
        .innerJoin('operation_steps', 'operation_steps.id', 'operation_transcripts.step_id')
        .select('operation_transcripts.step_id')
        .where('operation_steps.operation_id', '=', operationId)
        .execute(),
    );
    return new Set(rows.map((r) => r.step_id));
  }

  /** A node's most recent succeeded steps of a kind, newest first. */
  async recentSucceeded(nodeId: string, kind: string): Promise<StepRecord[]> {
    const rows = await this.q((db) =>
      db
        .selectFrom('operation_steps')
        .selectAll()
        .where('node_id', '=', nodeId)
        .where('kind', '=', kind)
        .where('state', '=', 'succeeded')
        .orderBy('finished_at', 'desc')
        .limit(20)
        .execute(),
    );
    return rows.map(toStep);
  }

  /**
   * Steps a cancel ended before they ran: stored as failed with `message` (no migration of the step
   * states), counted apart, and never what makes an operation "failed".
   */
  async cancelledCount(operationId: string, message: string): Promise<number> {
    const row = await this.q((db) =>
      db
        .selectFrom('operation_steps')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('operation_id', '=', operationId)
        .where('state', '=', 'failed')
        .where('message', '=', message)
        .executeTakeFirst(),
    );
    return Number(row?.n ?? 0);
  }

  /** Closes the operation once no step is open; returns its status then (or null while it runs). */
  async settle(operationId: string, now: Date, cancelledMessage: string): Promise<OperationStatus | null> {
    const c = await this.counts(operationId);
    if (c.pending + c.sending + c.sent > 0) return null;
    const status: OperationStatus = c.failed - (await this.cancelledCount(operationId, cancelledMessage)) > 0 ? 'failed' : 'succeeded';
    await this.q((db) =>
      db
        .updateTable('operations')
        .set({ status, finished_at: now.toISOString(), driver_console: null, driver_expires_at: null })
        .where('id', '=', operationId)
        .where('status', '=', 'running')
        .execute(),
    );
    return status;
  }
}

export interface JournalCopyReport {
  operations: { read: number; copied: number; alreadyThere: number };
  steps: number;
  transcripts: number;
  /** Copied operations that had not finished: the first console on the new store drives them on. */
  running: number;
}

/**
 * Copies a journal into another store (`npm run store -- copy`): every operation with its steps and
 * transcripts, in pages. One already there (by id) is skipped with its steps, so a copy can run
 * again. No console drives a copied operation until one adopts it.
 */
export async function copyJournal(from: StoreBackend, to: StoreBackend): Promise<JournalCopyReport> {
  const report: JournalCopyReport = { operations: { read: 0, copied: 0, alreadyThere: 0 }, steps: 0, transcripts: 0, running: 0 };
  let after = '';
  for (;;) {
    const page = await from.db.selectFrom('operations').selectAll().where('id', '>', after).orderBy('id').limit(200).execute();
    if (page.length === 0) return report;
    after = page[page.length - 1]!.id;
    report.operations.read += page.length;
    await to.db.transaction().execute(async (tx) => {
      const copied = await tx
        .insertInto('operations')
        .values(page.map(({ ...op }) => ({ ...withoutSeq(op), driver_console: null, driver_expires_at: null })))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning(['id', 'status'])
        .execute();
      report.operations.copied += copied.length;
      report.operations.alreadyThere += page.length - copied.length;
      report.running += copied.filter((op) => op.status === 'running').length;
      const ids = copied.map((op) => op.id);
      if (ids.length === 0) return;
      const steps = await from.db.selectFrom('operation_steps').selectAll().where('operation_id', 'in', ids).execute();
      for (let at = 0; at < steps.length; at += 500)
        await tx
          .insertInto('operation_steps')
          .values(steps.slice(at, at + 500))
          .execute();
      report.steps += steps.length;
      const transcripts = await from.db
        .selectFrom('operation_transcripts')
        .innerJoin('operation_steps', 'operation_steps.id', 'operation_transcripts.step_id')
        .select(['operation_transcripts.step_id', 'operation_transcripts.text'])
        .where('operation_steps.operation_id', 'in', ids)
        .execute();
      for (let at = 0; at < transcripts.length; at += 200)
        await tx
          .insertInto('operation_transcripts')
          .values(transcripts.slice(at, at + 200))
          .execute();
      report.transcripts += transcripts.length;
    });
  }
}

/** A row as the other store takes it: PostgreSQL numbers its own rows (created_seq). */
function withoutSeq(row: Selectable<OperationTable>): Selectable<OperationTable> {
  const { created_seq: _seq, ...rest } = row as Selectable<OperationTable> & { created_seq?: unknown };
  return rest;
}
