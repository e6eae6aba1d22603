/**
 * The renderer's cache of main's fleet: filled by one snapshot, then kept current by versioned
 * patches. A gap in versions (a missed patch, a reconnect) fetches a fresh snapshot.
 */
import { create } from 'zustand';
import type { AppErrorData } from '../../../shared/errors';
import type { FleetNode, FleetPatch } from '../../../shared/model';
import { unpackNodes } from '../../../shared/fleet-wire';
import { errorData, type RpcClient } from '../bridge/client';

export interface FleetState {
  status: 'loading' | 'ready' | 'error';
  error: AppErrorData | null;
  version: number;
  nodes: ReadonlyMap<string, FleetNode>;
}

export const useFleet = create<FleetState>(() => ({ status: 'loading', error: null, version: -1, nodes: new Map() }));

export function applyPatch(patch: FleetPatch): 'applied' | 'stale' | 'gap' {
  const { version, nodes } = useFleet.getState();
  if (patch.version <= version) return 'stale';
  if (patch.version !== version + 1) return 'gap';
  const next = new Map(nodes);
  for (const node of patch.upserts) next.set(node.id, node);
  for (const id of patch.removed) next.delete(id);
  useFleet.setState({ nodes: next, version: patch.version });
  return 'applied';
}

/** Wires the store to the host; returns the function that unwires it. */
export function startFleetSync(client: RpcClient): () => void {
  let buffered: FleetPatch[] | null = [];
  let loading = false;

  const load = async () => {
    if (loading) return;
    loading = true;
    buffered = [];
    try {
      const snapshot = await client.call('fleet.snapshot', {});
      useFleet.setState({ status: 'ready', error: null, version: snapshot.version, nodes: new Map(unpackNodes(snapshot.nodes).map((n) => [n.id, n])) });
      const pending = buffered;
      buffered = null;
      for (const patch of pending) applyPatch(patch);
    } catch (error) {
      buffered = null;
      useFleet.setState({ status: 'error', error: errorData(error) });
    } finally {
      loading = false;
    }
  };

  const offPatch = client.on('fleet.changed', (patch) => {
    if (buffered) {
      buffered.push(patch);
      return;
    }
    if (applyPatch(patch) === 'gap') void load();
  });
  const offLink = client.onLinkState((state) => {
    if (state === 'open') void load();
  });
  return () => {
    offPatch();
    offLink();
  };
}
