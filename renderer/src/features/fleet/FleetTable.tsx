/**
 * The virtualised fleet table: only the rows in view are in the DOM, so 10,000 nodes scroll like
 * 60. Keyboard: ↑/↓/PgUp/PgDn/Home/End move, Enter opens details, Space selects, Ctrl+A selects
 * all shown, Esc clears the selection.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { FleetNode } from '../../../../shared/model';
import type { NodeDrift } from '../../../../shared/config/drift';
import { DriftBadge } from '../../ui/DriftBadge';
import { Layer2Badge, StateBadge } from '../../ui/StateBadge';
import { useDrift } from '../../stores/drift';
import { useUpdates } from '../../stores/updates';
import type { NodeUpdate } from '../../../../shared/model';
import { updateAlarms } from '../../../../shared/updates/alarms';
import { UpdateBadge, VersionArrow } from '../../ui/UpdateBadge';
import { useClient } from '../../app/client-context';
import { openConsole } from '../../stores/consoles';
import { openNode, setSelection, sortBy, toggleSelected, useUi, type SortKey } from '../../stores/ui';
import { osLabel, osVersionSuffix } from '../../util/format';
import { primaryAddress } from './fleet-view';

const ROW_HEIGHT = 36;
/** Below this width the columns do not fit side by side: each row takes two lines, nothing hidden. */
const COMPACT_BELOW_PX = 880;
const COMPACT_ROW_HEIGHT = 54;

const COLUMNS: { key: SortKey | null; label: string; className: string }[] = [
  { key: 'hostname', label: 'Hostname', className: 'c-host' },
  { key: 'state', label: 'State', className: 'c-state' },
  { key: 'config', label: 'Config', className: 'c-config' },
  { key: 'location', label: 'Metro / facility', className: 'c-loc' },
  { key: 'plan', label: 'Plan', className: 'c-plan' },
  { key: 'os', label: 'OS', className: 'c-os' },
  { key: 'update', label: 'Update', className: 'c-update' },
  { key: 'ip', label: 'IP', className: 'c-ip' },
  { key: 'tags', label: 'Tags', className: 'c-tags' },
];

