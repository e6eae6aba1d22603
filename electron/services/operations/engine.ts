/**
 * The operations engine (docs/architecture.md#operations): every action that changes a machine is
 * an operation, a plan of steps, one per node. This file starts operations, drives bulk ones under
 * their policy (canary, parallelism, stop after failures, pause, cancel), recovers them after a
 * restart and retries failed steps; one step's life is step-runner.ts, what the window reads is
 * operation-views.ts. Each step is journalled before it runs, sent through
 * the provider, audited as accepted, then verified against the node's observed state and audited
 * again with its outcome. After a crash the next start reloads unfinished steps: one that was never
 * sent runs; one that may have been sent is looked at on the node first (fresh from the provider),
 * and only sent if it did not take effect, so no step is sent twice; one that was sent is verified.
 */
import { forEachLimited } from '../../../shared/concurrency';
import { AppError, type AppErrorData } from '../../../shared/errors';
import type { OperationDetail, OperationSummary } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { ProviderFor } from '../providers/provider';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { Clock, Logger } from '../ports';
import { systemClock } from '../ports';
import type { BulkPolicy, OperationJournal, StepRecord } from './journal';
import type { PlannedStep, StepKind, StepParamsByKind } from './step-kinds';
import { CANCELLED_BEFORE_RUN, StepRunner, type Boundary } from './step-runner';
import { LEASE_MS, type NodeLeases } from './node-leases';
import { OperationViews } from './operation-views';
import type { StepContext } from './step';

export type { Boundary } from './step-runner';

export interface OperationsEngineOptions {
  journal: OperationJournal;
  fleet: FleetService;
  providerFor: ProviderFor;
  audit: AuditLog;
  bus: EventBus;
  log: Logger;
  actor: string;
  clock?: Clock;
  /** How long a step may take to show its effect before it is failed (default 15 min; a reinstall gets 4×). */
  outcomeTimeoutMs?: number;
  /** Runs runbook steps on a node's serial console. */
  runbooks: StepContext['runbooks'];
  boundary?: (boundary: Boundary, step: StepRecord) => Promise<void> | void;
  /** Which console acts on which node, in the store (shared by a team's consoles). */
  leases?: NodeLeases;
  /** This console, as the store names it: it drives the operations it starts or adopts. */
  console?: string;
  /** How long a console's hold on an operation lasts unless renewed (default LEASE_MS). */
  driverLeaseMs?: number;
}

const CONCURRENCY = 4;
/** Notices about one operation within this long are read and passed on once. */
const ANNOUNCE_COALESCE_MS = 100;

export class OperationsEngine {
  private stopped = false;
  private readonly clock: Clock;
  /** Operations this console drives now (started here or adopted), renewed in the store. */
  private readonly driven = new Set<string>();
  private adoptTimer: ReturnType<typeof setInterval> | null = null;
  private unlisten: (() => void) | null = null;
  private readonly announcing = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly runner: StepRunner;
  private readonly views: OperationViews;

  constructor(private readonly options: OperationsEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.views = new OperationViews(options.journal);
    this.runner = new StepRunner({
      journal: options.journal,
      fleet: options.fleet,
      audit: options.audit,
      bus: options.bus,
      log: options.log,
      clock: this.clock,
      outcomeTimeoutMs: options.outcomeTimeoutMs,
      boundary: options.boundary,
      leases: options.leases,
      context: {
        providerFor: options.providerFor,
        runbooks: options.runbooks,
        saveTranscript: (stepId, text) => void options.journal.saveTranscript(stepId, text).catch(() => undefined),
      },
      changed: (operationId) => this.announce(operationId),
      finished: (operationId) => this.finishOperation(operationId),
    });
  }

  /** How many operations this console drives now (a restart would interrupt them). */
  runningCount(): number {
    return this.driven.size;
  }

  stop(): void {
    this.stopped = true;
    this.runner.stop();
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    this.unlisten?.();
    for (const timer of this.announcing.values()) clearTimeout(timer);
  }

  private get console(): string {
    return this.options.console ?? 'this-console';
  }

