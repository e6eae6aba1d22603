/**
 * The operations engine (docs/architecture.md#operations): every action that changes a machine is
 * an operation, a plan of steps, one per node. Each step is journalled before it runs, sent through
 * the provider, audited as accepted, then verified against the node's observed state and audited
 * again with its outcome. After a crash the next start reloads unfinished steps: one that was never
 * sent runs; one that may have been sent is looked at on the node first (fresh from the provider),
 * and only sent if it did not take effect, so no step is sent twice; one that was sent is verified.
 */
import { forEachLimited } from '../../../shared/concurrency';
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import type { FleetNode, OperationDetail, OperationSummary } from '../../../shared/model';
import { TRANSITIONAL_STATES } from '../../../shared/node-rules';
import type { EventBus } from '../../rpc/event-bus';
import type { ProviderFor } from '../providers/provider';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { Clock, Logger } from '../ports';
import { systemClock } from '../ports';
import type { BulkPolicy, OperationJournal, StepRecord } from './journal';
import { executorFor, type PlannedStep, type StepKind, type StepParamsByKind } from './step-kinds';
import type { StepContext, StepExecutor } from './step';

/** A test's window onto each boundary between journal writes and provider calls (a crash is injected there). */
export type Boundary = 'before-send' | 'after-send' | 'after-sent';

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
}

const DEFAULT_OUTCOME_TIMEOUT_MS = 15 * 60_000;
const CONCURRENCY = 4;
/** A bulk step's end when its operation was cancelled before the step was sent. */
const CANCELLED_BEFORE_RUN = 'Cancelled before it ran.';
/** What a step that was waiting to be sent answers when Ironpane stops: it is still pending, and the next start sends it. */
const STOPPED_BEFORE_SEND = new AppError('unavailable', 'Ironpane stopped before this step was sent; it is sent at the next start.', { retryable: true });

interface NodeWatcher {
  step: StepRecord;
  /** Set on a step waiting for its node before it is sent (a cancel ends the wait). */
  beforeSend?: true;
  check(node: FleetNode): void;
  gone(): void;
  stop(): void;
}

export class OperationsEngine {
  private readonly watching = new Map<string, Set<NodeWatcher>>();
  private readonly detachBus: () => void;
  private stopped = false;
  private readonly clock: Clock;

  private readonly context: StepContext;

  constructor(private readonly options: OperationsEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.context = {
      providerFor: options.providerFor,
      runbooks: options.runbooks,
      saveTranscript: (stepId, text) => options.journal.saveTranscript(stepId, text),
    };
    // One listener for every step being verified or waiting for its node: a 10,000-node patch is scanned once.
    this.detachBus = options.bus.on((event, payload) => {
      if (event !== 'fleet.changed' || this.watching.size === 0) return;
      const patch = payload as { upserts: FleetNode[]; removed: string[] };
      for (const node of patch.upserts) this.watching.get(node.id)?.forEach((v) => v.check(node));
      for (const id of patch.removed) this.watching.get(id)?.forEach((v) => v.gone());
    });
  }

  /** How many operations have not finished (a restart would interrupt them). */
  runningCount(): number {
    return this.options.journal.running().length;
  }

  stop(): void {
    this.stopped = true;
    this.detachBus();
    for (const set of [...this.watching.values()]) for (const v of [...set]) v.stop();
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
    const { operation, steps: records } = this.options.journal.create(kind, label, this.options.actor, planned, this.now());
    this.announce(operation.id);
    const results: { nodeId: string; hostname: string; ok: boolean; error?: AppErrorData; appError?: AppError; auditId?: string }[] = new Array(records.length);
    await forEachLimited(records, CONCURRENCY, async (step, index) => {
      const outcome = await this.execute(step);
      results[index] = { nodeId: step.nodeId, hostname: step.hostname, ...outcome };
    });
    return { operationId: operation.id, results };
  }

