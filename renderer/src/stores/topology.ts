/** The topology graph from main. Structure only: states are read live from the fleet store. */
import { create } from 'zustand';
import type { AppErrorData } from '../../../shared/errors';
import type { TopologyGraph } from '../../../shared/model';
import { errorData, type RpcClient } from '../bridge/client';
import { useFleet } from './fleet';

export interface TopologyState {
  graph: TopologyGraph | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: AppErrorData | null;
  /** Main said the structure changed since `graph` was fetched. */
  stale: boolean;
  /** The last "zoom to" search; `seq` makes a repeat of the same text count again. */
  zoomRequest: { text: string; seq: number } | null;
}

export const useTopology = create<TopologyState>(() => ({ graph: null, status: 'idle', error: null, stale: true, zoomRequest: null }));

export const requestZoomTo = (text: string) => useTopology.setState((s) => ({ zoomRequest: { text, seq: (s.zoomRequest?.seq ?? 0) + 1 } }));

let loading: Promise<void> | null = null;

export function loadTopology(client: RpcClient): Promise<void> {
  loading ??= (async () => {
    useTopology.setState((s) => ({ status: s.graph ? s.status : 'loading', stale: false }));
    try {
      const graph = await client.call('topology.graph', {});
      useTopology.setState({ graph, status: 'ready', error: null });
    } catch (error) {
      useTopology.setState({ status: 'error', error: errorData(error) });
    } finally {
      loading = null;
    }
  })();
  return loading;
}

/** Above this many nodes the graph is not fetched ahead of the Topology screen (startTopologySync). */
const PREFETCH_MAX_NODES = 10_000;

/**
 * Marks the graph stale when main says the structure changed, and fetches it in the background a
 * moment later, so opening the Topology screen only has to draw (the graph of a 10,000-node fleet
 * is a few MB of JSON).
 */
export function startTopologySync(client: RpcClient, prefetchDelayMs = 1_000): () => void {
  let timer: number | null = null;
  const prefetch = () => {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      timer = null;
      // Not while the fleet itself is still coming in: at 50,000 nodes the graph beside the
      // snapshot slowed the table the window was waiting for.
      const fleet = useFleet.getState();
      if (fleet.status === 'loading') prefetch();
      // A large fleet's graph is fetched when the screen opens: at 50,000 nodes deriving and
      // sending it held main for half a second, again after every change to the structure.
      else if (useTopology.getState().stale && fleet.nodes.size <= PREFETCH_MAX_NODES) void loadTopology(client);
    }, prefetchDelayMs);
  };
  const offChanged = client.on('topology.changed', () => {
    useTopology.setState({ stale: true });
    prefetch();
  });
  const offLink = client.onLinkState((state) => state === 'open' && prefetch());
  return () => {
    offChanged();
    offLink();
    if (timer !== null) window.clearTimeout(timer);
  };
}