const Row = memo(function Row({
  node,
  selected,
  active,
  open,
  top,
  drift,
  update,
}: {
  node: FleetNode;
  selected: boolean;
  active: boolean;
  open: boolean;
  top: number;
  drift: NodeDrift | undefined;
  update: NodeUpdate | undefined;
}) {
  const alarms = updateAlarms(node.osState, update);
  return (
    <div
      role="row"
      id={`row-${node.id}`}
      aria-selected={selected}
      data-node-id={node.id}
      data-state={node.state}
      className={`row${selected ? ' selected' : ''}${active ? ' active' : ''}${open ? ' open' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('input')) return;
        openNode(node.id);
      }}
    >
      <div role="gridcell" className="c-check">
        <input type="checkbox" aria-label={`Select ${node.hostname}`} checked={selected} onChange={() => toggleSelected(node.id)} tabIndex={-1} />
      </div>
      <div role="gridcell" className="c-host">
        <span className="hostname">{node.hostname}</span>
        {node.layer2Only && <Layer2Badge />}
      </div>
      <div role="gridcell" className="c-state">
        <StateBadge state={node.state} percent={node.provisioningPercentage} />
      </div>
      <div role="gridcell" className="c-config">
        <DriftBadge drift={drift} compact />
      </div>
      <div role="gridcell" className="c-loc">
        {node.metro?.code ?? '—'}
        <span className="muted"> / {node.facility?.code ?? '—'}</span>
      </div>
      <div role="gridcell" className="c-plan">
        {node.plan ?? '—'}
      </div>
      <div role="gridcell" className="c-os">
        <span className={`os os-${node.os.family}`} title={node.os.name}>
          {osLabel(node.os)}
        </span>{' '}
        {alarms.pendingVersion ? <VersionArrow alarms={alarms} fallback={node.os.version} /> : <span className="muted mono">{osVersionSuffix(node.os)}</span>}
      </div>
      <div role="gridcell" className="c-update">
        <UpdateBadge alarms={alarms} compact />
      </div>
      <div role="gridcell" className="c-ip mono">
        {primaryAddress(node) || <span className="muted">none</span>}
      </div>
      <div role="gridcell" className="c-tags">
        {node.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
      </div>
    </div>
  );
});

export function FleetTable({ nodes }: { nodes: FleetNode[] }) {
  const client = useClient();
  const scrollRef = useRef<HTMLDivElement>(null);
  const selection = useUi((s) => s.selection);
  const sort = useUi((s) => s.sort);
  const openNodeId = useUi((s) => s.openNodeId);
  const drift = useDrift((s) => s.byNode);
  const updates = useUpdates((s) => s.byNode);
  const [activeIndex, setActiveIndex] = useState(0);
  const tableRef = useRef<HTMLDivElement>(null);
  const [compact, setCompact] = useState(false);
  useEffect(() => {
    const table = tableRef.current;
    if (!table || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => setCompact((entry?.contentRect.width ?? 1200) < COMPACT_BELOW_PX));
    observer.observe(table);
    return () => observer.disconnect();
  }, []);
  const rowHeight = compact ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;
  // The React Compiler cannot memoise around useVirtualizer; this component is memo-free by design.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: nodes.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // Lets the first render (and jsdom) lay out rows before a ResizeObserver reports a size.
    initialRect: { width: 1200, height: 720 },
  });

  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);

  useEffect(() => {
    if (activeIndex >= nodes.length) setActiveIndex(Math.max(0, nodes.length - 1));
  }, [nodes.length, activeIndex]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(nodes.length - 1, index));
    setActiveIndex(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / rowHeight) - 1);
    const node = nodes[activeIndex];
    switch (event.key) {
      case 'ArrowDown':
        move(activeIndex + 1);
        break;
      case 'ArrowUp':
        move(activeIndex - 1);
        break;
      case 'PageDown':
        move(activeIndex + page);
        break;
      case 'PageUp':
        move(activeIndex - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(nodes.length - 1);
        break;
      case 'Enter':
        if (node) openNode(node.id);
        break;
      case ' ':
        if (node) toggleSelected(node.id);
        break;
      case 'Escape':
        setSelection(new Set());
        break;
      case 'c':
        if (event.ctrlKey || event.metaKey || event.altKey || !node) return;
        void openConsole(client, node.id);
        break;
      case 'a':
        if (!(event.ctrlKey || event.metaKey)) return;
        setSelection(new Set(nodes.map((n) => n.id)));
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const allSelected = nodes.length > 0 && nodes.every((n) => selection.has(n.id));
  const activeNode = nodes[activeIndex];

  return (
    // The grid itself takes focus and names its active row (aria-activedescendant is allowed on a grid,
    // not on the scrolling row group inside it); rows sit in a rowgroup, as a grid requires.
    <div
      ref={tableRef}
      className={`fleet-table${compact ? ' compact' : ''}`}
      role="grid"
      aria-label="Fleet"
      aria-rowcount={nodes.length + 1}
      aria-multiselectable="true"
      tabIndex={0}
      data-fleet-grid
      aria-activedescendant={activeNode ? `row-${activeNode.id}` : undefined}
      onKeyDown={onKeyDown}
    >
      <div role="row" className="row head">
        <div role="columnheader" className="c-check">
          <input
            type="checkbox"
            aria-label="Select all shown nodes"
            checked={allSelected}
            onChange={() => setSelection(allSelected ? new Set() : new Set(nodes.map((n) => n.id)))}
          />
        </div>
        {COLUMNS.map((c) => (
          <div
            key={c.label}
            role="columnheader"
            className={c.className}
            aria-sort={c.key && sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
          >
            {c.key ? (
              <button type="button" className="sort" onClick={() => sortBy(c.key!)}>
                {c.label}
                <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
              </button>
            ) : (
              c.label
            )}
          </div>
        ))}
      </div>
      <div ref={scrollRef} className="rows" role="rowgroup">
        <div role="presentation" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const node = nodes[item.index]!;
            return (
              <Row
                key={node.id}
                node={node}
                top={item.start}
                selected={selection.has(node.id)}
                active={item.index === activeIndex}
                open={node.id === openNodeId}
                drift={drift.get(node.id)}
                update={updates.get(node.id)}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
