/**
 * Custom React Flow nodes. Memoised, and each reads only its own machine from the fleet store, so
 * a state change re-renders one card, not the canvas.
 */
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { memo } from 'react';
import { useFleet } from '../../stores/fleet';
import { useUi } from '../../stores/ui';
import { osLabel, osVersionSuffix } from '../../util/format';
import { useDrift } from '../../stores/drift';
import { matchesFilters } from '../fleet/fleet-view';
import { useUpdates } from '../../stores/updates';
import { updateAlarms } from '../../../../shared/updates/alarms';
import { countByState, type ElementData } from './topology-view';

type TopologyFlowNode = Node<ElementData>;

const STATE_TONE: Record<string, string> = {
  active: 'ok',
  failed: 'bad',
  inactive: 'muted',
  deleted: 'muted',
};
const tone = (state: string) => STATE_TONE[state] ?? 'busy';

const handles = (
  <>
    <Handle type="target" position={Position.Top} isConnectable={false} className="topo-handle" />
    <Handle type="source" position={Position.Bottom} isConnectable={false} className="topo-handle" />
  </>
);

function useFilterActive(): boolean {
  return useUi((s) => Object.values(s.filters).some(Boolean));
}

export const MachineNode = memo(function MachineNode({ data, selected }: NodeProps<TopologyFlowNode>) {
  const t = data.topology;
  const node = useFleet((s) => s.nodes.get(t.nodeId!));
  const filters = useUi((s) => s.filters);
  const inSelection = useUi((s) => s.selection.has(t.nodeId!));
  const filtering = useFilterActive();
  const drift = useDrift((s) => s.byNode.get(t.nodeId!));
  const update = useUpdates((s) => s.byNode.get(t.nodeId!));
  const updates = useUpdates((s) => (filtering ? s.byNode : undefined));
  if (!node) return null;
  const dimmed = filtering && !matchesFilters(node, filters, updates);
  const alarms = updateAlarms(node.osState, update);
  return (
    <div
      className={`topo-machine state-${tone(node.state)}${dimmed ? ' dimmed' : ''}${selected || inSelection ? ' selected' : ''}`}
      data-state={node.state}
      data-hostname={node.hostname}
    >
      {handles}
      <div className="topo-machine-head">
        <span className="dot" aria-hidden="true" />
        <span className="topo-host">{node.hostname}</span>
        {node.layer2Only && (
          <span
            className={`topo-l2 reach-${t.reach}`}
            title={t.reach === 'gateway' ? 'Layer-2 only: reached through a gateway on its VLAN' : 'Layer-2 only: reachable only over the serial console'}
          >
            L2{t.reach === 'serial-only' ? ' · serial only' : ''}
          </span>
        )}
        {alarms.summary && ['reboot-pending', 'rolled-back', 'updating', 'failed'].includes(alarms.summary) && (
          <span
            className={`topo-update update-${alarms.summary}`}
            data-update={alarms.summary}
            title={alarms.pendingVersion ? `next boot ${alarms.pendingVersion}` : undefined}
          >
            {alarms.summary === 'reboot-pending'
              ? 'reboot'
              : alarms.summary === 'rolled-back'
                ? 'rolled back'
                : alarms.summary === 'updating'
                  ? 'updating'
                  : 'update failed'}
          </span>
        )}
        {drift && drift.state !== 'checking' && (
          <span className={`topo-drift drift-${drift.state}`} title={drift.summary} data-drift={drift.state}>
            {drift.state === 'in_sync' ? '✓' : 'drift'}
          </span>
        )}
      </div>
      <div className="topo-machine-sub">
        <span className={`os os-${node.os.family}`}>{osLabel(node.os)}</span> <span className="mono">{osVersionSuffix(node.os)}</span>
        <span className="topo-state">{node.state.replace('_', ' ')}</span>
      </div>
    </div>
  );
});

function Counts({ members }: { members: readonly string[] }) {
  const nodes = useFleet((s) => s.nodes);
  const counts = countByState(members, (id) => nodes.get(id)?.state);
  return (
    <div className="topo-counts">
      {counts.map(([state, count]) => (
        <span key={state} className={`badge state state-${tone(state)}`}>
          {count} {state.replace('_', ' ')}
        </span>
      ))}
    </div>
  );
}

export const ContainerNode = memo(function ContainerNode({ data }: NodeProps<TopologyFlowNode>) {
  const t = data.topology;
  const toggle = useUi((s) => s.toggleCollapsed);
  const showCounts = data.collapsed || (t.kind === 'rack' && data.folded);
  return (
    <div className={`topo-container topo-${t.kind}${data.collapsed ? ' collapsed' : ''}`}>
      {handles}
      <div className="topo-container-head">
        {data.collapsible && (
          <button
            type="button"
            className="icon nodrag"
            aria-label={`${data.collapsed ? 'Expand' : 'Collapse'} ${t.label}`}
            aria-expanded={!data.collapsed}
            onClick={(e) => {
              e.stopPropagation();
              toggle(t.id);
            }}
          >
            {data.collapsed ? '▸' : '▾'}
          </button>
        )}
        <span className="topo-container-label">{t.label}</span>
        <span className="muted">{t.members.length} nodes</span>
      </div>
      {showCounts && <Counts members={t.members} />}
    </div>
  );
});

export const VlanNode = memo(function VlanNode({ data }: NodeProps<TopologyFlowNode>) {
  const t = data.topology;
  return (
    <div className="topo-vlan" title={`Layer-2 domain ${t.label}: ${t.members.length} machines`}>
      {handles}
      <strong>{t.label}</strong> <span className="muted">{t.members.length} members</span>
      {data.folded && <Counts members={t.members} />}
    </div>
  );
});

export const NODE_TYPES = { machine: MachineNode, metro: ContainerNode, facility: ContainerNode, rack: ContainerNode, vlan: VlanNode };
