/**
 * Running a runbook on nodes as an operation (docs/architecture.md#runbooks): one step per node
 * under a bulk policy, each checked before anything is typed (the runbook checks, it is for the
 * node's OS, the node is up). A built-in OS rollback gets each node's own target version, so
 * running it on a selection is a bulk rollback.
 */
import { AppError } from '../../../shared/errors';
import { parseRunbook, usesTargetVersion } from '../../../shared/runbooks/runbook';
import { osRollbackPlan } from '../../../shared/runbooks/rollback-rules';
import type { FleetService } from '../fleet/fleet-service';
import type { RunbookService } from '../runbooks/runbook-service';
import type { OperationsEngine } from './engine';
import type { BulkPolicy } from './journal';
import type { RunbookParams } from './runbook-step';

export class RunbookPlanner {
  constructor(private readonly deps: { fleet: FleetService; engine: OperationsEngine; runbooks: RunbookService }) {}

  start(input: { runbookId: string; nodeIds: string[]; policy: BulkPolicy }): { operationId: string } {
    const entry = this.deps.runbooks.get(input.runbookId);
    if (entry.problem) throw new AppError('invalid', `Runbook: ${entry.name} does not check (${entry.problem}); fix it in the config editor first.`, { retryable: false });
    const parsed = parseRunbook(entry.text);
    if (!parsed.ok) throw new AppError('invalid', `Runbook: ${parsed.message}`, { retryable: false });
    const steps = [...new Set(input.nodeIds)].flatMap((nodeId) => {
      const node = this.deps.fleet.snapshotNode(nodeId);
      if (!node) return [];
      let invalid = this.deps.runbooks.problemFor(entry.text, node) ?? undefined;
      let targetVersion: string | undefined;
      if (!invalid && usesTargetVersion(entry.text)) {
        const plan = osRollbackPlan(node);
        if (plan.available && plan.runbookId === entry.id) targetVersion = plan.to;
        else invalid = plan.available ? `${entry.name} needs {{targetVersion}}, which only its own rollback provides` : plan.reason;
      }
      const booted = node.osState?.bootedVersion ?? node.os.version;
      const verify = parsed.runbook.verify.bootedVersion;
      const bootedVersion = verify === null ? null : verify.replace(/\{\{\s*bootedVersion\s*\}\}/g, booted).replace(/\{\{\s*targetVersion\s*\}\}/g, targetVersion ?? '');
      const params: RunbookParams = { runbookId: entry.id, runbookName: entry.name, text: entry.text, bootedVersion, targetVersion, invalid, purpose: targetVersion ? `Roll back to ${targetVersion}` : undefined };
      return [{ nodeId, kind: 'runbook', params: params as unknown as Record<string, unknown> }];
    });
    if (steps.length === 0) throw new AppError('invalid', 'None of those nodes is in the fleet any more.', { retryable: false });
    const summary = this.deps.engine.startBulk('runbook', `${entry.name} on ${steps.length} node${steps.length === 1 ? '' : 's'}`, steps, input.policy);
    return { operationId: summary.id };
  }
}
