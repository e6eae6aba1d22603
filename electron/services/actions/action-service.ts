/**
 * Node actions. Each one is checked against the node's current state, sent to the provider,
 * written to the audit log whatever the outcome, and followed by a prompt fleet refresh. An accepted
 * action is then followed until the node settles: the audit gets a second row saying whether it
 * worked (succeeded / failed / did not settle in time), and `actions.outcome` tells the window.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import { powerActionBlockedReason, type PowerAction } from '../../../shared/model';
import type { AccountService } from '../accounts/account-service';
import type { EventBus } from '../../rpc/event-bus';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { FleetNode } from '../../../shared/model';

/** Bulk actions go out a few at a time: fast enough for hundreds of nodes, gentle on rate limits. */
const BULK_CONCURRENCY = 4;

const ACTION_LABEL: Record<PowerAction, string> = { power_on: 'Power on', power_off: 'Power off', reboot: 'Reboot' };

/** The state a power action should end in. */
const SETTLED_STATE: Record<PowerAction, FleetNode['state']> = { power_on: 'active', power_off: 'inactive', reboot: 'active' };
/** Long enough for a slow BMC's power cycle and a full POST of a big server. */
const DEFAULT_OUTCOME_TIMEOUT_MS = 15 * 60_000;

interface Follower {
  check(current: FleetNode): void;
  gone(): void;
  stop(): void;
}

export class ActionService {
  /** Accepted actions still waiting for their node to settle, by node: one bus listener serves them all. */
  private readonly following = new Map<string, Set<Follower>>();
  private readonly detachBus: () => void;

  constructor(
    private readonly fleet: FleetService,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly bus: EventBus,
    private readonly outcomeTimeoutMs = DEFAULT_OUTCOME_TIMEOUT_MS,
  ) {
    // A 10,000-node patch is scanned once, not once per followed action.
    this.detachBus = bus.on((event, payload) => {
      if (event !== 'fleet.changed' || this.following.size === 0) return;
      const patch = payload as { upserts: FleetNode[]; removed: string[] };
      for (const upsert of patch.upserts) this.following.get(upsert.id)?.forEach((f) => f.check(upsert));
      for (const id of patch.removed) this.following.get(id)?.forEach((f) => f.gone());
    });
  }

  stop(): void {
    this.detachBus();
    for (const followers of [...this.following.values()]) for (const f of [...followers]) f.stop();
  }

  async power(nodeId: string, action: PowerAction): Promise<{ accepted: true; auditId: string }> {
    const node = this.fleet.node(nodeId);
    const blocked = powerActionBlockedReason(node, action);
    if (blocked) throw new AppError('conflict', `${ACTION_LABEL[action]} ${node.hostname}: ${blocked}`);
    try {
      const provider = await this.accounts.provider(node.accountId);
      await provider.power(node.deviceId, action);
    } catch (cause) {
      const error = isAppError(cause) ? cause : new AppError('internal', 'The action failed unexpectedly.', { cause });
      await this.audit.append({ action: `power.${action}`, target: nodeId, targetName: node.hostname, outcome: 'failed', message: error.message });
      throw error;
    }
    const entry = await this.audit.append({
      action: `power.${action}`,
      target: nodeId,
      targetName: node.hostname,
      outcome: 'accepted',
      message: `${ACTION_LABEL[action]} requested for ${node.hostname}.`,
    });
    const requestedAt = Date.now();
    const follow = this.follow(node, action, requestedAt);
    // Show the new state at once; the fleet's fast lane follows the node until it settles.
    await this.fleet.refreshNode(nodeId).catch(() => undefined);
    const now = this.fleet.snapshotNode(nodeId);
    if (now) follow(now);
    return { accepted: true, auditId: entry.id };
  }

