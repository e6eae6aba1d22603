/**
 * One copy of each repeated value across the fleet's nodes. A node read in the page worker arrives
 * by structured clone, which copies every string, and each page brings its own copy of the objects
 * its nodes share: at 50,000 nodes main held `state`, `plan`, `accountId`, the OS and place objects
 * and the tag lists tens of thousands of times each (a heap snapshot showed 70 MB of strings in
 * 1.6 million of them; 50,000 synthetic nodes took 103 MiB of heap as they arrived and 57 MiB
 * interned). Values are shared only where nodes never change them in place (nothing in main
 * mutates a node's arrays or nested objects; a change is a new node).
 */
import type { FleetNode } from '../../../shared/model';

/** Past this many distinct values a table starts again: values that do not repeat are not worth keeping. */
const MAX_ENTRIES = 100_000;

/** The nested values shared, each with what tells two of them apart. */
const SHARED = {
  os: (os: FleetNode['os']) => `os\u0000${os.slug}\u0000${os.name}\u0000${os.family}\u0000${os.version}\u0000${os.channel}`,
  place: (place: { code: string; name: string }) => `place\u0000${place.code}\u0000${place.name}`,
  tags: (tags: string[]) => `tags\u0000${tags.join('\u0000')}`,
  actions: (actions: string[]) => `actions\u0000${actions.join('\u0000')}`,
  capabilities: (capabilities: string[]) => `capabilities\u0000${capabilities.join('\u0000')}`,
  vlans: (vlans: number[]) => `vlans\u0000${vlans.join('\u0000')}`,
} as const;
type SharedKind = keyof typeof SHARED;

export class NodeInterner {
  private readonly strings = new Map<string, string>();
  private readonly shared = new Map<string, object>();
  /** The copies kept: a value that already is one needs no key. */
  private readonly kept = new Set<object>();
  /**
   * Per kind, the last value looked up and its copy: a page's nodes arrive sharing their objects
   * (device-pages.ts), so nearly every lookup is the one before it, answered without a key (keys
   * for every node cost 6–7 µs a node, 0.3 s at 50,000).
   */
  private readonly last = new Map<SharedKind, { value: object; kept: object }>();

  /** The node with its repeated values replaced by the one copy; the node itself is changed and returned. */
  intern(node: FleetNode): FleetNode {
    node.accountId = this.string(node.accountId);
    node.provider = this.string(node.provider);
    node.state = this.string(node.state) as FleetNode['state'];
    if (node.plan !== null) node.plan = this.string(node.plan);
    if (node.networkType !== null) node.networkType = this.string(node.networkType);
    if (node.sosHost !== null) node.sosHost = this.string(node.sosHost);
    if (node.description.length <= 200) node.description = this.string(node.description);
    node.os = this.object('os', node.os);
    if (node.metro) node.metro = this.object('place', node.metro);
    if (node.facility) node.facility = this.object('place', node.facility);
    node.tags = this.object('tags', node.tags);
    node.actions = this.object('actions', node.actions);
    node.capabilities = this.object('capabilities', node.capabilities);
    if (node.vlans.length === 0) node.vlans = this.object('vlans', node.vlans);
    const osState = node.osState;
    if (osState) {
      osState.bootedVersion = this.string(osState.bootedVersion);
      for (const slot of osState.slots) {
        slot.label = this.string(slot.label);
        if (slot.version !== null) slot.version = this.string(slot.version);
      }
      if (osState.updateEngine?.newVersion) osState.updateEngine.newVersion = this.string(osState.updateEngine.newVersion);
      if (osState.rebootStrategy !== null) osState.rebootStrategy = this.string(osState.rebootStrategy);
    }
    return node;
  }

  private string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= MAX_ENTRIES) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }

  /** The one copy of a nested value equal to `value`. */
  private object<T extends object>(kind: SharedKind, value: T): T {
    const last = this.last.get(kind);
    if (last?.value === value) return last.kept as T;
    if (this.kept.has(value)) return value;
    const key = (SHARED[kind] as (value: T) => string)(value);
    let kept = this.shared.get(key);
    if (kept === undefined) {
      if (this.shared.size >= MAX_ENTRIES) {
        this.shared.clear();
        this.kept.clear();
      }
      this.shared.set(key, value);
      this.kept.add(value);
      kept = value;
    }
    this.last.set(kind, { value, kept });
    return kept as T;
  }
}
