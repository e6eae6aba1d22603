/**
 * The operations engine (docs/architecture.md#operations): every action that changes a machine is
 * an operation, a plan of steps, one per node. Each step is journalled before it runs, sent through
 * the provider, audited as accepted, then verified against the node's observed state and audited
 * again with its outcome. After a crash the next start reloads unfinished steps: one that was never
 * sent runs; one that may have been sent is looked at on the node first (fresh from the provider),
 * and only sent if it did not take effect, so no step is sent twice; one that was sent is verified.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import type { FleetNode, OperationDetail, OperationSummary } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { AccountService } from '../accounts/account-service';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { Clock, Logger } from '../ports';
import { systemClock } from '../ports';
import type { OperationJournal, StepRecord } from './journal';
import { powerStep } from './power-step';
import { reinstallStep } from './reinstall-step';

/** What a kind of step knows how to do. */
export interface StepExecutor {
  /** Why the step cannot run on the node now (null: it can). Checked before anything is sent. */
  blocked(node: FleetNode, params: Record<string, unknown>): string | null;
  send(context: StepContext, node: FleetNode, params: Record<string, unknown>): Promise<void>;
  /** Did a send whose answer was lost take effect? Looked at on a fresh read of the node. */
  applied(node: FleetNode, params: Record<string, unknown>): boolean;
  /** Given the node now, is the step done, failed, or still under way? */
  settle(node: FleetNode, params: Record<string, unknown>, sentAt: number, seen: { leftStart: boolean }): { outcome: 'succeeded' | 'failed'; message: string } | null;
  /** What the node should show when the step worked ("inactive"), for the timeout message. */
  expectation(params: Record<string, unknown>): string;
  /** The audit action name (`power.reboot`) and a label for messages ("Reboot"). */
  auditAction(params: Record<string, unknown>): string;
  label(params: Record<string, unknown>): string;
}

export interface StepContext {
  accounts: AccountService;
}

/** A test's window onto each boundary between journal writes and provider calls (a crash is injected there). */
export type Boundary = 'before-send' | 'after-send' | 'after-sent';

export interface OperationsEngineOptions {
  journal: OperationJournal;
  fleet: FleetService;
  accounts: AccountService;
  audit: AuditLog;
  bus: EventBus;
  log: Logger;
  actor: string;
  clock?: Clock;
  /** How long a step may take to show its effect before it is failed (default 15 min; a reinstall gets 4×). */
  outcomeTimeoutMs?: number;
  boundary?: (boundary: Boundary, step: StepRecord) => Promise<void> | void;
}

const EXECUTORS: Record<string, StepExecutor> = { power: powerStep, reinstall: reinstallStep };
const DEFAULT_OUTCOME_TIMEOUT_MS = 15 * 60_000;
const CONCURRENCY = 4;

interface Verification {
  step: StepRecord;
  check(node: FleetNode): void;
  gone(): void;
  stop(): void;
}

export class OperationsEngine {
  private readonly verifying = new Map<string, Set<Verification>>();
  private readonly detachBus: () => void;
  private stopped = false;
  private readonly clock: Clock;

  constructor(private readonly options: OperationsEngineOptions) {
    this.clock = options.clock ?? systemClock;
    // One listener for every step being verified: a 10,000-node patch is scanned once.
    this.detachBus = options.bus.on((event, payload) => {
      if (event !== 'fleet.changed' || this.verifying.size === 0) return;
      const patch = payload as { upserts: FleetNode[]; removed: string[] };
      for (const node of patch.upserts) this.verifying.get(node.id)?.forEach((v) => v.check(node));
      for (const id of patch.removed) this.verifying.get(id)?.forEach((v) => v.gone());
    });
  }