  /**
   * Runs one step from wherever the journal says it is. A bulk operation's step (`waitForNode`)
   * waits for a node that is moving to settle; a single action answers at once that it cannot run.
   */
  private async execute(
    step: StepRecord,
    resumed = false,
    waitForNode = false,
  ): Promise<{ ok: boolean; error?: AppErrorData; appError?: AppError; auditId?: string; verified?: Promise<'succeeded' | 'failed'> }> {
    const executor = executorFor(step.kind);
    const fail = async (error: AppError) => {
      this.options.journal.transition(step.id, 'failed', error.message, this.now());
      await this.options.audit.append({
        action: executor?.auditAction(step.params) ?? step.kind,
        target: step.nodeId,
        targetName: step.hostname,
        outcome: 'failed',
        message: error.message,
      });
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
        step = this.options.journal.transition(
          step.id,
          'sent',
          `${executor.label(step.params)} had reached ${step.hostname} before Ironpane stopped; not sent again.`,
          this.now(),
        );
        this.announce(step.operationId);
        const entry = await this.options.audit.append({
          action: executor.auditAction(step.params),
          target: step.nodeId,
          targetName: step.hostname,
          outcome: 'accepted',
          message: step.message,
        });
        // It already left where it was planned from (that is how we know it was sent), perhaps long
        // before this start: the node may have settled before the journal's new sent time.
        return { ok: true, auditId: entry.id, verified: this.verify(step, node, executor, { leftStart: true }) };
      }
      if (executor.notResentAfterCrash) {
        return fail(
          new AppError(
            'unavailable',
            `${executor.label(step.params)} on ${step.hostname} was under way when Ironpane stopped, and the node does not show it finished. It was not run again: read its transcript and the node's console, then retry it if it is safe.`,
            { retryable: true },
          ),
        );
      }
    }
    if (step.state === 'sent') return { ok: true, verified: this.verify(step, node, executor) };

