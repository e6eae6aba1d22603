/** The topology graph from main. Structure only: states are read live from the fleet store. */
import { create } from 'zustand';
import type { AppErrorData } from '../../../shared/errors';
import type { TopologyGraph } from '../../../shared/model';
import { errorData, type RpcClient } from '../bridge/client';

export interface TopologyState {
  graph: TopologyGraph | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: AppErrorData | null;
  /** Main said the structure changed since `graph` was fetched. */
  stale: boolean;
}

export const useTopology = create<TopologyState>(() => ({ graph: null, status: 'idle', error: null, stale: true }));

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

export function startTopologySync(client: RpcClient): () => void {
  return client.on('topology.changed', () => useTopology.setState({ stale: true }));
}
