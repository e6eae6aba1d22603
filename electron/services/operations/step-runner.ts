/**
 * One step, from wherever the journal says it is to its verified outcome (docs/architecture.md#operations):
 * journalled before it is sent, sent through the provider, audited as accepted, then followed on the
 * node until it shows its effect and audited again with the outcome. A step a crash may have sent is
 * looked at on the node before anything is sent again. The bulk driver (engine.ts) decides which
 * steps run when; this decides nothing about other steps.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import type { FleetNode } from '../../../shared/model';
import { TRANSITIONAL_STATES } from '../../../shared/node-rules';
import type { EventBus } from '../../rpc/event-bus';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { Clock, Logger } from '../ports';
import type { OperationJournal, StepRecord } from './journal';
import type { NodeLeases } from './node-leases';
import type { StepContext, StepExecutor } from './step';
import { executorFor } from './step-kinds';

/** A test's window onto each boundary between journal writes and provider calls (a crash is injected there). */
export type Boundary = 'before-send' | 'after-send' | 'after-sent';

/** A bulk step's end when its operation was cancelled before the step was sent. */
export const CANCELLED_BEFORE_RUN = 'Cancelled before it ran.';
/** What a step that was waiting to be sent answers when Ironpane stops: it is still pending, and the next start sends it. */
const STOPPED_BEFORE_SEND = new AppError('unavailable', 'Ironpane stopped before this step was sent; it is sent at the next start.', { retryable: true });
export const DEFAULT_OUTCOME_TIMEOUT_MS = 15 * 60_000;
/** How often a bulk step waiting for another console's node asks again. */
const LEASE_WAIT_POLL_MS = 2_000;

interface NodeWatcher {
  step: StepRecord;
  /** Set on a step waiting for its node before it is sent (a cancel ends the wait). */
  beforeSend?: true;
  check(node: FleetNode): void;
  gone(): void;
  stop(): void;
}

export interface StepOutcome {
  ok: boolean;
  error?: AppErrorData;
  appError?: AppError;
  auditId?: string;
  verified?: Promise<'succeeded' | 'failed'>;
}

export interface StepRunnerOptions {
  journal: OperationJournal;
  fleet: FleetService;
  audit: AuditLog;
  bus: EventBus;
  log: Logger;
  clock: Clock;
  context: StepContext;
  /** Which console acts on a node now, in the store: a step takes its node before it is sent. */
  leases?: NodeLeases;
  outcomeTimeoutMs?: number;
  boundary?: (boundary: Boundary, step: StepRecord) => Promise<void> | void;
  /** A step of this operation moved (the engine tells the window). */
  changed(operationId: string): void;
  /** A step of this operation ended (the engine settles the operation if it was the last). */
  finished(operationId: string): Promise<void>;
}

export class StepRunner {
  private readonly watching = new Map<string, Set<NodeWatcher>>();
  /**
   * Steps this process is running now, to their verified end: the same step asked for again (an
   * operation adopted again after the store was away while its steps still ran) joins the run under
   * way instead of starting a second one.
   */
  private readonly underWay = new Map<string, Promise<StepOutcome>>();
  private readonly detachBus: () => void;
  private stopped = false;

  constructor(private readonly o: StepRunnerOptions) {
    // One listener for every step being verified or waiting for its node: a 10,000-node patch is scanned once.
    this.detachBus = o.bus.on((event, payload) => {
      if (event !== 'fleet.changed' || this.watching.size === 0) return;
      const patch = payload as { upserts: FleetNode[]; removed: string[] };
      for (const node of patch.upserts) this.watching.get(node.id)?.forEach((v) => v.check(node));
      for (const id of patch.removed) this.watching.get(id)?.forEach((v) => v.gone());
    });
  }

  stop(): void {
    this.stopped = true;
    this.detachBus();
    for (const set of [...this.watching.values()]) for (const v of [...set]) v.stop();
  }

  /** Whether a step of the operation waits for its node before being sent. */
  waiting(operationId: string): boolean {
    for (const set of this.watching.values()) for (const w of set) if (w.beforeSend && w.step.operationId === operationId) return true;
    return false;
  }

  /** Ends the waits of an operation's steps that wait for their node before being sent (a cancel). */
  endWaits(operationId: string): void {
    for (const set of [...this.watching.values()]) for (const w of [...set]) if (w.beforeSend && w.step.operationId === operationId) w.stop();
  }

  private now(): Date {
    return new Date(this.o.clock.now());
  }

  /** The step's audit entry: its kind's action name, the node, and what happened. */
  private audit(step: StepRecord, outcome: 'accepted' | 'succeeded' | 'failed', message: string) {
    const action = executorFor(step.kind)?.auditAction(step.params) ?? step.kind;
    return this.o.audit.append({ action, target: step.nodeId, targetName: step.hostname, outcome, message });
  }

