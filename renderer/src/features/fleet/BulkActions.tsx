/**
 * Power actions on the selected nodes. Only nodes whose state allows the action are sent; the
 * confirm names how many (and which, for a few), says how many are skipped and why, and makes the
 * user type the count.
 */
import type { FleetNode } from '../../../../shared/model';
import { POWER_ACTIONS, powerActionBlockedReason, type PowerAction } from '../../../../shared/node-rules';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { useFleet } from '../../stores/fleet';
import { bulkCounts, dismissBulkJob, startBulkJob, useBulk } from '../../stores/bulk';
import { toast } from '../../stores/toasts';
import { setSelection, useUi } from '../../stores/ui';
import { ACTION_LABELS } from '../../util/format';
import { useState } from 'react';
import { reinstallBlockedReason } from '../../../../shared/node-rules';
import { BulkReprovisionDialog } from './BulkReprovisionDialog';
import { RunbookDialog } from './RunbookDialog';

const NAMED = 5;

function names(nodes: FleetNode[]): string {
  const shown = nodes.slice(0, NAMED).map((n) => n.hostname).join(', ');
  return nodes.length > NAMED ? `${shown} and ${nodes.length - NAMED} more` : shown;
}

export function BulkActions() {
  const client = useClient();
  const selection = useUi((s) => s.selection);
  const nodes = useFleet((s) => s.nodes);
  const selected = [...selection].map((id) => nodes.get(id)).filter((n): n is FleetNode => Boolean(n));
  const [reprovisioning, setReprovisioning] = useState(false);
  const [runningRunbook, setRunningRunbook] = useState(false);
  const up = selected.filter((n) => n.state === 'active').length;
  const reprovisionable = selected.filter((n) => reinstallBlockedReason(n) === null).length;

  const run = async (action: PowerAction, eligible: FleetNode[]) => {
    const label = ACTION_LABELS[action];
    const skipped = selected.length - eligible.length;
    const ok = await confirm({
      title: `${label} ${eligible.length} node${eligible.length === 1 ? '' : 's'}?`,
      body: `${names(eligible)}.${skipped > 0 ? ` ${skipped === 1 ? '1 selected node is skipped because its state does not' : `${skipped} selected nodes are skipped because their state does not`} allow it.` : ''}`,
      confirmLabel: `${label} ${eligible.length} node${eligible.length === 1 ? '' : 's'}`,
      tone: action === 'power_on' ? 'normal' : 'danger',
      typeToConfirm: String(eligible.length),
    });
    if (!ok) return;
    try {
      const { results } = await client.call('actions.powerBulk', { nodeIds: eligible.map((n) => n.id), action });
      startBulkJob(action, label, results);
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0)
        toast(
          'error',
          `${label}: ${results.length - failed.length} of ${results.length} requested, ${failed.length} refused`,
          failed.slice(0, 3).map((r) => `${r.hostname}: ${r.error?.message ?? 'failed'}`).join('\n'),
        );
      // The selection stays: the user may want to act on the same nodes again, or look at them.
    } catch (error) {
      toast('error', `${label} failed`, errorData(error).message);
    }
  };

  return (
    <div className="selection-bar" role="toolbar" aria-label="Selected nodes">
      <span role="status">{selected.length} selected</span>
      {POWER_ACTIONS.map((action) => {
        const eligible = selected.filter((n) => powerActionBlockedReason(n, action) === null);
        return (
          <button
            key={action}
            type="button"
            className={action === 'power_on' ? '' : 'danger-outline'}
            disabled={eligible.length === 0}
            title={eligible.length === 0 ? 'No selected node is in a state that allows this.' : undefined}
            onClick={() => void run(action, eligible)}
          >
            {ACTION_LABELS[action]} ({eligible.length})
          </button>
        );
      })}
      <button type="button" className="danger-outline" disabled={reprovisionable === 0} title={reprovisionable === 0 ? 'No selected node is settled enough to reinstall.' : undefined} onClick={() => setReprovisioning(true)}>
        Reprovision… ({reprovisionable})
      </button>
      <button type="button" disabled={up === 0} title={up === 0 ? 'No selected node is up (active) to type on its console.' : 'Run a runbook (a rollback, diagnostics…) on their serial consoles'} onClick={() => setRunningRunbook(true)}>
        Run runbook… ({up})
      </button>
      <button type="button" className="link" onClick={() => setSelection(new Set())}>
        Clear selection
      </button>
      {reprovisioning && <BulkReprovisionDialog nodes={selected} onClose={() => setReprovisioning(false)} />}
      {runningRunbook && <RunbookDialog nodes={selected} onClose={() => setRunningRunbook(false)} />}
    </div>
  );
}

/** One strip per bulk action still being followed: n of N done, failures named, dismissable. */
export function BulkProgress() {
  const jobs = useBulk((s) => s.jobs);
  if (jobs.length === 0) return null;
  return (
    <div className="bulk-progress">
      {jobs.map((job) => {
        const counts = bulkCounts(job);
        const settled = counts.succeeded + counts.failed + counts.refused;
        const failures = Object.entries(job.nodes).filter(([, n]) => n.status === 'failed' || n.status === 'refused');
        return (
          <div key={job.id} className={`bulk-job${counts.pending === 0 ? ' done' : ''}`} role="status" aria-label={`${job.label} progress`}>
            <progress max={counts.total} value={settled} aria-label={`${job.label}: ${settled} of ${counts.total} settled`} />
            <span>
              <strong>{job.label}</strong> {counts.succeeded} of {counts.total} done
              {counts.failed + counts.refused > 0 && <span className="error"> · {counts.failed + counts.refused} failed</span>}
              {counts.pending > 0 && <span className="muted"> · {counts.pending} in progress</span>}
            </span>
            {failures.length > 0 && (
              <details>
                <summary>Failures</summary>
                <ul>
                  {failures.slice(0, 20).map(([nodeId, f]) => (
                    <li key={nodeId}>
                      <span className="mono">{f.hostname}</span>: {f.message}
                    </li>
                  ))}
                  {failures.length > 20 && <li>…and {failures.length - 20} more (see Activity)</li>}
                </ul>
              </details>
            )}
            <button type="button" className="icon" aria-label={`Dismiss ${job.label} progress`} onClick={() => dismissBulkJob(job.id)}>
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
