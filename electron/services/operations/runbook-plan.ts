/**
 * Running a runbook on nodes as an operation (docs/architecture.md#runbooks): one step per node
 * under a bulk policy, each checked before anything is typed (the runbook checks, it is for the
 * node's OS, the node is up). A built-in OS rollback gets each node's own target version, so
 * running it on a selection is a bulk rollback.
 */
import { AppError } from '../../../shared/errors';
import { parseRunbook, runbookOsMismatch, usesTargetVersion } from '../../../shared/runbooks/runbook';
import { osRollbackPlan } from '../../../shared/runbooks/rollback-rules';
import type { FleetNode } from '../../../shared/model';
import type { FleetService } from '../fleet/fleet-service';
import type { RunbookService } from '../runbooks/runbook-service';
import type { OperationsEngine } from './engine';
import type { BulkPolicy } from './journal';
import type { RunbookParams } from './runbook-step';
import type { PlannedStep } from './step-kinds';

export class RunbookPlanner {
  constructor(private readonly deps: { fleet: FleetService; engine: OperationsEngine; runbooks: RunbookService }) {}

  async start(input: { runbookId: string; nodeIds: string[]; policy: BulkPolicy }): Promise<{ operationId: string }> {
    const runbook = await this.checked(input.runbookId);
    const steps = [...new Set(input.nodeIds)].flatMap((nodeId): PlannedStep[] => {
      const node = this.deps.fleet.snapshotNode(nodeId);
      return node ? [{ nodeId, kind: 'runbook', params: this.params(runbook, node) }] : [];
    });
    if (steps.length === 0) throw new AppError('invalid', 'None of those nodes is in the fleet any more.', { retryable: false });
    const summary = await this.deps.engine.startBulk(
      'runbook',
      `${runbook.entry.name} on ${steps.length} node${steps.length === 1 ? '' : 's'}`,
      steps,
      input.policy,
    );
    return { operationId: summary.id };
  }

  /** One node's runbook step, as a rollback runs it: its params, or why it cannot run there. */
  async stepFor(runbookId: string, node: FleetNode): Promise<RunbookParams> {
    return this.params(await this.checked(runbookId), node);
  }

  private async checked(runbookId: string) {
    const entry = await this.deps.runbooks.get(runbookId);
    const parsed = parseRunbook(entry.text);
    if (!parsed.ok)
      throw new AppError('invalid', `Runbook: ${entry.name} does not check (${parsed.message}); fix it in the config editor first.`, { retryable: false });
    return { entry, runbook: parsed.runbook };
  }

  /** The runbook for this node: whether it can run there, and the version it must boot afterwards. */
  private params({ entry, runbook }: Awaited<ReturnType<RunbookPlanner['checked']>>, node: FleetNode): RunbookParams {
    // Parsed once per operation, not once per node.
    let invalid = runbookOsMismatch(runbook, node.os.family) ?? undefined;
    let targetVersion: string | undefined;
    if (!invalid && usesTargetVersion(entry.text)) {
      const plan = osRollbackPlan(node);
      if (plan.available && plan.runbookId === entry.id) targetVersion = plan.to;
      else invalid = plan.available ? `${entry.name} needs {{targetVersion}}, which only its own rollback provides` : plan.reason;
    }
    const booted = node.osState?.bootedVersion ?? node.os.version;
    const verify = runbook.verify.bootedVersion;
    const bootedVersion =
      verify === null ? null : verify.replace(/\{\{\s*bootedVersion\s*\}\}/g, booted).replace(/\{\{\s*targetVersion\s*\}\}/g, targetVersion ?? '');
    return {
      runbookId: entry.id,
      runbookName: entry.name,
      text: entry.text,
      bootedVersion,
      targetVersion,
      invalid,
      purpose: targetVersion ? `Roll back to ${targetVersion}` : undefined,
    };
  }
}