  /**
   * Runs one step from wherever the journal says it is. A bulk operation's step (`waitForNode`)
   * waits for a node that is moving to settle; a single action answers at once that it cannot run.
   */
  execute(step: StepRecord, resumed = false, waitForNode = false): Promise<StepOutcome> {
    const running = this.underWay.get(step.id);
    if (running) return running;
    const outcome = this.run(step, resumed, waitForNode);
    this.underWay.set(step.id, outcome);
    const done = (): void => void this.underWay.delete(step.id);
    outcome.then((o) => (o.verified ? void o.verified.finally(done) : done()), done);
    return outcome;
  }

  private async run(step: StepRecord, resumed: boolean, waitForNode: boolean): Promise<StepOutcome> {
    const executor = executorFor(step.kind);
    const release = () => this.releaseLease(step);
    const fail = async (error: AppError) => {
      await this.o.journal.transition(step.id, 'failed', error.message, this.now());
      release();
      await this.audit(step, 'failed', error.message);
      await this.o.finished(step.operationId);
      return { ok: false, error: error.toData(), appError: error };
    };
    if (!executor) return fail(new AppError('internal', `Ironpane does not know how to run a "${step.kind}" step.`));
    let node: FleetNode;
    try {
      node = this.o.fleet.node(step.nodeId);
    } catch (error) {
      return fail(isAppError(error) ? error : new AppError('not_found', `${step.hostname} is no longer in the fleet.`));
    }

    // Taken before anything is sent or looked at, and held until the step ends: while this console
    // holds the node no other console sends it anything.
    const refused = await this.claimLease(step, executor.label(step.params), waitForNode);
    if (refused === 'cancelled') {
      await this.o.journal.transition(step.id, 'failed', CANCELLED_BEFORE_RUN, this.now());
      this.o.changed(step.operationId);
      return { ok: false, error: new AppError('conflict', CANCELLED_BEFORE_RUN).toData() };
    }
    if (refused) return fail(refused);
    // Read again once the node is ours: another console that drove this step before (and died, or
    // let its hold lapse) may have moved it on. A finished step is not run again; one it may have
    // sent is looked at on the node first, like a step a crash left.
    const stored = await this.o.journal.step(step.id);
    if (!stored || stored.state === 'succeeded' || stored.state === 'failed') {
      release();
      this.o.changed(step.operationId);
      return stored?.state === 'succeeded'
        ? { ok: true }
        : { ok: false, error: new AppError('conflict', stored?.message || 'That step has already ended.').toData() };
    }
    if (stored.state !== step.state) resumed = true;
    step = stored;
    // The node as it is now: taking it may have waited for another console, and a step verified from
    // a node read before that wait would miss a change the fleet announced meanwhile.
    node = this.o.fleet.snapshotNode(step.nodeId) ?? node;

    if (step.state === 'sending') {
      // The previous run may have sent it: look at the node itself before anything is sent again.
      await this.o.fleet.refreshNode(step.nodeId).catch(() => undefined);
      node = this.o.fleet.snapshotNode(step.nodeId) ?? node;
      if (executor.applied(node, step.params)) {
        step = await this.o.journal.transition(
          step.id,
          'sent',
          `${executor.label(step.params)} had reached ${step.hostname} before the console running it stopped; not sent again.`,
          this.now(),
        );
        this.o.changed(step.operationId);
        const entry = await this.audit(step, 'accepted', step.message);
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
        if (!this.stopped && (await this.o.journal.operation(step.operationId))?.control === 'cancelled') {
          await this.o.journal.transition(step.id, 'failed', CANCELLED_BEFORE_RUN, this.now());
          release();
          this.o.changed(step.operationId);
          return { ok: false, error: new AppError('conflict', CANCELLED_BEFORE_RUN).toData() };
        }
      }
      if (this.stopped) {
        release();
        return { ok: false, error: STOPPED_BEFORE_SEND.toData(), appError: STOPPED_BEFORE_SEND };
      }
      const blocked = executor.blocked(node, step.params);
      if (blocked) return fail(new AppError('conflict', `${executor.label(step.params)} ${step.hostname}: ${blocked}`));
      step = await this.o.journal.transition(
        step.id,
        'sending',
        resumed ? 'Picked up again (the console running it had stopped); sending.' : 'Sending.',
        this.now(),
      );
      this.o.changed(step.operationId);
      await this.o.boundary?.('before-send', step);
      try {
        const learned = await executor.send(this.o.context, node, step.params, step.id);
        // The node's own update time from before the request (the executor may have read a fresher one):
        // verification compares the provider's timestamps with each other, never with our clock.
        step = await this.o.journal.setParams(step.id, { ...step.params, beforeSend: node.updatedAt, ...learned });
        break;
      } catch (cause) {
        const error = isAppError(cause) ? cause : new AppError('internal', 'The action failed unexpectedly.', { cause });
        if (waitForNode && attempt === 1 && (error.code === 'invalid' || error.code === 'conflict')) {
          await this.o.fleet.refreshNode(step.nodeId).catch(() => undefined);
          const fresh = this.o.fleet.snapshotNode(step.nodeId);
          if (fresh && TRANSITIONAL_STATES.has(fresh.state)) {
            node = fresh;
            continue;
          }
        }
        return fail(error);
      }
    }
    await this.o.boundary?.('after-send', step);
    step = await this.o.journal.transition(step.id, 'sent', `${executor.label(step.params)} requested for ${step.hostname}.`, this.now());
    this.o.changed(step.operationId);
    const entry = await this.audit(step, 'accepted', step.message);
    await this.o.boundary?.('after-sent', step);
    // Show the new state at once; the fleet's fast lane follows the node from there.
    await this.o.fleet.refreshNode(step.nodeId).catch(() => undefined);
    return { ok: true, auditId: entry.id, verified: this.verify(step, this.o.fleet.snapshotNode(step.nodeId) ?? node, executor) };
  }