  private get leaseMs(): number {
    return this.options.driverLeaseMs ?? LEASE_MS;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  /**
   * Starts an operation and resolves once every step was sent or refused (verification goes on and
   * reports through `operations.changed`, the audit log and `actions.outcome`).
   */
  async run(kind: string, label: string, steps: PlannedStep[]) {
    const planned = steps.map((s) => ({ ...s, hostname: this.options.fleet.snapshotNode(s.nodeId)?.hostname ?? s.nodeId }));
    // An action on one node another console is acting on is refused before anything is written,
    // naming who; in an action on many, that node's step is refused alone (the others go on).
    if (planned.length === 1) await this.options.leases?.ensureFree(planned[0]!.nodeId, planned[0]!.hostname);
    const { operation, steps: records } = await this.options.journal.create(kind, label, this.options.actor, planned, this.now(), null, this.driverHold());
    this.driven.add(operation.id);
    this.announce(operation.id);
    const results: { nodeId: string; hostname: string; ok: boolean; error?: AppErrorData; appError?: AppError; auditId?: string }[] = new Array(records.length);
    await forEachLimited(records, CONCURRENCY, async (step, index) => {
      const outcome = await this.runner.execute(step);
      results[index] = { nodeId: step.nodeId, hostname: step.hostname, ...outcome };
    });
    return { operationId: operation.id, results };
  }

  private driverHold() {
    return { console: this.console, expiresAt: this.clock.now() + this.leaseMs };
  }

  private async finishOperation(operationId: string): Promise<void> {
    try {
      const status = await this.options.journal.settle(operationId, this.now(), CANCELLED_BEFORE_RUN);
      if (status) this.driven.delete(operationId);
    } catch (error) {
      // The store is away: the operation stays running in it, and this console (or another, once
      // its hold runs out) settles it when a step of it next moves or it is adopted again.
      this.options.log.warn('could not close an operation in the store', { operationId, cause: error });
    }
    this.announce(operationId);
  }

  /** Tells the window where an operation stands now (a store that is away leaves the last view). */
  private announce(operationId: string): void {
    void this.summary(operationId).then(
      (summary) => summary && this.options.bus.emit('operations.changed', summary),
      () => undefined,
    );
  }

  /**
   * Picks up what nobody drives: at start (after the fleet's first sync, so each node is looked at
   * first) the operations this console left, and from then on, every lease period, those of a
   * console that stopped renewing its hold. Another console's operations move on the window as it
   * writes them (PostgreSQL's notices). Returns how many steps it took up now.
   */
  async recover(): Promise<number> {
    if (!this.adoptTimer && !this.stopped) {
      this.unlisten = this.options.journal.listen((operationId) => this.heard(operationId));
      this.adoptTimer = setInterval(() => void this.keepDriving(), Math.max(250, Math.floor(this.leaseMs / 3)));
      this.adoptTimer.unref?.();
    }
    return this.adoptOrphans();
  }

  /** Renews this console's hold on what it drives, then adopts whatever nobody drives any more. */
  private async keepDriving(): Promise<void> {
    if (this.stopped) return;
    try {
      const mine = [...this.driven];
      const held = new Set(await this.options.journal.renewDriving(this.console, mine, this.clock.now(), this.leaseMs));
      for (const id of mine) {
        if (held.has(id) || !this.driven.has(id)) continue;
        // Another console adopted it while this one could not renew (the store was away): it
        // drives it now; this one starts no more of its steps (those in flight hold their nodes).
        this.driven.delete(id);
        this.options.log.warn('another console took over an operation this one could not renew', { operationId: id });
      }
      await this.adoptOrphans();
    } catch (error) {
      this.options.log.warn('could not renew or adopt operations in the store', { cause: error });
    }
  }

  private async adoptOrphans(): Promise<number> {
    if (this.stopped) return 0;
    const adopted = (await this.options.journal.adopt(this.console, this.clock.now(), this.leaseMs)).filter((id) => !this.driven.has(id));
    let resumed = 0;
    if (adopted.length > 0) this.options.log.info('driving operations nobody else drives', { operations: adopted.length });
    for (const id of adopted) {
      this.driven.add(id);
      const op = await this.options.journal.operation(id);
      if (!op) continue;
      if (op.policy) {
        void this.drive(id, true);
        continue;
      }
      const open = await this.options.journal.unfinished(id);
      resumed += open.length;
      this.announce(id);
      if (open.length === 0) {
        await this.finishOperation(id);
        continue;
      }
      for (const step of open) {
        await this.runner.execute(step, true).catch((error: unknown) => this.options.log.error('could not resume a step', { stepId: step.id, cause: error }));
      }
    }
    return resumed;
  }

  /**
   * Another console wrote to an operation (PostgreSQL's notice). One it drives moves on that
   * console's window too; one this console drives may have been paused, resumed or cancelled there.
   */
  private heard(operationId: string): void {
    if (this.announcing.has(operationId)) return;
    const timer = setTimeout(() => {
      this.announcing.delete(operationId);
      if (this.stopped) return;
      if (!this.driven.has(operationId)) return this.announce(operationId);
      if (!this.wakers.has(operationId) && !this.runner.waiting(operationId)) return;
      void this.options.journal.operation(operationId).then(
        (op) => {
          if (!op || op.control === 'paused') return;
          this.wakers.get(operationId)?.();
          this.wakers.delete(operationId);
          if (op.control === 'cancelled') this.runner.endWaits(operationId);
        },
        () => undefined,
      );
    }, ANNOUNCE_COALESCE_MS);
    timer.unref?.();
    this.announcing.set(operationId, timer);
  }

  // ---- bulk operations under a policy -------------------------------------------------------------

  private readonly driving = new Set<string>();
  private readonly wakers = new Map<string, () => void>();

  /** Starts a bulk operation and returns at once; it runs (and survives a restart) under its policy. */
  async startBulk(kind: string, label: string, steps: PlannedStep[], policy: BulkPolicy): Promise<OperationSummary> {
    const planned = steps.map((s) => ({ ...s, hostname: this.options.fleet.snapshotNode(s.nodeId)?.hostname ?? s.nodeId }));
    const { operation } = await this.options.journal.create(kind, label, this.options.actor, planned, this.now(), policy, this.driverHold());
    this.driven.add(operation.id);
    void this.drive(operation.id, false);
    this.announce(operation.id);
    return (await this.summary(operation.id))!;
  }

  /**
   * Runs a bulk operation's steps: the canary to verified first, then up to `maxParallel` in flight
   * (sent and not yet verified), stopping once `stopAfterFailures` failed; a pause holds new steps,
   * a cancel ends the ones not yet started. Steps a restart left open count as in flight.
   */
  private async drive(operationId: string, resumed: boolean): Promise<void> {
    if (this.driving.has(operationId)) return;
    this.driving.add(operationId);
    const { journal } = this.options;
    try {
      const policy = (await journal.operation(operationId))?.policy ?? { maxParallel: CONCURRENCY, canary: false, stopAfterFailures: 0 };
      const steps = await journal.steps(operationId);
      const queue = steps.filter((s) => s.state === 'pending');
      const inFlight = new Set<Promise<void>>();
      const runOne = (step: StepRecord, again: boolean) => {
        const job = (async () => {
          const result = await this.runner.execute(step, again, true);
          if (result.ok && result.verified) await result.verified;
        })()
          .catch((error: unknown) => this.options.log.error('a bulk step failed unexpectedly', { stepId: step.id, cause: error }))
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
        return job;
      };
      for (const open of steps.filter((s) => s.state === 'sending' || s.state === 'sent')) void runOne(open, true);
      const anyDone = async () => (await journal.counts(operationId)).succeeded > 0;
      if (policy.canary && queue.length > 0 && inFlight.size === 0 && !(await anyDone())) {
        await runOne(queue.shift()!, resumed);
        if ((await journal.counts(operationId)).failed > 0)
          return await this.skipRest(operationId, queue, 'Not run: the canary failed, so the operation stopped.');
      }
      while (queue.length > 0) {
        // Stopped, or another console took it over while this one could not renew its hold.
        if (this.stopped || !this.driven.has(operationId)) return;
        const control = (await journal.operation(operationId))?.control ?? 'run';
        if (control === 'cancelled') return await this.skipRest(operationId, queue, CANCELLED_BEFORE_RUN);
        if (control === 'paused') {
          await new Promise<void>((resolve) => this.wakers.set(operationId, resolve));
          continue;
        }
        const failed = (await journal.counts(operationId)).failed;
        if (policy.stopAfterFailures > 0 && failed >= policy.stopAfterFailures) {
          return await this.skipRest(operationId, queue, `Not run: the operation stopped after ${failed} failure${failed === 1 ? '' : 's'}.`);
        }
        if (inFlight.size >= Math.max(1, policy.maxParallel)) {
          await Promise.race(inFlight);
          continue;
        }
        void runOne(queue.shift()!, resumed);
      }
      await Promise.all(inFlight);
    } catch (error) {
      // The store went away mid-way: what is in flight holds its nodes and goes on; the queue waits
      // in the store, and this console (or another, once its hold runs out) drives it on.
      this.options.log.warn('a bulk operation stopped starting steps', { operationId, cause: error });
      this.driven.delete(operationId);
    } finally {
      this.driving.delete(operationId);
      if (!this.stopped && this.driven.has(operationId)) await this.finishOperation(operationId);
    }
  }

  private async skipRest(operationId: string, queue: StepRecord[], message: string): Promise<void> {
    for (const step of queue.splice(0)) await this.options.journal.transition(step.id, 'failed', message, this.now());
    this.announce(operationId);
  }

  /** Pause (no new steps start), resume, or cancel (steps not yet started end) a bulk operation. */
  async control(operationId: string, action: 'pause' | 'resume' | 'cancel'): Promise<OperationSummary> {
    const op = await this.options.journal.operation(operationId);
    if (!op) throw new AppError('not_found', 'That operation is not in the journal.');
    if (op.status !== 'running') throw new AppError('conflict', `${op.label} has already finished.`, { retryable: false });
    if (!op.policy) throw new AppError('conflict', 'Only bulk operations can be paused or cancelled.', { retryable: false });
    await this.options.journal.setControl(operationId, action === 'pause' ? 'paused' : action === 'cancel' ? 'cancelled' : 'run');
    this.wakers.get(operationId)?.();
    this.wakers.delete(operationId);
    if (action === 'cancel') {
      this.runner.endWaits(operationId);
    }
    await this.options.audit.append({
      action: `operations.${action}`,
      target: operationId,
      targetName: op.label,
      outcome: 'succeeded',
      message: `${action === 'pause' ? 'Paused' : action === 'cancel' ? 'Cancelled' : 'Resumed'} “${op.label}”.`,
    });
    this.announce(operationId);
    return (await this.summary(operationId))!;
  }

  summary(operationId: string): Promise<OperationSummary | null> {
    return this.views.summary(operationId);
  }

  list(limit: number): Promise<OperationSummary[]> {
    return this.views.list(limit);
  }

  detail(operationId: string): Promise<OperationDetail> {
    return this.views.detail(operationId);
  }

  transcript(stepId: string): Promise<{ hostname: string; label: string; text: string }> {
    return this.views.transcript(stepId);
  }

  /** A node's recent succeeded steps of a kind, with that kind's params (the journal holds what run() stored). */
  async recentSucceeded<K extends StepKind>(nodeId: string, kind: K): Promise<(StepRecord & { params: StepParamsByKind[K] })[]> {
    return (await this.options.journal.recentSucceeded(nodeId, kind)) as (StepRecord & { params: StepParamsByKind[K] })[];
  }

  /**
   * Runs the failed steps of a finished operation again, as a new operation under the same policy.
   * Each step is planned afresh from where its node is now (its baseline), so its verification
   * compares against today's node, not the one the first attempt saw.
   */
  async retryFailed(operationId: string): Promise<OperationSummary> {
    const op = await this.options.journal.operation(operationId);
    if (!op) throw new AppError('not_found', 'That operation is not in the journal.');
    if (op.status === 'running') throw new AppError('conflict', `${op.label} is still running; retry once it has finished.`, { retryable: true });
    // Retried once: a second retry of the same steps would reinstall nodes the first one fixed.
    if (op.retriedBy) throw new AppError('conflict', `“${op.label}” was retried already; look at that operation instead.`, { retryable: false });
    const failed = (await this.options.journal.steps(operationId)).filter((s) => s.state === 'failed' && s.message !== CANCELLED_BEFORE_RUN);
    if (failed.length === 0) throw new AppError('conflict', `Nothing in “${op.label}” failed, so there is nothing to retry.`, { retryable: false });
    const steps = failed.map((s) => {
      const node = this.options.fleet.snapshotNode(s.nodeId);
      const params = { ...s.params };
      if (node && 'baseline' in params) params.baseline = { state: node.state, updatedAt: node.updatedAt };
      // A stored step again: its kind and params are what run() stored for it (the journal is ours).
      return { nodeId: s.nodeId, kind: s.kind, params } as PlannedStep;
    });
    const label = `Retry ${failed.length} of “${op.label}”`;
    const retry = await this.startBulk(op.kind, label, steps, op.policy ?? { maxParallel: CONCURRENCY, canary: false, stopAfterFailures: 0 });
    await this.options.journal.setRetriedBy(operationId, retry.id);
    this.announce(operationId);
    return retry;
  }
}
