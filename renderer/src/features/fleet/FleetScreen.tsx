import { useMemo } from 'react';
import { useConnections } from '../../stores/connections';
import { useFleet } from '../../stores/fleet';
import { useDrift } from '../../stores/drift';
import { useUpdates } from '../../stores/updates';
import { clearFilters, showScreen, useUi } from '../../stores/ui';
import { BulkActions, BulkProgress } from './BulkActions';
import { FleetTable } from './FleetTable';
import { FleetToolbar } from './FleetToolbar';
import { facetsOf, visibleNodes } from './fleet-view';
import { NodeDetail } from './NodeDetail';

export function FleetScreen() {
  const status = useFleet((s) => s.status);
  const error = useFleet((s) => s.error);
  const nodes = useFleet((s) => s.nodes);
  const filters = useUi((s) => s.filters);
  const updates = useUpdates((s) => s.byNode);
  const sort = useUi((s) => s.sort);
  const selectionSize = useUi((s) => s.selection.size);
  const openNodeId = useUi((s) => s.openNodeId);
  const syncing = useConnections((s) =>
    s.connections
      .filter((a) => a.sync.status === 'connecting')
      .map((a) => a.name)
      .join(', '),
  );

  const facets = useMemo(() => facetsOf(nodes), [nodes]);
  const drift = useDrift((s) => s.byNode);
  const shown = useMemo(() => visibleNodes(nodes, filters, sort, updates, drift), [nodes, filters, sort, updates, drift]);
  const openNodeData = openNodeId ? nodes.get(openNodeId) : undefined;

  let body: React.ReactNode;
  if ((status === 'loading' || syncing) && nodes.size === 0) {
    body = (
      <div className="empty" role="status">
        <div className="spinner" aria-hidden="true" />
        {syncing ? `Syncing ${syncing}…` : 'Loading the fleet…'}
      </div>
    );
  } else if (status === 'error' && nodes.size === 0) {
    body = (
      <div className="empty" role="alert">
        <h2>The fleet could not be loaded</h2>
        <p>{error?.message}</p>
      </div>
    );
  } else if (nodes.size === 0) {
    body = (
      <div className="empty">
        <h2>No nodes yet</h2>
        <p>Add an account to see its machines here.</p>
        <button type="button" className="primary" onClick={() => showScreen('connections')}>
          Add an account
        </button>
      </div>
    );
  } else if (shown.length === 0) {
    body = (
      <div className="empty">
        <h2>No nodes match</h2>
        <button type="button" onClick={clearFilters}>
          Clear filters
        </button>
      </div>
    );
  } else {
    body = <FleetTable nodes={shown} />;
  }

  return (
    <div className="fleet-screen">
      <div className="fleet-main">
        <FleetToolbar facets={facets} shown={shown.length} total={nodes.size} />
        {selectionSize > 0 && <BulkActions />}
        <BulkProgress />
        {body}
      </div>
      {openNodeData && <NodeDetail node={openNodeData} />}
    </div>
  );
}
