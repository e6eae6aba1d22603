/**
 * Node actions. Power actions are operations (docs/architecture.md#operations): checked against the
 * node's current state, journalled, sent, audited as accepted, then verified until the node settles
 * and audited again (succeeded / failed / did not settle in time), with `actions.outcome` telling the
 * window. Applying a config (setting user data) is an operation too: it changes nothing on the running
 * machine, and is read back from the provider.
 */
import { AppError } from '../../../shared/errors';
import { powerActionBlockedReason, type PowerAction } from '../../../shared/model';
import type { FleetService } from '../fleet/fleet-service';
import type { OperationsEngine } from '../operations/engine';
import { POWER_LABEL, powerParams } from '../operations/power-step';
import type { UserdataParams } from '../operations/userdata-step';
import { bootOverrideStep, type BootOverrideParams } from '../operations/boot-override-step';
import { lifecycleStep, type LifecycleParams } from '../operations/lifecycle-step';
import type { PlannedStep } from '../operations/step-kinds';
import type { BootOverrideRequest } from '../providers/provider';
import type { FleetNode } from '../../../shared/model';

export class ActionService {
  constructor(
    private readonly fleet: FleetService,
    private readonly engine: OperationsEngine,
  ) {}

  /** One power action: an operation of one step, journalled, sent, audited and then verified. */
  async power(nodeId: string, action: PowerAction): Promise<{ accepted: true; auditId: string; operationId: string }> {
    // A click the node's state does not allow is refused here, before it becomes an operation (and an
    // audit row); the engine checks again when the step runs, since the node may have moved since.
    const node = this.fleet.node(nodeId);
    const blocked = powerActionBlockedReason(node, action);
    if (blocked) throw new AppError('conflict', `${POWER_LABEL[action]} ${node.hostname}: ${blocked}`);
    const { operationId, results } = await this.engine.run('power', `${POWER_LABEL[action]} ${node.hostname}`, [
      { nodeId, kind: 'power', params: powerParams(node, action) },
    ]);
    const result = results[0]!;
    if (!result.ok) throw result.appError ?? new AppError('internal', 'The action failed unexpectedly.');
    return { accepted: true, auditId: result.auditId ?? '', operationId };
  }

  /** Sets a node's boot device through its BMC: an operation of one step, read back where the BMC can. */
  async bootOverride(nodeId: string, request: BootOverrideRequest): Promise<{ accepted: true; auditId: string; operationId: string }> {
    const node = this.fleet.node(nodeId);
    const params: BootOverrideParams = { target: request.target, mode: request.mode };
    const blocked = bootOverrideStep.blocked(node, params);
    if (blocked) throw new AppError('conflict', `Boot device of ${node.hostname}: ${blocked}`, { retryable: false });
    const { operationId, results } = await this.engine.run('bootOverride', `${bootOverrideStep.label(params)} on ${node.hostname}`, [
      { nodeId, kind: 'bootOverride', params },
    ]);
    const result = results[0]!;
    if (!result.ok) throw result.appError ?? new AppError('internal', 'The action failed unexpectedly.');
    return { accepted: true, auditId: result.auditId ?? '', operationId };
  }

  /**
   * A lifecycle action the node's provider lists (Ironic's deploy, undeploy, rescue, maintenance…):
   * refused here with the provider's reason when the node's state does not allow it, else one step,
   * followed until the provider's provisioning state reaches where the action ends.
   */
  async lifecycle(nodeId: string, action: string, reason?: string): Promise<{ accepted: true; auditId: string; operationId: string }> {
    const node = this.fleet.node(nodeId);
    const offered = node.lifecycleActions?.find((a) => a.id === action);
    if (!offered) throw new AppError('invalid', `Action: ${node.hostname}'s connection offers no action “${action}”.`, { retryable: false });
    const params: LifecycleParams = {
      action,
      label: offered.label.replace(/…$/, ''),
      endsIn: offered.endsIn,
      ...(reason ? { reason } : {}),
      baseline: { provisioning: node.provisioning?.state ?? '', maintenance: (node.provisioning?.maintenance ?? null) !== null, updatedAt: node.updatedAt },
    };
    const blocked = lifecycleStep.blocked(node, params);
    if (blocked) throw new AppError('conflict', `${params.label} ${node.hostname}: ${blocked}`, { retryable: false });
    const { operationId, results } = await this.engine.run('lifecycle', `${params.label} ${node.hostname}`, [{ nodeId, kind: 'lifecycle', params }]);
    const result = results[0]!;
    if (!result.ok) throw result.appError ?? new AppError('internal', 'The action failed unexpectedly.');
    return { accepted: true, auditId: result.auditId ?? '', operationId };
  }

  /**
   * Sets the user data of each node to a config revision's rendered output, as one operation with a
   * step per node (journalled, sent, audited, read back). Nothing on the running machine changes:
   * the next (re)install provisions with it.
   */
  async applyUserdata(nodeIds: string[], userdataFor: (node: FleetNode) => string, label: string, takesEffect: string) {
    const unique = [...new Set(nodeIds)];
    const steps = unique.flatMap((nodeId): PlannedStep[] => {
      const node = this.fleet.snapshotNode(nodeId);
      const params: UserdataParams = { userdata: node ? userdataFor(node) : '', label, takesEffect };
      return node ? [{ nodeId, kind: 'userdata', params }] : [];
    });
    const missing = this.missing(unique);
    const { results } =
      steps.length > 0
        ? await this.engine.run('config.apply', `Apply ${label} to ${steps.length} node${steps.length === 1 ? '' : 's'}`, steps)
        : { results: [] };
    return { results: [...results.map(({ nodeId, hostname, ok, error }) => ({ nodeId, hostname, ok, ...(error ? { error } : {}) })), ...missing] };
  }

  private missing(nodeIds: string[]) {
    return nodeIds
      .filter((id) => !this.fleet.snapshotNode(id))
      .map((nodeId) => ({
        nodeId,
        hostname: nodeId,
        ok: false,
        error: new AppError('not_found', `Node ${nodeId} is not in the fleet (it may have been deleted).`).toData(),
      }));
  }

  /** The same action on many nodes: one operation, a step per node, each sent and audited on its own. */
  async powerMany(nodeIds: string[], action: PowerAction) {
    const unique = [...new Set(nodeIds)];
    const steps = unique.flatMap((nodeId): PlannedStep[] => {
      const node = this.fleet.snapshotNode(nodeId);
      return node ? [{ nodeId, kind: 'power', params: powerParams(node, action) }] : [];
    });
    const missing = this.missing(unique);
    const { results } = steps.length > 0 ? await this.engine.run('power', `${POWER_LABEL[action]} ${steps.length} nodes`, steps) : { results: [] };
    return { results: [...results.map(({ nodeId, hostname, ok, error }) => ({ nodeId, hostname, ok, ...(error ? { error } : {}) })), ...missing] };
  }
}