    // A refusal because the node moved under the plan (a reboot it started itself) waits for it
    // and is sent once more; only a refusal counts: any other failure may have reached the node.
    for (let attempt = 1; ; attempt++) {
      if (waitForNode && TRANSITIONAL_STATES.has(node.state)) {
        node = await this.settled(step, node);
        // Cancelled while it waited: it never started, so it ends as the steps in the queue do.
        if (!this.stopped && this.options.journal.operation(step.operationId)?.control === 'cancelled') {
          this.options.journal.transition(step.id, 'failed', CANCELLED_BEFORE_RUN, this.now());
          this.announce(step.operationId);
          return { ok: false, error: new AppError('conflict', CANCELLED_BEFORE_RUN).toData() };
        }
      }
      if (this.stopped) return { ok: false, error: STOPPED_BEFORE_SEND.toData(), appError: STOPPED_BEFORE_SEND };
      const blocked = executor.blocked(node, step.params);
      if (blocked) return fail(new AppError('conflict', `${executor.label(step.params)} ${step.hostname}: ${blocked}`));
      step = this.options.journal.transition(step.id, 'sending', resumed ? 'Resumed after a restart; sending.' : 'Sending.', this.now());
      this.announce(step.operationId);
      await this.options.boundary?.('before-send', step);
      try {
        const learned = await executor.send(this.context, node, step.params, step.id);
        // The node's own update time from before the request (the executor may have read a fresher one):
        // verification compares the provider's timestamps with each other, never with our clock.
        step = this.options.journal.setParams(step.id, { ...step.params, beforeSend: node.updatedAt, ...learned });
        break;
      } catch (cause) {
        const error = isAppError(cause) ? cause : new AppError('internal', 'The action failed unexpectedly.', { cause });
        if (waitForNode && attempt === 1 && (error.code === 'invalid' || error.code === 'conflict')) {
          await this.options.fleet.refreshNode(step.nodeId).catch(() => undefined);
          const fresh = this.options.fleet.snapshotNode(step.nodeId);
          if (fresh && TRANSITIONAL_STATES.has(fresh.state)) {
            node = fresh;
            continue;
          }
        }
        return fail(error);
      }
    }
    await this.options.boundary?.('after-send', step);
    step = this.options.journal.transition(step.id, 'sent', `${executor.label(step.params)} requested for ${step.hostname}.`, this.now());
    this.announce(step.operationId);
    const entry = await this.options.audit.append({
      action: executor.auditAction(step.params),
      target: step.nodeId,
      targetName: step.hostname,
      outcome: 'accepted',
      message: step.message,
    });
    await this.options.boundary?.('after-sent', step);
    // Show the new state at once; the fleet's fast lane follows the node from there.
    await this.options.fleet.refreshNode(step.nodeId).catch(() => undefined);
    return { ok: true, auditId: entry.id, verified: this.verify(step, this.options.fleet.snapshotNode(step.nodeId) ?? node, executor) };
  }

  /**
   * A node in the middle of something (a reboot it started itself, a power change someone else
   * asked for) cannot take a step yet: the step stays pending, saying what it waits for, until the
   * node settles, leaves the fleet, or the outcome timeout passes. Resolves with the node as it is then.
   */
  private settled(step: StepRecord, node: FleetNode): Promise<FleetNode> {
    if (this.stopped) return Promise.resolve(node);
    this.options.journal.transition(
      step.id,
      'pending',
      `Waiting for ${step.hostname} to finish ${node.state.replace('_', ' ')}; sends once it settles.`,
      this.now(),
    );
    this.announce(step.operationId);
    return new Promise<FleetNode>((resolve) => {
      let latest = node;
      const done = () => {
        clearTimeout(timer);
        unwatch();
        resolve(latest);
      };
      const unwatch = this.watch({
        step,
        beforeSend: true,
        check: (fresh) => {
          latest = fresh;
          if (!TRANSITIONAL_STATES.has(fresh.state)) done();
        },
        gone: done,
        stop: done,
      });
      const timer = setTimeout(done, this.options.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS);
      timer.unref?.();
    });
  }

  /** Hands the watcher every fleet patch that touches its step's node, until the returned call. */
  private watch(watcher: NodeWatcher): () => void {
    const { nodeId } = watcher.step;
    const set = this.watching.get(nodeId) ?? new Set<NodeWatcher>();
    set.add(watcher);
    this.watching.set(nodeId, set);
    return () => {
      const current = this.watching.get(nodeId);
      current?.delete(watcher);
      if (current?.size === 0) this.watching.delete(nodeId);
    };
  }

  /** Follows the node until the step shows its effect, fails, or runs out of time. */
  private verify(step: StepRecord, current: FleetNode, executor: StepExecutor, seen = { leftStart: false }): Promise<'succeeded' | 'failed'> {
    let settleWith: (outcome: 'succeeded' | 'failed') => void = () => undefined;
    const settled = new Promise<'succeeded' | 'failed'>((resolve) => (settleWith = resolve));
    if (this.stopped) return settled;
    const sentAt = Date.parse(step.sentAt ?? new Date(this.clock.now()).toISOString());
    let finished = false;
    const finish = (outcome: 'succeeded' | 'failed', message: string) => {
      if (finished || this.stopped) return;
      finished = true;
      stop();
      // Audited first, journalled after: an operation never reads as finished while an outcome is
      // still unwritten (a crash in between re-verifies the step and audits it again, sending nothing).
      const audited = this.options.audit
        .append({ action: executor.auditAction(step.params), target: step.nodeId, targetName: step.hostname, outcome, message })
        .catch((error: unknown) => this.options.log.error('could not record a step outcome', { cause: error }));
      void audited.then(() => {
        if (this.stopped) return;
        this.options.journal.transition(step.id, outcome, message, this.now());
        if (step.kind === 'power') {
          this.options.bus.emit('actions.outcome', {
            nodeId: step.nodeId,
            hostname: step.hostname,
            action: step.params.action as 'power_on',
            outcome,
            message,
          });
        }
        this.finishOperation(step.operationId);
        settleWith(outcome);
      });
    };
    let confirming = false;
    const check = (node: FleetNode) => {
      if (finished || confirming) return;
      // Its update time moved past the one from just before the request: it has left where it was,
      // even if the whole action happened before anyone looked (a queue, a slow host).
      const before = step.params.beforeSend;
      if (typeof before === 'string' && node.updatedAt !== before) seen.leftStart = true;
      const result = executor.settle(node, step.params, sentAt, seen);
      if (!result) return;
      if (result.outcome === 'failed' || !executor.confirm) return finish(result.outcome, result.message);
      confirming = true;
      executor.confirm(this.context, node, step.params, result.message).then(
        (confirmed) => finish(confirmed.ok ? 'succeeded' : 'failed', confirmed.message),
        (error: unknown) =>
          finish(
            'failed',
            `${executor.label(step.params)} ${step.hostname}: could not confirm the result (${isAppError(error) ? error.message : 'an unexpected error'}).`,
          ),
      );
    };
    // A reinstall writes a disk and runs a first boot: its executor asks for more than a power action's time.
    const timeoutMs = (this.options.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS) * (executor.timeoutFactor ?? 1);
    const left = Math.max(0, sentAt + timeoutMs - this.clock.now());
    const timer = setTimeout(
      () =>
        finish(
          'failed',
          `${executor.label(step.params)} ${step.hostname}: not ${executor.expectation(step.params)} after ${minutes(timeoutMs)}. Check its console and events.`,
        ),
      left,
    );
    timer.unref?.();
    const unwatch = this.watch({
      step,
      check,
      gone: () => finish('failed', `${executor.label(step.params)} ${step.hostname}: the node left the fleet before it settled.`),
      stop: () => stop(),
    });
    const stop = () => {
      clearTimeout(timer);
      unwatch();
    };
    check(current);
    return settled;
  }

  private finishOperation(operationId: string): void {
    this.options.journal.settle(operationId, this.now(), CANCELLED_BEFORE_RUN);
    this.announce(operationId);
  }

  private announce(operationId: string): void {
    const summary = this.summary(operationId);
    if (summary) this.options.bus.emit('operations.changed', summary);
  }

  /** Picks up what a previous run left: called once at start, after the fleet's first sync. */
  async recover(): Promise<number> {
    const bulk = new Set(
      this.options.journal
        .running()
        .filter((op) => op.policy)
        .map((op) => op.id),
    );
    const open = this.options.journal.unfinished();
    for (const id of bulk) void this.drive(id, true);
    for (const step of open) {
      if (bulk.has(step.operationId)) continue;
      this.announce(step.operationId);
      await this.execute(step, true).catch((error: unknown) => this.options.log.error('could not resume a step', { stepId: step.id, cause: error }));
    }
    return open.length;
  }

  // ---- bulk operations under a policy -------------------------------------------------------------

  private readonly driving = new Set<string>();
  private readonly wakers = new Map<string, () => void>();

  /** Starts a bulk operation and returns at once; it runs (and survives a restart) under its policy. */
  startBulk(kind: string, label: string, steps: PlannedStep[], policy: BulkPolicy): OperationSummary {
    const planned = steps.map((s) => ({ ...s, hostname: this.options.fleet.snapshotNode(s.nodeId)?.hostname ?? s.nodeId }));
    const { operation } = this.options.journal.create(kind, label, this.options.actor, planned, this.now(), policy);
    void this.drive(operation.id, false);
    this.announce(operation.id);
    return this.summary(operation.id)!;
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
      const policy = journal.operation(operationId)?.policy ?? { maxParallel: CONCURRENCY, canary: false, stopAfterFailures: 0 };
      const steps = journal.steps(operationId);
      const queue = steps.filter((s) => s.state === 'pending');
      const inFlight = new Set<Promise<void>>();
      const runOne = (step: StepRecord, again: boolean) => {
        const job = (async () => {
          const result = await this.execute(step, again, true);
          if (result.ok && result.verified) await result.verified;
        })()
          .catch((error: unknown) => this.options.log.error('a bulk step failed unexpectedly', { stepId: step.id, cause: error }))
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
        return job;
      };
      for (const open of steps.filter((s) => s.state === 'sending' || s.state === 'sent')) void runOne(open, true);
      const anyDone = () => journal.counts(operationId).succeeded > 0;
      if (policy.canary && queue.length > 0 && inFlight.size === 0 && !anyDone()) {
        await runOne(queue.shift()!, resumed);
        if (journal.counts(operationId).failed > 0) return this.skipRest(operationId, queue, 'Not run: the canary failed, so the operation stopped.');
      }
      while (queue.length > 0) {
        if (this.stopped) return;
        const control = journal.operation(operationId)?.control ?? 'run';
        if (control === 'cancelled') return this.skipRest(operationId, queue, CANCELLED_BEFORE_RUN);
        if (control === 'paused') {
          await new Promise<void>((resolve) => this.wakers.set(operationId, resolve));
          continue;
        }
        const failed = journal.counts(operationId).failed;
        if (policy.stopAfterFailures > 0 && failed >= policy.stopAfterFailures) {
          return this.skipRest(operationId, queue, `Not run: the operation stopped after ${failed} failure${failed === 1 ? '' : 's'}.`);
        }
        if (inFlight.size >= Math.max(1, policy.maxParallel)) {
          await Promise.race(inFlight);
          continue;
        }
        void runOne(queue.shift()!, resumed);
      }
      await Promise.all(inFlight);
    } finally {
      this.driving.delete(operationId);
      if (!this.stopped) this.finishOperation(operationId);
    }
  }

  private skipRest(operationId: string, queue: StepRecord[], message: string): void {
    for (const step of queue.splice(0)) this.options.journal.transition(step.id, 'failed', message, this.now());
    this.announce(operationId);
  }

  /** Pause (no new steps start), resume, or cancel (steps not yet started end) a bulk operation. */
  async control(operationId: string, action: 'pause' | 'resume' | 'cancel'): Promise<OperationSummary> {
    const op = this.options.journal.operation(operationId);
    if (!op) throw new AppError('not_found', 'That operation is not in the journal.');
    if (op.status !== 'running') throw new AppError('conflict', `${op.label} has already finished.`, { retryable: false });
    if (!op.policy) throw new AppError('conflict', 'Only bulk operations can be paused or cancelled.', { retryable: false });
    this.options.journal.setControl(operationId, action === 'pause' ? 'paused' : action === 'cancel' ? 'cancelled' : 'run');
    this.wakers.get(operationId)?.();
    this.wakers.delete(operationId);
    if (action === 'cancel') {
      for (const set of [...this.watching.values()]) for (const w of [...set]) if (w.beforeSend && w.step.operationId === operationId) w.stop();
    }
    await this.options.audit.append({
      action: `operations.${action}`,
      target: operationId,
      targetName: op.label,
      outcome: 'succeeded',
      message: `${action === 'pause' ? 'Paused' : action === 'cancel' ? 'Cancelled' : 'Resumed'} “${op.label}”.`,
    });
    this.announce(operationId);
    return this.summary(operationId)!;
  }

  summary(operationId: string): OperationSummary | null {
    const op = this.options.journal.operation(operationId);
    if (!op) return null;
    const c = this.options.journal.counts(operationId);
    const cancelled = c.failed > 0 && op.control === 'cancelled' ? this.options.journal.cancelledCount(operationId, CANCELLED_BEFORE_RUN) : 0;
    const remaining = c.pending + c.sending + c.sent;
    // The pace so far, spread over the steps allowed in flight; one aggregate query, not every step read back.
    const averageMs = op.status === 'running' && remaining > 0 && op.policy ? this.options.journal.averageStepMs(operationId) : null;
    const etaMs = averageMs === null || !op.policy ? null : Math.round((averageMs * remaining) / Math.max(1, op.policy.maxParallel));
    return {
      id: op.id,
      kind: op.kind,
      label: op.label,
      actor: op.actor,
      createdAt: op.createdAt,
      finishedAt: op.finishedAt,
      status: op.status,
      control: op.control,
      policy: op.policy,
      total: remaining + c.succeeded + c.failed,
      done: c.succeeded,
      failed: c.failed - cancelled,
      cancelled,
      retriedBy: op.retriedBy,
      inFlight: c.sending + c.sent,
      etaMs,
    };
  }

  list(limit: number): OperationSummary[] {
    return this.options.journal.recent(limit).map((op) => this.summary(op.id)!);
  }

  detail(operationId: string): OperationDetail {
    const summary = this.summary(operationId);
    if (!summary) throw new AppError('not_found', 'That operation is not in the journal.');
    const transcripts = this.options.journal.stepsWithTranscript(operationId);
    return {
      ...summary,
      steps: this.options.journal.steps(operationId).map((s) => ({
        id: s.id,
        nodeId: s.nodeId,
        hostname: s.hostname,
        kind: s.kind,
        label: executorFor(s.kind)?.label(s.params) ?? s.kind,
        state: s.state,
        attempts: s.attempts,
        startedAt: s.startedAt,
        sentAt: s.sentAt,
        finishedAt: s.finishedAt,
        message: s.message,
        hasTranscript: transcripts.has(s.id),
      })),
    };
  }

  /** A node's most recent succeeded steps of a kind, newest first (what a rollback goes back from). */
  /** A node's recent succeeded steps of a kind, with that kind's params (the journal holds what run() stored). */
  recentSucceeded<K extends StepKind>(nodeId: string, kind: K): (StepRecord & { params: StepParamsByKind[K] })[] {
    return this.options.journal.recentSucceeded(nodeId, kind) as (StepRecord & { params: StepParamsByKind[K] })[];
  }

  transcript(stepId: string): { hostname: string; label: string; text: string } {
    const step = this.options.journal.step(stepId);
    const text = step ? this.options.journal.transcript(stepId) : null;
    if (!step || text === null) throw new AppError('not_found', 'That step kept no transcript.');
    return { hostname: step.hostname, label: executorFor(step.kind)?.label(step.params) ?? step.kind, text };
  }

  /**
   * Runs the failed steps of a finished operation again, as a new operation under the same policy.
   * Each step is planned afresh from where its node is now (its baseline), so its verification
   * compares against today's node, not the one the first attempt saw.
   */
  retryFailed(operationId: string): OperationSummary {
    const op = this.options.journal.operation(operationId);
    if (!op) throw new AppError('not_found', 'That operation is not in the journal.');
    if (op.status === 'running') throw new AppError('conflict', `${op.label} is still running; retry once it has finished.`, { retryable: true });
    // Retried once: a second retry of the same steps would reinstall nodes the first one fixed.
    if (op.retriedBy) throw new AppError('conflict', `“${op.label}” was retried already; look at that operation instead.`, { retryable: false });
    const failed = this.options.journal.steps(operationId).filter((s) => s.state === 'failed' && s.message !== CANCELLED_BEFORE_RUN);
    if (failed.length === 0) throw new AppError('conflict', `Nothing in “${op.label}” failed, so there is nothing to retry.`, { retryable: false });
    const steps = failed.map((s) => {
      const node = this.options.fleet.snapshotNode(s.nodeId);
      const params = { ...s.params };
      if (node && 'baseline' in params) params.baseline = { state: node.state, updatedAt: node.updatedAt };
      // A stored step again: its kind and params are what run() stored for it (the journal is ours).
      return { nodeId: s.nodeId, kind: s.kind, params } as PlannedStep;
    });
    const label = `Retry ${failed.length} of “${op.label}”`;
    const retry = this.startBulk(op.kind, label, steps, op.policy ?? { maxParallel: CONCURRENCY, canary: false, stopAfterFailures: 0 });
    this.options.journal.setRetriedBy(operationId, retry.id);
    this.announce(operationId);
    return retry;
  }
}

function minutes(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}