  /**
   * Watches the node's observed state until the action shows its effect. A reboot must first be
   * seen leaving `active` (or the node's update time must move past the request), so a node that
   * never rebooted is not reported as rebooted.
   */
  private follow(node: FleetNode, action: PowerAction, requestedAt: number): (current: FleetNode) => void {
    const target = SETTLED_STATE[action];
    const label = ACTION_LABEL[action];
    let leftActive = action !== 'reboot';
    let finished = false;
    const finish = (outcome: 'succeeded' | 'failed', message: string) => {
      if (finished) return;
      finished = true;
      stop();
      void this.audit
        .append({ action: `power.${action}`, target: node.id, targetName: node.hostname, outcome, message })
        .then(() => this.bus.emit('actions.outcome', { nodeId: node.id, hostname: node.hostname, action, outcome, message }))
        .catch(() => undefined);
    };
    const check = (current: FleetNode) => {
      if (finished) return;
      if (current.state === 'failed') return finish('failed', `${label} ${node.hostname}: the node went to failed. Open its console or events to see why.`);
      if (!leftActive && (current.state !== 'active' || Date.parse(current.updatedAt) > requestedAt)) leftActive = true;
      if (leftActive && current.state === target) {
        const seconds = Math.max(1, Math.round((Date.now() - requestedAt) / 1000));
        finish('succeeded', `${label} ${node.hostname}: ${target} after ${seconds} s.`);
      }
    };
    const timer = setTimeout(
      () => finish('failed', `${label} ${node.hostname}: not ${target} after ${duration(this.outcomeTimeoutMs)}. Check its console and events.`),
      this.outcomeTimeoutMs,
    );
    timer.unref?.();
    const follower: Follower = {
      check,
      gone: () => finish('failed', `${label} ${node.hostname}: the node left the fleet before it settled.`),
      stop: () => stop(),
    };
    const stop = () => {
      clearTimeout(timer);
      const set = this.following.get(node.id);
      set?.delete(follower);
      if (set?.size === 0) this.following.delete(node.id);
    };
    const set = this.following.get(node.id) ?? new Set<Follower>();
    set.add(follower);
    this.following.set(node.id, set);
    return check;
  }

  /**
   * Sets the user data of each node to a config revision's rendered output. Nothing on the running
   * machine changes: the next (re)install provisions with it. Each node is audited on its own.
   */
  async applyUserdata(nodeIds: string[], userdataFor: (node: FleetNode) => string, label: string, takesEffect: string) {
    const unique = [...new Set(nodeIds)];
    const results: { nodeId: string; hostname: string; ok: boolean; error?: AppErrorData }[] = [];
    let cursor = 0;
    const worker = async () => {
      while (cursor < unique.length) {
        const nodeId = unique[cursor++]!;
        const hostname = this.fleet.snapshotNode(nodeId)?.hostname ?? nodeId;
        try {
          const node = this.fleet.node(nodeId);
          const provider = await this.accounts.provider(node.accountId);
          await provider.setUserdata(node.deviceId, userdataFor(node));
          await this.audit.append({ action: 'config.apply', target: nodeId, targetName: hostname, outcome: 'accepted', message: `Set the user data of ${hostname} to ${label}; ${takesEffect}` });
          await this.fleet.refreshNode(nodeId).catch(() => undefined);
          results.push({ nodeId, hostname, ok: true });
        } catch (cause) {
          const error = isAppError(cause) ? cause : new AppError('internal', 'Setting the user data failed unexpectedly.', { cause });
          await this.audit.append({ action: 'config.apply', target: nodeId, targetName: hostname, outcome: 'failed', message: `Could not set the user data of ${hostname} to ${label}: ${error.message}` });
          results.push({ nodeId, hostname, ok: false, error: error.toData() });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, unique.length) }, worker));
    return { results };
  }

  /** The same action on many nodes; each succeeds or fails on its own and is audited on its own. */
  async powerMany(nodeIds: string[], action: PowerAction) {
    const unique = [...new Set(nodeIds)];
    const results: { nodeId: string; hostname: string; ok: boolean; error?: AppErrorData }[] = new Array(unique.length);
    let cursor = 0;
    const worker = async () => {
      while (cursor < unique.length) {
        const index = cursor++;
        const nodeId = unique[index]!;
        const hostname = this.fleet.snapshotNode(nodeId)?.hostname ?? nodeId;
        try {
          await this.power(nodeId, action);
          results[index] = { nodeId, hostname, ok: true };
        } catch (cause) {
          const error = isAppError(cause) ? cause : new AppError('internal', 'The action failed unexpectedly.', { cause });
          results[index] = { nodeId, hostname, ok: false, error: error.toData() };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, unique.length) }, worker));
    return { results };
  }
}

function duration(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}
