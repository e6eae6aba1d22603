/**
 * Reads the user data of every node that has a config assigned, and derives its drift. User data
 * stays out of the fleet list (it would ride along for 10,000 nodes on every poll); it is read per
 * managed node, a few at a time, again when the node's `updatedAt` moves (Metal bumps it when user
 * data changes), when Ironpane itself changed it, and at the latest after `maxAgeMs`: `updated_at`
 * has whole seconds only, so two changes within one second look like one. Drift itself is derived
 * on every request and never stored.
 */
import { forEachLimited } from '../../../shared/concurrency';
import { assignmentFor, deriveDrift, type DriftInputs, type NodeDrift } from '../../../shared/config/drift';
import type { FleetNode } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { ProviderFor } from '../providers/provider';
import type { FleetService } from '../fleet/fleet-service';
import type { Logger } from '../ports';
import type { ConfigKind } from '../../../shared/config/kinds';
import { contentHash, renderRevision, type ConfigService } from './config-service';

/** Each profile's latest revision with its kind and content (a templated one renders per node). */
type LatestContent = Map<string, { id: string; kind: ConfigKind; content: string }>;

const READ_CONCURRENCY = 4;
const SETTLE_MS = 300;

interface Applied {
  updatedAt: string;
  readAt: number;
  /** sha256 of the user data; null when the node has none. */
  hash: string | null;
  text: string;
}

export class DriftService {
  private readonly applied = new Map<string, Applied>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly detach: () => void;
  private readonly sweep: NodeJS.Timeout;
  private readonly maxAgeMs: number;
  private managedKey = '';

  constructor(
    private readonly options: { fleet: FleetService; providerFor: ProviderFor; config: ConfigService; bus: EventBus; log: Logger; maxAgeMs?: number },
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.detach = options.bus.on((event) => {
      if (event === 'fleet.changed' || event === 'config.changed') this.schedule();
    });
    this.sweep = setInterval(() => this.schedule(), Math.max(50, Math.min(60_000, this.maxAgeMs)));
    this.sweep.unref?.();
  }

  stop(): void {
    this.detach();
    clearInterval(this.sweep);
    if (this.timer) clearTimeout(this.timer);
  }

  /** Ironpane just changed these nodes' user data: read it again at the next refresh. */
  invalidate(nodeIds: readonly string[]): void {
    for (const id of nodeIds) this.applied.delete(id);
    this.schedule();
  }

  /** Drift of every managed node (unmanaged ones are left out: the window shows them as such). */
  async drift(): Promise<NodeDrift[]> {
    const inputs = await this.options.config.driftInputs();
    if (inputs.assignments.length === 0) return [];
    return this.options.fleet
      .snapshot()
      .nodes.map((node) => this.derive(node, inputs))
      .filter((d) => d.state !== 'unmanaged');
  }

  /** One node's drift, without deriving the whole fleet's. */
  async driftOf(nodeId: string): Promise<NodeDrift> {
    const inputs = await this.options.config.driftInputs();
    return this.derive(this.options.fleet.node(nodeId), inputs);
  }

  private derive(node: FleetNode, inputs: DriftInputs & { latest: LatestContent }): NodeDrift {
    const applied = this.applied.has(node.id) ? this.applied.get(node.id)!.hash : undefined;
    const profile = inputs.profiles.get(assignmentFor(node, inputs)?.profileId ?? '');
    // A config with variables renders differently per node: compare with this node's rendering.
    const latest = profile?.templated ? inputs.latest.get(assignmentFor(node, inputs)!.profileId) : undefined;
    if (latest) return deriveDrift(node, applied, inputs, this.expectedHash(latest, node));
    return deriveDrift(node, applied, inputs);
  }

  private readonly expected = new Map<string, string>();

  private expectedHash(revision: { id: string; kind: ConfigKind; content: string }, node: FleetNode): string {
    const key = `${revision.id}|${node.hostname}|${node.metro?.code}|${node.facility?.code}|${node.plan}|${node.ips.map((i) => i.address).join(',')}|${node.vlans.join(',')}|${node.tags.join(',')}`;
    let hash = this.expected.get(key);
    if (!hash) {
      hash = contentHash(renderRevision(revision.kind, revision.content, node));
      if (this.expected.size > 50_000) this.expected.clear();
      this.expected.set(key, hash);
    }
    return hash;
  }

  /** The applied user data of a node, as read (for a diff against the assigned revision). */
  async appliedText(nodeId: string): Promise<string> {
    await this.refresh();
    const node = this.options.fleet.node(nodeId);
    const known = this.applied.get(node.id);
    if (known && known.updatedAt === node.updatedAt) return known.text;
    return (await this.read(node.id)).text;
  }

  /** Reads what changed now (or after the read in flight), then tells the window. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.readStale()
      .catch((cause: unknown) => this.options.log.warn('drift refresh failed', { cause }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    return this.running;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, SETTLE_MS);
    this.timer.unref?.();
  }

  private async readStale(): Promise<void> {
    const inputs = await this.options.config.driftInputs();
    if (inputs.assignments.length === 0) return;
    const nodes = this.options.fleet.snapshot().nodes;
    const managed = nodes.filter((n) => assignmentFor(n, inputs) !== null);
    const now = Date.now();
    const stale = managed.filter((n) => {
      const known = this.applied.get(n.id);
      return !known || known.updatedAt !== n.updatedAt || now - known.readAt >= this.maxAgeMs;
    });
    await forEachLimited(stale, READ_CONCURRENCY, async (node) => {
      await this.read(node.id).catch((cause: unknown) => this.options.log.warn('could not read user data', { nodeId: node.id, cause }));
    });
    // Every fleet patch schedules a refresh; tell the window only when what drift rests on moved
    // (user data read, or the set of managed nodes). Config saves reach it as config.changed.
    const managedKey = managed.map((n) => n.id).join(',');
    if (stale.length === 0 && managedKey === this.managedKey) return;
    this.managedKey = managedKey;
    this.options.bus.emit('config.driftChanged', { managed: managed.length });
  }

  private async read(nodeId: string): Promise<Applied> {
    const node = this.options.fleet.node(nodeId);
    const provider = await this.options.providerFor(node);
    const text = await provider.userdata(node.deviceId);
    const applied = { updatedAt: node.updatedAt, readAt: Date.now(), text, hash: text === '' ? null : contentHash(text) };
    this.applied.set(node.id, applied);
    return applied;
  }
}
