/**
 * Node actions. Each one is checked against the node's current state, sent to the provider,
 * written to the audit log whatever the outcome, and followed by a prompt fleet refresh.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import { powerActionBlockedReason, type PowerAction } from '../../../shared/model';
import type { AccountService } from '../accounts/account-service';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';

/** Bulk actions go out a few at a time: fast enough for hundreds of nodes, gentle on rate limits. */
const BULK_CONCURRENCY = 4;

const ACTION_LABEL: Record<PowerAction, string> = { power_on: 'Power on', power_off: 'Power off', reboot: 'Reboot' };

export class ActionService {
  constructor(
    private readonly fleet: FleetService,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
  ) {}

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
    // Show the new state at once; the fleet's fast lane follows the node until it settles.
    await this.fleet.refreshNode(nodeId).catch(() => undefined);
    return { accepted: true, auditId: entry.id };
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
