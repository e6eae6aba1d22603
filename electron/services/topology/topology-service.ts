/**
 * Keeps the derived topology graph in main. Fleet patches that only change state (the common case)
 * cost a per-node key comparison; only structural changes (machines added, removed, moved, VLANs)
 * re-derive the graph and tell the renderer to fetch it again.
 */
import type { FleetNode, TopologyGraph } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { FleetService } from '../fleet/fleet-service';
import { deriveTopology, topologySignature } from './derive-topology';

const structureKey = (n: FleetNode) => topologySignature([n]);

export class TopologyService {
  private graph: TopologyGraph | null = null;
  private version = 0;
  private keys = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly detach: () => void;

  constructor(
    private readonly fleet: FleetService,
    private readonly bus: EventBus,
    private readonly debounceMs = 250,
  ) {
    this.detach = bus.on((event, payload) => {
      if (event !== 'fleet.changed') return;
      const patch = payload as { upserts: FleetNode[]; removed: string[] };
      let structural = patch.removed.length > 0;
      for (const node of patch.upserts) {
        const key = structureKey(node);
        if (this.keys.get(node.id) !== key) structural = true;
        this.keys.set(node.id, key);
      }
      for (const id of patch.removed) this.keys.delete(id);
      if (structural) this.invalidate();
    });
  }

  current(): TopologyGraph {
    this.graph ??= deriveTopology(this.fleet.snapshot().nodes, this.version);
    return this.graph;
  }

  private invalidate(): void {
    if (this.timer) return;
    // A first sync arrives page by page: settle before telling the renderer to re-fetch.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.version += 1;
      this.graph = null;
      this.bus.emit('topology.changed', { version: this.version });
    }, this.debounceMs);
    this.timer.unref?.();
  }

  stop(): void {
    this.detach();
    if (this.timer) clearTimeout(this.timer);
  }
}
