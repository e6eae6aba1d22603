/**
 * One copy of each repeated value across the fleet's nodes. A node read in the page worker arrives
 * by structured clone, which copies every string: at 50,000 nodes main held `state`, `plan`,
 * `accountId`, the OS and place objects and the tag lists 50,000 times each (a heap snapshot showed
 * 70 MB of strings in 1.6 million of them). Values are shared only where nodes never change them in
 * place (nothing in main mutates a node's arrays or nested objects; a change is a new node).
 */
import type { FleetNode } from '../../../shared/model';

/** Past this many distinct values a table starts again: values that do not repeat are not worth keeping. */
const MAX_ENTRIES = 100_000;

export class NodeInterner {
  private readonly strings = new Map<string, string>();
  private readonly shared = new Map<string, unknown>();

  /** The node with its repeated values replaced by the one copy; the node itself is changed and returned. */
  intern(node: FleetNode): FleetNode {
    node.accountId = this.string(node.accountId);
    node.provider = this.string(node.provider);
    node.state = this.string(node.state) as FleetNode['state'];
    if (node.plan !== null) node.plan = this.string(node.plan);
    if (node.networkType !== null) node.networkType = this.string(node.networkType);
    if (node.switchUuid !== null) node.switchUuid = this.string(node.switchUuid);
    if (node.sosHost !== null) node.sosHost = this.string(node.sosHost);
    if (node.description.length <= 200) node.description = this.string(node.description);
    const os = node.os;
    node.os = this.one(`os\u0000${os.slug}\u0000${os.name}\u0000${os.family}\u0000${os.version}\u0000${os.channel}`, os);
    if (node.metro) node.metro = this.one(`place\u0000${node.metro.code}\u0000${node.metro.name}`, node.metro);
    if (node.facility) node.facility = this.one(`place\u0000${node.facility.code}\u0000${node.facility.name}`, node.facility);
    node.tags = this.list('tags', node.tags);
    node.actions = this.list('actions', node.actions);
    node.capabilities = this.list('capabilities', node.capabilities);
    if (node.vlans.length === 0) node.vlans = this.one('vlans\u0000', node.vlans);
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

  private one<T>(key: string, value: T): T {
    const known = this.shared.get(key);
    if (known !== undefined) return known as T;
    if (this.shared.size >= MAX_ENTRIES) this.shared.clear();
    this.shared.set(key, value);
    return value;
  }

  private list<T extends string>(kind: string, values: T[]): T[] {
    return this.one(`${kind}\u0000${values.join('\u0000')}`, values);
  }
}
