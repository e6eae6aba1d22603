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
import { bulkCounts, dismissBulkJob, dismissOperation, startBulkJob, useBulk, type FollowedOperation } from '../../stores/bulk';
import { toast } from '../../stores/toasts';
import { setSelection, showScreen, useUi } from '../../stores/ui';
import { Button } from '../../ui/Button';
import { ACTION_LABELS, operationStatusLabel } from '../../util/format';
import { useState } from 'react';
import { reinstallBlockedReason, runbookBlockedReason } from '../../../../shared/node-rules';
import { BulkReprovisionDialog } from './BulkReprovisionDialog';
import { RunbookDialog } from './RunbookDialog';

const NAMED = 5;

function names(nodes: FleetNode[]): string {
  const shown = nodes
    .slice(0, NAMED)
    .map((n) => n.hostname)
    .join(', ');
  return nodes.length > NAMED ? `${shown} and ${nodes.length - NAMED} more` : shown;
}

export function BulkActions() {
  const client = useClient();
  const selection = useUi((s) => s.selection);
  const nodes = useFleet((s) => s.nodes);
  const selected = [...selection].map((id) => nodes.get(id)).filter((n): n is FleetNode => Boolean(n));
  const [reprovisioning, setReprovisioning] = useState(false);
  const [runningRunbook, setRunningRunbook] = useState(false);
  const up = selected.filter((n) => runbookBlockedReason(n) === null).length;
  const reprovisionable = selected.filter((n) => reinstallBlockedReason(n) === null).length;
  /** "(9 of 10)" when some selected nodes are left out, so the count beside "10 selected" explains itself. */
  const of = (eligible: number) => (eligible === selected.length ? `(${eligible})` : `(${eligible} of ${selected.length})`);
  /** The why of a left-out count, read as the button's description. */
  const leftOut = (eligible: number, why: string) =>
    eligible < selected.length && eligible > 0
      ? `${selected.length - eligible} selected ${selected.length - eligible === 1 ? 'node is' : 'nodes are'} left out: ${why}`
      : undefined;

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
          failed
            .slice(0, 3)
            .map((r) => `${r.hostname}: ${r.error?.message ?? 'failed'}`)
            .join('\n'),
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
          <Button
            key={action}
            className={action === 'power_on' ? '' : 'danger-outline'}
            disabledReason={eligible.length === 0 ? 'No selected node is in a state that allows this.' : null}
            title={leftOut(eligible.length, 'their state does not allow it.')}
            onClick={() => void run(action, eligible)}
          >
            {ACTION_LABELS[action]} {of(eligible.length)}
          </Button>
        );
      })}
      <Button
        className="danger-outline"
        disabledReason={reprovisionable === 0 ? 'No selected node is settled enough to reinstall.' : null}
        title={leftOut(reprovisionable, 'they are not settled (or cannot be reinstalled).')}
        onClick={() => setReprovisioning(true)}
      >
        Reprovision… {of(reprovisionable)}
      </Button>
      <Button
        disabledReason={up === 0 ? 'No selected node is up (active) with a serial console to type on.' : null}
        title={leftOut(up, 'they are not up (active) or have no serial console.') ?? 'Run a runbook (a rollback, diagnostics…) on their serial consoles'}
        onClick={() => setRunningRunbook(true)}
      >
        Run runbook… {of(up)}
      </Button>
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
  const operations = useBulk((s) => s.operations);
  if (jobs.length === 0 && operations.length === 0) return null;
  return (
    <div className="bulk-progress">
      {operations.map((op) => (
        <OperationStrip key={op.id} op={op} />
      ))}
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

/** An operation started from here (reprovision, runbook): its progress where it was started, and a way to Activity. */
function OperationStrip({ op }: { op: FollowedOperation }) {
  const summary = op.summary;
  const settled = summary ? summary.done + summary.failed + summary.cancelled : 0;
  const finished = summary !== null && summary.status !== 'running';
  return (
    <div className={`bulk-job${finished ? ' done' : ''}`} role="status" aria-label={`${op.label} progress`} data-operation={op.id}>
      {summary ? (
        <progress max={summary.total} value={settled} aria-label={`${op.label}: ${settled} of ${summary.total} settled`} />
      ) : (
        <progress aria-label={`${op.label}: starting`} />
      )}
      <span>
        <strong>{op.label}</strong>{' '}
        {summary ? (
          <>
            {summary.done} of {summary.total} done
            {summary.failed > 0 && <span className="error"> · {summary.failed} failed</span>}
            {summary.cancelled > 0 && <span className="muted"> · {summary.cancelled} cancelled</span>}
            <span className="muted"> · {operationStatusLabel(summary)}</span>
          </>
        ) : (
          <span className="muted">starting…</span>
        )}
      </span>
      <button type="button" className="link" onClick={() => showScreen('activity')}>
        Show in Activity
      </button>
      <button type="button" className="icon" aria-label={`Dismiss ${op.label} progress`} onClick={() => dismissOperation(op.id)}>
        ×
      </button>
    </div>
  );
}