  stop(): void {
    this.stopped = true;
    this.detachBus();
    for (const set of [...this.verifying.values()]) for (const v of [...set]) v.stop();
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  /**
   * Starts an operation and resolves once every step was sent or refused (verification goes on and
   * reports through `operations.changed`, the audit log and `actions.outcome`).
   */
  async run(kind: string, label: string, steps: { nodeId: string; kind: string; params: Record<string, unknown> }[]) {
    const planned = steps.map((s) => ({ ...s, hostname: this.options.fleet.snapshotNode(s.nodeId)?.hostname ?? s.nodeId }));
    const { operation, steps: records } = this.options.journal.create(kind, label, this.options.actor, planned, this.now());
    this.announce(operation.id);
    const results: { nodeId: string; hostname: string; ok: boolean; error?: AppErrorData; appError?: AppError; auditId?: string }[] = new Array(records.length);
    let cursor = 0;
    const worker = async () => {
      while (cursor < records.length) {
        const index = cursor++;
        const step = records[index]!;
        const outcome = await this.execute(step);
        results[index] = { nodeId: step.nodeId, hostname: step.hostname, ...outcome };
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, records.length) }, worker));
    return { operationId: operation.id, results };
  }

  /** Runs one step from wherever the journal says it is. */
  private async execute(step: StepRecord, resumed = false): Promise<{ ok: boolean; error?: AppErrorData; appError?: AppError; auditId?: string }> {
    const executor = EXECUTORS[step.kind];
    const fail = async (error: AppError) => {
      this.options.journal.transition(step.id, 'failed', error.message, this.now());
      await this.options.audit.append({ action: executor?.auditAction(step.params) ?? step.kind, target: step.nodeId, targetName: step.hostname, outcome: 'failed', message: error.message });
      this.finishOperation(step.operationId);
      return { ok: false, error: error.toData(), appError: error };
    };
    if (!executor) return fail(new AppError('internal', `Ironpane does not know how to run a "${step.kind}" step.`));
    let node: FleetNode;
    try {
      node = this.options.fleet.node(step.nodeId);
    } catch (error) {
      return fail(isAppError(error) ? error : new AppError('not_found', `${step.hostname} is no longer in the fleet.`));
    }

    if (step.state === 'sending') {
      // The previous run may have sent it: look at the node itself before anything is sent again.
      await this.options.fleet.refreshNode(step.nodeId).catch(() => undefined);
      node = this.options.fleet.snapshotNode(step.nodeId) ?? node;
      if (executor.applied(node, step.params)) {
        step = this.options.journal.transition(step.id, 'sent', `${executor.label(step.params)} had reached ${step.hostname} before Ironpane stopped; not sent again.`, this.now());
        this.announce(step.operationId);
        const entry = await this.options.audit.append({ action: executor.auditAction(step.params), target: step.nodeId, targetName: step.hostname, outcome: 'accepted', message: step.message });
        this.verify(step, node, executor);
        return { ok: true, auditId: entry.id };
      }
    }
    if (step.state === 'sent') {
      this.verify(step, node, executor);
      return { ok: true };
    }

    const blocked = executor.blocked(node, step.params);
    if (blocked) return fail(new AppError('conflict', `${executor.label(step.params)} ${step.hostname}: ${blocked}`));
    step = this.options.journal.transition(step.id, 'sending', resumed ? 'Resumed after a restart; sending.' : 'Sending.', this.now());
    this.announce(step.operationId);
    await this.options.boundary?.('before-send', step);
    try {
      await executor.send({ accounts: this.options.accounts }, node, step.params);
    } catch (cause) {
      return fail(isAppError(cause) ? cause : new AppError('internal', 'The action failed unexpectedly.', { cause }));
    }
    await this.options.boundary?.('after-send', step);
    step = this.options.journal.transition(step.id, 'sent', `${executor.label(step.params)} requested for ${step.hostname}.`, this.now());
    this.announce(step.operationId);
    const entry = await this.options.audit.append({ action: executor.auditAction(step.params), target: step.nodeId, targetName: step.hostname, outcome: 'accepted', message: step.message });
    await this.options.boundary?.('after-sent', step);
    // Show the new state at once; the fleet's fast lane follows the node from there.
    await this.options.fleet.refreshNode(step.nodeId).catch(() => undefined);
    this.verify(step, this.options.fleet.snapshotNode(step.nodeId) ?? node, executor);
    return { ok: true, auditId: entry.id };
  }

  /** Follows the node until the step shows its effect, fails, or runs out of time. */
  private verify(step: StepRecord, current: FleetNode, executor: StepExecutor): void {
    if (this.stopped) return;
    const sentAt = Date.parse(step.sentAt ?? new Date(this.clock.now()).toISOString());
    const seen = { leftStart: false };
    let finished = false;
    const finish = (outcome: 'succeeded' | 'failed', message: string) => {
      if (finished || this.stopped) return;
      finished = true;
      stop();
      this.options.journal.transition(step.id, outcome, message, this.now());
      void this.options.audit
        .append({ action: executor.auditAction(step.params), target: step.nodeId, targetName: step.hostname, outcome, message })
        .then(() => {
          if (step.kind === 'power') {
            this.options.bus.emit('actions.outcome', { nodeId: step.nodeId, hostname: step.hostname, action: step.params.action as 'power_on', outcome, message });
          }
          this.finishOperation(step.operationId);
        })
        .catch((error: unknown) => this.options.log.error('could not record a step outcome', { cause: error }));
    };
    const check = (node: FleetNode) => {
      if (finished) return;
      const result = executor.settle(node, step.params, sentAt, seen);
      if (result) finish(result.outcome, result.message);
    };
    // A reinstall writes a disk and runs a first boot: it gets four times a power action's time.
    const timeoutMs = (this.options.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS) * (step.kind === 'reinstall' ? 4 : 1);
    const left = Math.max(0, sentAt + timeoutMs - this.clock.now());
    const timer = setTimeout(() => finish('failed', `${executor.label(step.params)} ${step.hostname}: not ${executor.expectation(step.params)} after ${minutes(timeoutMs)}. Check its console and events.`), left);
    timer.unref?.();
    const verification: Verification = {
      step,
      check,
      gone: () => finish('failed', `${executor.label(step.params)} ${step.hostname}: the node left the fleet before it settled.`),
      stop: () => stop(),
    };
    const stop = () => {
      clearTimeout(timer);
      const set = this.verifying.get(step.nodeId);
      set?.delete(verification);
      if (set?.size === 0) this.verifying.delete(step.nodeId);
    };
    const set = this.verifying.get(step.nodeId) ?? new Set<Verification>();
    set.add(verification);
    this.verifying.set(step.nodeId, set);
    check(current);
  }

  private finishOperation(operationId: string): void {
    this.options.journal.settle(operationId, this.now());
    this.announce(operationId);
  }

  private announce(operationId: string): void {
    const summary = this.summary(operationId);
    if (summary) this.options.bus.emit('operations.changed', summary);
  }

  /** Picks up what a previous run left: called once at start, after the fleet's first sync. */
  async recover(): Promise<number> {
    const open = this.options.journal.unfinished();
    for (const step of open) {
      this.announce(step.operationId);
      await this.execute(step, true).catch((error: unknown) => this.options.log.error('could not resume a step', { stepId: step.id, cause: error }));
    }
    return open.length;
  }

  summary(operationId: string): OperationSummary | null {
    const op = this.options.journal.operation(operationId);
    if (!op) return null;
    const c = this.options.journal.counts(operationId);
    return { ...op, total: c.pending + c.sending + c.sent + c.succeeded + c.failed, done: c.succeeded, failed: c.failed, inFlight: c.sending + c.sent };
  }

  list(limit: number): OperationSummary[] {
    return this.options.journal.recent(limit).map((op) => this.summary(op.id)!);
  }

  detail(operationId: string): OperationDetail {
    const summary = this.summary(operationId);
    if (!summary) throw new AppError('not_found', 'That operation is not in the journal.');
    return {
      ...summary,
      steps: this.options.journal.steps(operationId).map((s) => ({
        id: s.id,
        nodeId: s.nodeId,
        hostname: s.hostname,
        kind: s.kind,
        label: EXECUTORS[s.kind]?.label(s.params) ?? s.kind,
        state: s.state,
        attempts: s.attempts,
        startedAt: s.startedAt,
        sentAt: s.sentAt,
        finishedAt: s.finishedAt,
        message: s.message,
      })),
    };
  }
}

function minutes(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}