  /**
   * A node in the middle of something (a reboot it started itself, a power change someone else
   * asked for) cannot take a step yet: the step stays pending, saying what it waits for, until the
   * node settles, leaves the fleet, or the outcome timeout passes. Resolves with the node as it is then.
   */
  private async settled(step: StepRecord, node: FleetNode): Promise<FleetNode> {
    if (this.stopped) return node;
    await this.o.journal.transition(
      step.id,
      'pending',
      `Waiting for ${step.hostname} to finish ${node.state.replace('_', ' ')}; sends once it settles.`,
      this.now(),
    );
    this.o.changed(step.operationId);
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
      const timer = setTimeout(done, this.o.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS);
      timer.unref?.();
    });
  }

  /**
   * Takes the step's node in the store. A single action is refused at once when another console
   * holds the node; a bulk step (`wait`) waits for it, saying so, until it is free, the operation is
   * cancelled, or the outcome timeout passes.
   */
  private async claimLease(step: StepRecord, what: string, wait: boolean): Promise<AppError | 'cancelled' | null> {
    const leases = this.o.leases;
    if (!leases) return null;
    const deadline = this.o.clock.now() + (this.o.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS);
    for (let said = false; ;) {
      try {
        await leases.claim(step, what);
        return null;
      } catch (cause) {
        const error = isAppError(cause) ? cause : new AppError('unavailable', 'The shared store did not answer; nothing was sent.', { cause });
        if (!wait || error.code !== 'conflict' || this.stopped || this.o.clock.now() > deadline) return error;
        if ((await this.o.journal.operation(step.operationId))?.control === 'cancelled') return 'cancelled';
        // Only a step never sent says it waits: one that may have been sent keeps its state, so a
        // crash while it waits still looks at the node before sending.
        if (!said && step.state === 'pending') {
          await this.o.journal.transition(step.id, 'pending', `Waiting: ${error.message}`, this.now());
          this.o.changed(step.operationId);
          said = true;
        }
        await new Promise((resolve) => setTimeout(resolve, LEASE_WAIT_POLL_MS));
      }
    }
  }

  /** Lets the node go once its step ended; a store that is away lets the lease run out instead. */
  private releaseLease(step: StepRecord): void {
    this.o.leases?.release(step).catch((error: unknown) => this.o.log.warn('could not release a node lease; it runs out by itself', { cause: error }));
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
    const sentAt = Date.parse(step.sentAt ?? new Date(this.o.clock.now()).toISOString());
    let finished = false;
    const finish = (outcome: 'succeeded' | 'failed', message: string) => {
      if (finished || this.stopped) return;
      finished = true;
      stop();
      // Audited first, journalled after: an operation never reads as finished while an outcome is
      // still unwritten (a crash in between re-verifies the step and audits it again, sending nothing).
      const audited = this.audit(step, outcome, message).catch((error: unknown) => this.o.log.error('could not record a step outcome', { cause: error }));
      void audited.then(async () => {
        if (this.stopped) return;
        try {
          await this.o.journal.transition(step.id, outcome, message, this.now());
        } catch (error) {
          // The store is away: the step stays sent in it, its lease runs out, and whoever drives the
          // operation next verifies it again (sending nothing).
          this.o.log.warn('could not record a step outcome in the store', { stepId: step.id, cause: error });
          settleWith(outcome);
          return;
        }
        this.releaseLease(step);
        if (step.kind === 'power') {
          this.o.bus.emit('actions.outcome', {
            nodeId: step.nodeId,
            hostname: step.hostname,
            action: step.params.action as 'power_on',
            outcome,
            message,
          });
        }
        await this.o.finished(step.operationId);
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
      executor.confirm(this.o.context, node, step.params, result.message).then(
        (confirmed) => finish(confirmed.ok ? 'succeeded' : 'failed', confirmed.message),
        (error: unknown) =>
          finish(
            'failed',
            `${executor.label(step.params)} ${step.hostname}: could not confirm the result (${isAppError(error) ? error.message : 'an unexpected error'}).`,
          ),
      );
    };
    // A reinstall writes a disk and runs a first boot: its executor asks for more than a power action's time.
    const timeoutMs = (this.o.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS) * (executor.timeoutFactor ?? 1);
    const left = Math.max(0, sentAt + timeoutMs - this.o.clock.now());
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
}

function minutes(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}
