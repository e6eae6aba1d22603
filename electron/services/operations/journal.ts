/**
 * The operations journal, in the embedded database (docs/architecture.md#operations). Every step is
 * written before it runs and again after each thing it does, so a process that dies at any point
 * leaves a record the next start can resume from: `pending` (never sent), `sending` (written, then
 * maybe sent: the node is looked at before anything is sent again), `sent` (the provider accepted it;
 * only verification is left), then `succeeded` or `failed`.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Migration } from '../store/database';

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
}

interface StepRow {
  id: string;
  operation_id: string;
  seq: number;
  node_id: string;
  hostname: string;
  kind: string;
  params: string;
  state: StepState;
  attempts: number;
  started_at: string | null;
  sent_at: string | null;
  finished_at: string | null;
  message: string;
}

const toStep = (r: StepRow): StepRecord => ({
  id: r.id,
  operationId: r.operation_id,
  seq: r.seq,
  nodeId: r.node_id,
  hostname: r.hostname,
  kind: r.kind,
  params: JSON.parse(r.params) as Record<string, unknown>,
  state: r.state,
  attempts: r.attempts,
  startedAt: r.started_at,
  sentAt: r.sent_at,
  finishedAt: r.finished_at,
  message: r.message,
});

type OperationRow = {
  id: string;
  kind: string;
  label: string;
  actor: string;
  created_at: string;
  finished_at: string | null;
  status: OperationStatus;
  policy: string | null;
  control: OperationControl;
  retried_by: string | null;
};
const toOperation = (r: OperationRow): OperationRecord => ({
  id: r.id,
  kind: r.kind,
  label: r.label,
  actor: r.actor,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  status: r.status,
  policy: r.policy ? (JSON.parse(r.policy) as BulkPolicy) : null,
  control: r.control,
  retriedBy: r.retried_by ?? null,
});

export class OperationJournal {
  private readonly statements;

  constructor(private readonly db: Database) {
    this.statements = {
      insertOperation: db.prepare('INSERT INTO operations (id, kind, label, actor, created_at, status, policy) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      setControl: db.prepare('UPDATE operations SET control = ? WHERE id = ?'),
      setRetriedBy: db.prepare('UPDATE operations SET retried_by = ? WHERE id = ?'),
      running: db.prepare("SELECT * FROM operations WHERE status = 'running' ORDER BY created_at"),
      insertStep: db.prepare(
        "INSERT INTO operation_steps (id, operation_id, seq, node_id, hostname, kind, params, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
      ),
      setState: db.prepare(
        'UPDATE operation_steps SET state = ?, message = ?, attempts = attempts + ?, started_at = COALESCE(started_at, ?), sent_at = COALESCE(?, sent_at), finished_at = ? WHERE id = ?',
      ),
      step: db.prepare('SELECT * FROM operation_steps WHERE id = ?'),
      setParams: db.prepare('UPDATE operation_steps SET params = ? WHERE id = ?'),
      steps: db.prepare('SELECT * FROM operation_steps WHERE operation_id = ? ORDER BY seq'),
      open: db.prepare("SELECT * FROM operation_steps WHERE state IN ('pending', 'sending', 'sent') ORDER BY operation_id, seq"),
      operation: db.prepare('SELECT * FROM operations WHERE id = ?'),
      recent: db.prepare('SELECT * FROM operations ORDER BY created_at DESC, rowid DESC LIMIT ?'),
      finishOperation: db.prepare('UPDATE operations SET status = ?, finished_at = ? WHERE id = ?'),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM operation_steps WHERE operation_id = ? GROUP BY state'),
      cancelled: db.prepare("SELECT COUNT(*) AS n FROM operation_steps WHERE operation_id = ? AND state = 'failed' AND message = ?"),
      saveTranscript: db.prepare('INSERT INTO operation_transcripts (step_id, text) VALUES (?, ?) ON CONFLICT(step_id) DO UPDATE SET text = excluded.text'),
      transcript: db.prepare('SELECT text FROM operation_transcripts WHERE step_id = ?'),
      withTranscript: db.prepare('SELECT step_id FROM operation_transcripts WHERE step_id IN (SELECT id FROM operation_steps WHERE operation_id = ?)'),
      lastFinished: db.prepare("SELECT * FROM operation_steps WHERE node_id = ? AND kind = ? AND state = 'succeeded' ORDER BY finished_at DESC LIMIT 20"),
      averageMs: db.prepare(
        "SELECT AVG((julianday(finished_at) - julianday(started_at)) * 86400000.0) AS ms FROM operation_steps WHERE operation_id = ? AND state = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL",
      ),
    };
  }

  create(
    kind: string,
    label: string,
    actor: string,
    steps: { nodeId: string; hostname: string; kind: string; params: Record<string, unknown> }[],
    now: Date,
    policy: BulkPolicy | null = null,
  ): { operation: OperationRecord; steps: StepRecord[] } {
    const id = randomUUID();
    this.db.transaction(() => {
      this.statements.insertOperation.run(id, kind, label, actor, now.toISOString(), 'running', policy ? JSON.stringify(policy) : null);
      steps.forEach((s, seq) => this.statements.insertStep.run(randomUUID(), id, seq, s.nodeId, s.hostname, s.kind, JSON.stringify(s.params)));
    })();
    return { operation: this.operation(id)!, steps: this.steps(id) };
  }

  /** Records a step's new state; `sent` stamps when the provider accepted it. Returns the fresh record. */
  transition(stepId: string, state: StepState, message: string, now: Date): StepRecord {
    const at = now.toISOString();
    const terminal = state === 'succeeded' || state === 'failed';
    this.statements.setState.run(
      state,
      message,
      state === 'sending' ? 1 : 0,
      state === 'pending' ? null : at,
      state === 'sent' ? at : null,
      terminal ? at : null,
      stepId,
    );
    return toStep(this.statements.step.get(stepId) as StepRow);
  }

  /** What a send learned that verifying needs (the node as it was just before the action). */
  setParams(stepId: string, params: Record<string, unknown>): StepRecord {
    this.statements.setParams.run(JSON.stringify(params), stepId);
    return toStep(this.statements.step.get(stepId) as StepRow);
  }

  step(stepId: string): StepRecord | null {
    const row = this.statements.step.get(stepId) as StepRow | undefined;
    return row ? toStep(row) : null;
  }

  steps(operationId: string): StepRecord[] {
    return (this.statements.steps.all(operationId) as StepRow[]).map(toStep);
  }

  /** Steps a previous run left unfinished, oldest operation first. */
  unfinished(): StepRecord[] {
    return (this.statements.open.all() as StepRow[]).map(toStep);
  }

  operation(id: string): OperationRecord | null {
    const row = this.statements.operation.get(id) as OperationRow | undefined;
    return row ? toOperation(row) : null;
  }

  recent(limit: number): OperationRecord[] {
    return (this.statements.recent.all(limit) as OperationRow[]).map(toOperation);
  }

  /** Operations not yet finished (a restart drives the bulk ones on). */
  running(): OperationRecord[] {
    return (this.statements.running.all() as OperationRow[]).map(toOperation);
  }

  setControl(operationId: string, control: OperationControl): void {
    this.statements.setControl.run(control, operationId);
  }

  setRetriedBy(operationId: string, retriedBy: string): void {
    this.statements.setRetriedBy.run(retriedBy, operationId);
  }

  counts(operationId: string): Record<StepState, number> {
    const out: Record<StepState, number> = { pending: 0, sending: 0, sent: 0, succeeded: 0, failed: 0 };
    for (const row of this.statements.counts.all(operationId) as { state: StepState; n: number }[]) out[row.state] = row.n;
    return out;
  }

  /** How long a succeeded step took on average (null before any did): the pace an ETA is based on. */
  averageStepMs(operationId: string): number | null {
    return (this.statements.averageMs.get(operationId) as { ms: number | null }).ms;
  }

  saveTranscript(stepId: string, text: string): void {
    this.statements.saveTranscript.run(stepId, text);
  }

  transcript(stepId: string): string | null {
    return (this.statements.transcript.get(stepId) as { text: string } | undefined)?.text ?? null;
  }

  /** The steps of an operation that kept a transcript. */
  stepsWithTranscript(operationId: string): Set<string> {
    return new Set((this.statements.withTranscript.all(operationId) as { step_id: string }[]).map((r) => r.step_id));
  }

  /** A node's most recent succeeded steps of a kind, newest first. */
  recentSucceeded(nodeId: string, kind: string): StepRecord[] {
    return (this.statements.lastFinished.all(nodeId, kind) as StepRow[]).map(toStep);
  }

  /**
   * Steps a cancel ended before they ran: stored as failed with `message` (no migration of the step
   * states), counted apart, and never what makes an operation "failed".
   */
  cancelledCount(operationId: string, message: string): number {
    return (this.statements.cancelled.get(operationId, message) as { n: number }).n;
  }

  /** Closes the operation once no step is open; returns its status then (or null while it runs). */
  settle(operationId: string, now: Date, cancelledMessage: string): OperationStatus | null {
    const c = this.counts(operationId);
    if (c.pending + c.sending + c.sent > 0) return null;
    const status: OperationStatus = c.failed - this.cancelledCount(operationId, cancelledMessage) > 0 ? 'failed' : 'succeeded';
    this.statements.finishOperation.run(status, now.toISOString(), operationId);
    return status;
  }
}
