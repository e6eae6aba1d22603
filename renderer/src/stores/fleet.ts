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
  return applyPatches([patch]);
}

/**
 * Several patches in one copy of the fleet and one render: during a first sync of 50,000 nodes a
 * patch of 500 arrives every few milliseconds, and copying the map and sorting the table for each
 * kept the window seconds behind main.
 */
export function applyPatches(patches: readonly FleetPatch[]): 'applied' | 'stale' | 'gap' {
  const state = useFleet.getState();
  let version = state.version;
  let next: Map<string, FleetNode> | null = null;
  let outcome: 'applied' | 'stale' | 'gap' = 'stale';
  for (const patch of patches) {
    if (patch.version <= version) continue;
    if (patch.version !== version + 1) {
      outcome = 'gap';
      break;
    }
    next ??= new Map(state.nodes);
    for (const node of patch.upserts) next.set(node.id, node);
    for (const id of patch.removed) next.delete(id);
    version = patch.version;
    outcome = 'applied';
  }
  if (next) useFleet.setState({ nodes: next, version });
  return next && outcome === 'gap' ? 'gap' : outcome;
}

/** A patch at least this large waits for the next ones (coalesceMs) to be applied with them. */
const COALESCE_ABOVE = 200;
/**
 * How long patches that come in a stream wait for company: longer for a larger fleet, whose every
 * apply walks the whole table (the view's merge, the facets). At 50,000 nodes a first sync's
 * stream applied every 50 ms kept the window busy with the table for 4 s of its 10.
 */
const coalesceMs = (fleetSize: number) => Math.min(250, Math.max(50, fleetSize / 200));

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
      applyPatches(pending);
    } catch (error) {
      buffered = null;
      useFleet.setState({ status: 'error', error: errorData(error) });
    } finally {
      loading = false;
    }
  };

  let queued: FleetPatch[] = [];
  let lastPatchAt = -Infinity;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    flushTimer = null;
    const patches = queued;
    queued = [];
    if (applyPatches(patches) === 'gap') void load();
  };
  const offPatch = client.on('fleet.changed', (patch) => {
    if (buffered) {
      buffered.push(patch);
      return;
    }
    // A small patch after a quiet spell shows at once; a large one, or any that follows another
    // within the coalescing time (a first sync's stream of them), waits a moment for company.
    // The first rows of an empty table show at once, whatever their size: nothing to merge them with.
    const now = performance.now();
    const size = useFleet.getState().nodes.size;
    const wait = coalesceMs(size);
    const quiet = now - lastPatchAt >= wait;
    lastPatchAt = now;
    if (queued.length === 0 && ((quiet && patch.upserts.length + patch.removed.length < COALESCE_ABOVE) || size === 0)) {
      if (applyPatch(patch) === 'gap') void load();
      return;
    }
    queued.push(patch);
    flushTimer ??= setTimeout(flush, wait);
  });
  const offLink = client.onLinkState((state) => {
    if (state === 'open') void load();
  });
  return () => {
    offPatch();
    offLink();
    if (flushTimer) clearTimeout(flushTimer);
  };
}
