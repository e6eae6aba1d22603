/**
 * Node actions. Power actions are operations (docs/architecture.md#operations): checked against the
 * node's current state, journalled, sent, audited as accepted, then verified until the node settles
 * and audited again (succeeded / failed / did not settle in time), with `actions.outcome` telling the
 * window. Setting user data does not change the running machine and is audited here directly.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import { powerActionBlockedReason, type PowerAction } from '../../../shared/model';
import type { AccountService } from '../accounts/account-service';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { OperationsEngine } from '../operations/engine';
import { POWER_LABEL, powerParams } from '../operations/power-step';
import type { FleetNode } from '../../../shared/model';

/** Setting user data goes out a few at a time: fast enough for hundreds of nodes, gentle on rate limits. */
const BULK_CONCURRENCY = 4;

export class ActionService {
  constructor(
    private readonly fleet: FleetService,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly engine: OperationsEngine,
  ) {}

  /** One power action: an operation of one step, journalled, sent, audited and then verified. */
  async power(nodeId: string, action: PowerAction): Promise<{ accepted: true; auditId: string; operationId: string }> {
    // A click the node's state does not allow is refused here, before it becomes an operation (and an
    // audit row); the engine checks again when the step runs, since the node may have moved since.
    const node = this.fleet.node(nodeId);
    const blocked = powerActionBlockedReason(node, action);
    if (blocked) throw new AppError('conflict', `${POWER_LABEL[action]} ${node.hostname}: ${blocked}`);
    const { operationId, results } = await this.engine.run('power', `${POWER_LABEL[action]} ${node.hostname}`, [{ nodeId, kind: 'power', params: powerParams(node, action) }]);
    const result = results[0]!;
    if (!result.ok) throw result.appError ?? new AppError('internal', 'The action failed unexpectedly.');
    return { accepted: true, auditId: result.auditId ?? '', operationId };
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

  /** The same action on many nodes: one operation, a step per node, each sent and audited on its own. */
  async powerMany(nodeIds: string[], action: PowerAction) {
    const unique = [...new Set(nodeIds)];
    const steps = unique.flatMap((nodeId) => {
      const node = this.fleet.snapshotNode(nodeId);
      return node ? [{ nodeId, kind: 'power', params: powerParams(node, action) }] : [];
    });
    const missing = unique.filter((id) => !this.fleet.snapshotNode(id)).map((nodeId) => ({ nodeId, hostname: nodeId, ok: false, error: new AppError('not_found', `Node ${nodeId} is not in the fleet (it may have been deleted).`).toData() }));
    const { results } = steps.length > 0 ? await this.engine.run('power', `${POWER_LABEL[action]} ${steps.length} nodes`, steps) : { results: [] };
    return { results: [...results.map(({ nodeId, hostname, ok, error }) => ({ nodeId, hostname, ok, ...(error ? { error } : {}) })), ...missing] };
  }
}
