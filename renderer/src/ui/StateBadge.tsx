import { memo } from 'react';
import { TRANSITIONAL_STATES, type NodeState } from '../../../shared/node-rules';

const TONE: Record<NodeState, string> = {
  active: 'ok',
  inactive: 'muted',
  failed: 'bad',
  deleted: 'muted',
  queued: 'busy',
  provisioning: 'busy',
  deprovisioning: 'busy',
  reinstalling: 'busy',
  powering_on: 'busy',
  powering_off: 'busy',
  unknown: 'muted',
};

export const StateBadge = memo(function StateBadge({ state, percent }: { state: NodeState; percent?: number | null }) {
  const busy = TRANSITIONAL_STATES.has(state);
  return (
    <span className={`badge state state-${TONE[state]}`} data-state={state}>
      <span className={busy ? 'dot spin' : 'dot'} aria-hidden="true" />
      {state.replace('_', ' ')}
      {percent != null && ` ${Math.round(percent)}%`}
    </span>
  );
});

export function Layer2Badge() {
  return (
    <span className="badge l2" title="Layer-2 only: no public or management IP. Reach it over the serial console or from its VLAN.">
      L2 only
    </span>
  );
}
