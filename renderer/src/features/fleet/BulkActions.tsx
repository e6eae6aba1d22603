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
import { toast } from '../../stores/toasts';
import { setSelection, useUi } from '../../stores/ui';
import { ACTION_LABELS } from '../../util/format';

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
      const failed = results.filter((r) => !r.ok);
      if (failed.length === 0) toast('success', `${label} requested for ${results.length} nodes`);
      else
        toast(
          'error',
          `${label}: ${results.length - failed.length} of ${results.length} requested, ${failed.length} failed`,
          failed.slice(0, 3).map((r) => `${r.hostname}: ${r.error?.message ?? 'failed'}`).join('\n'),
        );
      setSelection(new Set(failed.map((r) => r.nodeId)));
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
      <button type="button" className="link" onClick={() => setSelection(new Set())}>
        Clear selection
      </button>
    </div>
  );
}
