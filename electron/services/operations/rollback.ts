/**
 * One-click rollback (docs/architecture.md#rollback), offered only when there is something to roll
 * back to and saying exactly what it will do:
 * - config: reprovision with the user data the node had before Ironpane last changed it (kept in
 *   that step's journal entry), if nothing has changed it since;
 * - OS: the node's own documented rollback, run as a built-in runbook on its serial console
 *   (Flatcar: the other USR partition; NixOS: the previous generation), verified by the version it
 *   boots afterwards. Talos: refused with what to do instead.
 */
import { AppError } from '../../../shared/errors';
import type { FleetNode } from '../../../shared/model';
import { reinstallBlockedReason } from '../../../shared/node-rules';
import { osRollbackPlan } from '../../../shared/runbooks/rollback-rules';
import type { DriftService } from '../config/drift-service';
import type { FleetService } from '../fleet/fleet-service';
import type { OperationsEngine } from './engine';
import type { ReinstallParams } from './reinstall-step';
import type { Reprovision } from './reprovision';
import type { RunbookPlanner } from './runbook-plan';

export type RollbackKind = 'config' | 'os';

export class Rollback {
  constructor(
    private readonly deps: { fleet: FleetService; engine: OperationsEngine; reprovision: Reprovision; runbooks: RunbookPlanner; drift: DriftService },
  ) {}

  /** The user data before the node's last config change through Ironpane, if it is still what is applied. */
  private async configTarget(node: FleetNode) {
    const params = (await this.deps.engine.recentSucceeded(node.id, 'reinstall')).find((s) => s.params.userdata !== null)?.params;
    if (!params || params.userdata === null)
      return { available: false as const, reason: 'Ironpane has not changed this node’s config: there is no earlier config to go back to.' };
    if (!params.before)
      return {
        available: false as const,
        reason: `The last reprovision (${params.configLabel ?? 'a config'}) replaced no earlier user data: there is nothing to go back to.`,
      };
    const applied = await this.deps.drift.appliedText(node.id).catch(() => null);
    if (applied === null) return { available: false as const, reason: 'The provider did not say which user data the node has now; try again in a moment.' };
    if (applied !== params.userdata)
      return {
        available: false as const,
        reason: `The node’s user data changed after ${params.configLabel ?? 'its last reprovision'} (outside that operation), so “previous” is not known.`,
      };
    return {
      available: true as const,
      from: params.configLabel ?? 'the current user data',
      to: params.before.label,
      fromText: applied,
      toText: params.before.userdata,
      current: params,
    };
  }

  async options(nodeId: string) {
    const node = this.deps.fleet.node(nodeId);
    const os = osRollbackPlan(node);
    const blocked = reinstallBlockedReason(node);
    const target = blocked ? { available: false as const, reason: blocked } : await this.configTarget(node);
    return {
      hostname: node.hostname,
      os,
      config: target.available
        ? {
            available: true as const,
            from: target.from,
            to: target.to,
            diff: { from: target.fromText, to: target.toText },
            steps: [
              `Reprovision ${node.hostname} with ${node.os.name} and ${target.to}, keeping its data.`,
              'Follow the install and first boot.',
              `Verify the provider reports ${target.to} as the node’s user data, and the node is active.`,
            ],
          }
        : { available: false as const, reason: target.reason },
    };
  }

  async start(nodeId: string, kind: RollbackKind): Promise<{ operationId: string }> {
    const node = this.deps.fleet.node(nodeId);
    if (kind === 'os') {
      const plan = osRollbackPlan(node);
      if (!plan.available) throw new AppError('conflict', `Roll back ${node.hostname}: ${plan.reason}`, { retryable: false });
      const params = await this.deps.runbooks.stepFor(plan.runbookId, node);
      const { operationId, results } = await this.deps.engine.run('rollback', `Roll ${node.hostname} back from ${plan.from} to ${plan.to}`, [
        { nodeId, kind: 'runbook', params },
      ]);
      if (!results[0]!.ok) throw results[0]!.appError ?? new AppError('internal', 'The rollback failed unexpectedly.');
      return { operationId };
    }
    const target = await this.configTarget(node);
    if (!target.available) throw new AppError('conflict', `Roll back ${node.hostname}'s config: ${target.reason}`, { retryable: false });
    const { params } = await this.deps.reprovision.plan({ nodeId, operatingSystem: node.os.slug, revisionId: null, preserveData: true });
    const rollback: ReinstallParams = { ...params, userdata: target.toText, configLabel: target.to, before: { userdata: target.fromText, label: target.from } };
    const { operationId, results } = await this.deps.engine.run('rollback', `Roll ${node.hostname}'s config back from ${target.from} to ${target.to}`, [
      { nodeId, kind: 'reinstall', params: rollback },
    ]);
    if (!results[0]!.ok) throw results[0]!.appError ?? new AppError('internal', 'The rollback failed unexpectedly.');
    this.deps.drift.invalidate([nodeId]);
    return { operationId };
  }
}
