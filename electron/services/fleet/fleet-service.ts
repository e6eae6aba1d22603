/**
 * Polls every account's provider, keeps the normalised fleet in main and pushes patches to the
 * renderer. Polling is faster while any of an account's nodes is in a transitional state, and an
 * action asks for a prompt refresh so the user sees `powering_off` without waiting a full interval.
 */
import { AppError, isAppError } from '../../../shared/errors';
import { TRANSITIONAL_STATES, type FleetNode, type NodeEvent } from '../../../shared/model';
import type { FleetSnapshot } from '../../../shared/contract';
import type { EventBus } from '../../rpc/event-bus';
import type { AccountService } from '../accounts/account-service';
import type { Clock, Logger } from '../ports';
import { diffAccountNodes } from './fleet-diff';

export interface FleetServiceOptions {
  accounts: AccountService;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** Steady-state interval between polls of one account. */
  pollIntervalMs?: number;
  /** Interval while something is changing state. */
  busyPollIntervalMs?: number;
}

interface AccountLoop {
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  again: boolean;
  stopped: boolean;
}

export class FleetService {
  private readonly nodes = new Map<string, FleetNode>();
  private readonly fingerprints = new Map<string, Map<string, string>>();
  private readonly loops = new Map<string, AccountLoop>();
  private version = 0;
  private started = false;
  /** Duration of the last poll's normalise + diff work, for the bench. */
  lastPollCost = { fetchMs: 0, diffMs: 0, upserts: 0 };

  constructor(private readonly options: FleetServiceOptions) {}

  start(): void {
    this.started = true;
    this.syncLoops();
  }

  stop(): void {
    this.started = false;
    for (const loop of this.loops.values()) {
      loop.stopped = true;
      if (loop.timer) clearTimeout(loop.timer);
    }
    this.loops.clear();
  }

  /** Call after accounts change: starts loops for new accounts, drops nodes of removed ones. */
  syncLoops(): void {
    if (!this.started) return;
    const ids = new Set(this.options.accounts.ids());
    for (const [accountId, loop] of this.loops) {
      if (ids.has(accountId)) continue;
      loop.stopped = true;
      if (loop.timer) clearTimeout(loop.timer);
      this.loops.delete(accountId);
      this.dropAccount(accountId);
    }
    for (const accountId of ids) {
      if (!this.loops.has(accountId)) {
        this.loops.set(accountId, { timer: null, running: null, again: false, stopped: false });
        void this.poll(accountId);
      }
    }
  }

  snapshot(): FleetSnapshot {
    return { version: this.version, nodes: [...this.nodes.values()] };
  }

  node(nodeId: string): FleetNode {
    const node = this.nodes.get(nodeId);
    if (!node) throw new AppError('not_found', `Node ${nodeId} is not in the fleet (it may have been deleted).`);
    return node;
  }

  async nodeEvents(nodeId: string): Promise<NodeEvent[]> {
    const node = this.node(nodeId);
    const provider = await this.options.accounts.provider(node.accountId);
    return provider.nodeEvents(node.deviceId);
  }

  /** Polls now (or right after the poll in flight) and resolves when that poll has finished. */
  async refresh(accountId?: string): Promise<number> {
    const ids = accountId ? [accountId] : [...this.loops.keys()];
    await Promise.all(ids.map((id) => this.poll(id)));
    return ids.length;
  }

  private poll(accountId: string): Promise<void> {
    const loop = this.loops.get(accountId);
    if (!loop || loop.stopped) return Promise.resolve();
    if (loop.running) {
      loop.again = true;
      return loop.running;
    }
    if (loop.timer) clearTimeout(loop.timer);
    loop.timer = null;
    loop.running = this.pollOnce(accountId).finally(() => {
      loop.running = null;
      if (loop.stopped) return;
      if (loop.again) {
        loop.again = false;
        void this.poll(accountId);
        return;
      }
      loop.timer = setTimeout(() => void this.poll(accountId), this.intervalFor(accountId));
      loop.timer.unref?.();
    });
    return loop.running;
  }

  private async pollOnce(accountId: string): Promise<void> {
    const { accounts, clock, log } = this.options;
    const started = clock.now();
    try {
      const provider = await accounts.provider(accountId);
      const fresh = await provider.listNodes();
      const fetched = clock.now();
      if (this.loops.get(accountId)?.stopped ?? true) return;
      this.apply(accountId, fresh);
      this.lastPollCost = { fetchMs: fetched - started, diffMs: clock.now() - fetched, upserts: this.lastPollCost.upserts };
      accounts.setSync(accountId, { status: 'ok', lastSyncAt: new Date(clock.now()).toISOString(), nodeCount: fresh.length, error: null });
    } catch (cause) {
      const error = isAppError(cause) ? cause : new AppError('internal', 'Refreshing the fleet failed; see the main process log.', { cause });
      if (!isAppError(cause)) log.error('fleet poll failed', { accountId, cause });
      accounts.setSync(accountId, { status: 'error', error: error.toData() });
    }
  }

  private apply(accountId: string, fresh: FleetNode[]): void {
    const previous = this.fingerprints.get(accountId) ?? new Map<string, string>();
    const { upserts, removed, fingerprints } = diffAccountNodes(previous, fresh);
    this.fingerprints.set(accountId, fingerprints);
    this.lastPollCost.upserts = upserts.length;
    if (upserts.length === 0 && removed.length === 0) return;
    for (const node of upserts) this.nodes.set(node.id, node);
    for (const id of removed) this.nodes.delete(id);
    this.version += 1;
    this.options.bus.emit('fleet.changed', { version: this.version, upserts, removed });
  }

  private dropAccount(accountId: string): void {
    const removed = [...(this.fingerprints.get(accountId)?.keys() ?? [])];
    this.fingerprints.delete(accountId);
    if (removed.length === 0) return;
    for (const id of removed) this.nodes.delete(id);
    this.version += 1;
    this.options.bus.emit('fleet.changed', { version: this.version, upserts: [], removed });
  }

  private intervalFor(accountId: string): number {
    const steady = this.options.pollIntervalMs ?? 5_000;
    const busy = this.options.busyPollIntervalMs ?? 1_000;
    if (this.options.accounts.syncError(accountId)) return steady * 2;
    for (const id of this.fingerprints.get(accountId)?.keys() ?? []) {
      const node = this.nodes.get(id);
      if (node && TRANSITIONAL_STATES.has(node.state)) return busy;
    }
    return steady;
  }
}
