/**
 * A runbook as an operation step (docs/architecture.md#runbooks): the send is the whole runbook on
 * the node's serial console (its transcript kept in the journal, failing with the step it stopped
 * at), and a runbook that names the version the node must boot (an OS rollback) is verified
 * against the node's observed OS state afterwards, not against what the console said.
 */
import { AppError } from '../../../shared/errors';
import type { FleetNode } from '../../../shared/model';
import type { StepExecutor } from './step';

export type RunbookParams = {
  runbookId: string;
  runbookName: string;
  /** The runbook's text when the operation was planned: a later edit does not change a running one. */
  text: string;
  /** What the node must boot afterwards (filled from `verify.bootedVersion`), or null. */
  bootedVersion: string | null;
  targetVersion?: string;
  /** Set when planning found the runbook cannot run on this node (a bulk step then fails with it). */
  invalid?: string;
  /** An OS rollback's own words for the audit and the list ("Roll back to 4152.2.3"). */
  purpose?: string;
};

const booted = (node: FleetNode) => node.osState?.bootedVersion ?? node.os.version;

export const runbookStep: StepExecutor<RunbookParams> = {
  blocked(node, params) {
    if (params.invalid) return params.invalid!;
    if (node.state !== 'active') return `it is ${node.state.replace(/_/g, ' ')}, and a runbook needs it up (active) to type on its console`;
    return null;
  },
  async send(context, node, params, stepId) {
    const r = params;
    const run = await context.runbooks.run(node, r.text, { targetVersion: r.targetVersion });
    context.saveTranscript(stepId, run.transcript);
    if (!run.ok)
      throw new AppError('unavailable', `${r.runbookName} on ${node.hostname}: ${run.message} The transcript has what the console printed.`, {
        retryable: true,
      });
  },
  applied(node, params) {
    const target = params.bootedVersion;
    return target !== null && booted(node) === target;
  },
  notResentAfterCrash: true,
  settle(node, params) {
    const r = params;
    if (r.bootedVersion === null) return { outcome: 'succeeded', message: `${r.runbookName} on ${node.hostname}: done, and its verification passed.` };
    if (node.state === 'failed')
      return { outcome: 'failed', message: `${r.runbookName} on ${node.hostname}: the node went to failed. Open its console to see why.` };
    if (node.state !== 'active' || booted(node) !== r.bootedVersion) return null;
    return { outcome: 'succeeded', message: `${r.purpose ?? r.runbookName} on ${node.hostname}: verified, it booted ${r.bootedVersion}.` };
  },
  expectation: (params) => `booted ${params.bootedVersion ?? 'as the runbook expects'}`,
  auditAction: (params) => (params.purpose ? 'node.rollback' : 'runbook.run'),
  label: (params) => params.purpose ?? params.runbookName,
};
