/** Pure filtering, sorting and facet extraction for the fleet table. */
import type { FleetNode, NodeUpdate } from '../../../../shared/model';
import type { NodeDrift } from '../../../../shared/config/drift';
import { matchesUpdateFilter, UPDATE_FILTERS, updateAlarms } from '../../../../shared/updates/alarms';
import type { FleetFilters, SortKey } from '../../stores/ui';
import { osText } from '../../util/format';
import { collated, collator, compareCollated, type Collated } from '../../util/collation-key';

export function primaryAddress(node: FleetNode): string {
  return node.ips.find((ip) => ip.public && ip.family === 4)?.address ?? node.ips.find((ip) => ip.family === 4)?.address ?? node.ips[0]?.address ?? '';
}

const NO_UPDATES: ReadonlyMap<string, NodeUpdate> = new Map();

/** `updates`: what the update servers know per node, for the update filter. */
export function matchesFilters(node: FleetNode, filters: FleetFilters, updates: ReadonlyMap<string, NodeUpdate> = NO_UPDATES): boolean {
  if (filters.state && node.state !== filters.state) return false;
  if (filters.update && !matchesUpdateFilter(updateAlarms(node.osState, updates.get(node.id)), filters.update)) return false;
  if (filters.metro && node.metro?.code !== filters.metro) return false;
  if (filters.os && node.os.family !== filters.os) return false;
  if (filters.tag && !node.tags.includes(filters.tag)) return false;
  const terms = filters.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  // Every word must appear in what the table shows for the node ("flatcar beta", "am6 active"),
  // or be the start of one of its ids.
  const shown = displayedText(node);
  return terms.every((term) => shown.includes(term) || node.shortId.startsWith(term) || node.deviceId.startsWith(term));
}

/** What a row shows, lower-cased, for search: cached per node object (patches replace the object). */
const displayedCache = new WeakMap<FleetNode, string>();
export function displayedText(node: FleetNode): string {
  let text = displayedCache.get(node);
  if (text === undefined) {
    text = [
      node.hostname,
      node.state.replace('_', ' '),
      node.metro?.code,
      node.metro?.name,
      node.facility?.code,
      node.plan,
      osText(node.os),
      node.os.name,
      ...node.ips.map((ip) => ip.address),
      ...node.tags,
      node.layer2Only ? 'l2 only' : '',
    ]
      .filter(Boolean)
      .join(' ')
      .toLowerCase();
    displayedCache.set(node, text);
  }
  return text;
}

export function countMatching(nodes: Iterable<FleetNode>, filters: FleetFilters, updates?: ReadonlyMap<string, NodeUpdate>): number {
  let count = 0;
  for (const node of nodes) if (matchesFilters(node, filters, updates)) count++;
  return count;
}

/** Each node's hostname as a sort key, worked out once per node object (nodes are never changed in place). */
const hostnameKeys = new WeakMap<FleetNode, Collated>();
function hostnameKey(node: FleetNode): Collated {
  let key = hostnameKeys.get(node);
  if (!key) hostnameKeys.set(node, (key = collated(node.hostname)));
  return key;
}

/** What a column sorts by, as text: the config and update columns by the state they show. */
function sortValue(node: FleetNode, key: SortKey, context: SortContext): string {
  switch (key) {
    case 'hostname':
      return node.hostname;
    case 'state':
      return node.state;
    case 'config': {
      const drift = context.drift?.get(node.id);
      // Drifted first when ascending: what needs a look sorts to the top.
      return drift ? `${drift.state === 'drifted' ? 0 : drift.state === 'in_sync' ? 2 : 1} ${drift.assignedRevision ?? ''}` : '3';
    }
    case 'location':
      return `${node.metro?.code ?? ''} ${node.facility?.code ?? ''}`;
    case 'plan':
      return node.plan ?? '';
    case 'os':
      return `${node.os.name} ${node.os.version}`;
    case 'update': {
      const summary = updateAlarms(node.osState, context.updates?.get(node.id)).summary;
      return summary === null ? 'z' : String(UPDATE_FILTERS.indexOf(summary));
    }
    case 'ip':
      return primaryAddress(node);
    case 'tags':
      return node.tags.length ? [...node.tags].sort().join(' ') : '\uffff';
  }
}

export interface SortContext {
  updates?: ReadonlyMap<string, NodeUpdate>;
  drift?: ReadonlyMap<string, Pick<NodeDrift, 'state' | 'assignedRevision'>>;
}

/** The nodes by id: the store's map as it is (a new map per change), or one built from a list. */
function nodesById(nodes: ReadonlyMap<string, FleetNode> | Iterable<FleetNode>): ReadonlyMap<string, FleetNode> {
  if (nodes instanceof Map) return nodes as ReadonlyMap<string, FleetNode>;
  const byId = new Map<string, FleetNode>();
  for (const node of nodes as Iterable<FleetNode>) byId.set(node.id, node);
  return byId;
}

/** What changed between two maps of the fleet: the new or replaced nodes, and how many left. */
function changesBetween(last: ReadonlyMap<string, FleetNode>, next: ReadonlyMap<string, FleetNode>): { changed: FleetNode[]; removed: number } {
  const changed: FleetNode[] = [];
  let arrived = 0;
  for (const [id, node] of next) {
    const before = last.get(id);
    if (before === node) continue;
    changed.push(node);
    if (before === undefined) arrived += 1;
  }
  return { changed, removed: last.size - (next.size - arrived) };
}

export function visibleNodes(
  nodes: ReadonlyMap<string, FleetNode> | Iterable<FleetNode>,
  filters: FleetFilters,
  sort: { key: SortKey; dir: 'asc' | 'desc' },
  updates?: ReadonlyMap<string, NodeUpdate>,
  drift?: SortContext['drift'],
): FleetNode[] {
  const context: SortContext = { updates, drift };
  const sign = sort.dir === 'asc' ? 1 : -1;
  // Hostname breaks ties so equal keys keep a stable, readable order.
  const compare = (a: Keyed, b: Keyed) => sign * compareCollated(a.key, b.key) || compareCollated(a.hostname, b.hostname);
  // Each node's key is worked out once, not at every comparison: the update column's key derives the
  // node's alarms, and a 10,000-node sort compares ~140,000 times.
  const keyOf = (node: FleetNode): Keyed => {
    const hostname = hostnameKey(node);
    return { node, hostname, key: sort.key === 'hostname' ? hostname : collated(sortValue(node, sort.key, context)) };
  };
  const byId = nodesById(nodes);

  // The same view as last time with a few nodes changed (a patch): the unchanged keep their order,
  // the changed are sorted alone and merged in. A full sort of 50,000 nodes took 0.4 s per patch.
  const last = lastView;
  let sorted: Keyed[];
  if (last && last.filters === filters && last.sort === sort && last.updates === updates && last.drift === drift) {
    const { changed, removed } = changesBetween(last.byId, byId);
    if (changed.length + removed <= byId.size / 4) {
      const kept = last.sorted.filter((entry) => byId.get(entry.node.id) === entry.node);
      const added = changed
        .filter((node) => matchesFilters(node, filters, updates))
        .map(keyOf)
        .sort(compare);
      sorted = merge(kept, added, compare);
    } else sorted = fullSort();
  } else sorted = fullSort();
  lastView = { filters, sort, updates, drift, byId, sorted };
  return sorted.map((k) => k.node);

  function fullSort(): Keyed[] {
    const keyed: Keyed[] = [];
    for (const node of byId.values()) if (matchesFilters(node, filters, updates)) keyed.push(keyOf(node));
    return keyed.sort(compare);
  }
}

type Keyed = { node: FleetNode; key: Collated; hostname: Collated };

/** The last view worked out (visibleNodes), to update on the next patch rather than sort afresh. */
let lastView: {
  filters: FleetFilters;
  sort: { key: SortKey; dir: 'asc' | 'desc' };
  updates: ReadonlyMap<string, NodeUpdate> | undefined;
  drift: SortContext['drift'];
  byId: ReadonlyMap<string, FleetNode>;
  sorted: Keyed[];
} | null = null;

function merge(a: Keyed[], b: Keyed[], compare: (x: Keyed, y: Keyed) => number): Keyed[] {
  if (b.length === 0) return a;
  const out: Keyed[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

export interface Facets {
  states: string[];
  metros: { code: string; name: string }[];
  os: string[];
  tags: string[];
}

/** How many nodes have each value of each facet, so a patch moves the counts instead of a walk over the fleet. */
class FacetCounts {
  readonly states = new Map<string, number>();
  readonly os = new Map<string, number>();
  readonly tags = new Map<string, number>();
  /** Metro code → how many nodes name it, and the name a node gave it. */
  readonly metros = new Map<string, { count: number; name: string }>();

  count(node: FleetNode, by: 1 | -1): void {
    bump(this.states, node.state, by);
    bump(this.os, node.os.family, by);
    for (const tag of new Set(node.tags)) bump(this.tags, tag, by);
    if (!node.metro) return;
    const { code, name } = node.metro;
    const metro = this.metros.get(code);
    if (!metro) {
      if (by > 0) this.metros.set(code, { count: 1, name });
      return;
    }
    metro.count += by;
    if (metro.count <= 0) this.metros.delete(code);
    // A source that knows only the code (an inventory's `am`) never renames one another source named (Amsterdam).
    else if (by > 0 && metro.name === code) metro.name = name;
  }

  facets(): Facets {
    const sorted = (counts: Map<string, number>) => [...counts.keys()].sort(collator.compare);
    return {
      states: sorted(this.states),
      metros: [...this.metros].map(([code, { name }]) => ({ code, name })).sort((a, b) => collator.compare(a.name, b.name)),
      os: sorted(this.os),
      tags: sorted(this.tags),
    };
  }
}

function bump(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/** The last fleet facets were counted for (facetsOf), to move the counts by the next patch. */
let lastFacets: { byId: ReadonlyMap<string, FleetNode>; counts: FacetCounts } | null = null;

export function facetsOf(nodes: ReadonlyMap<string, FleetNode> | Iterable<FleetNode>): Facets {
  const byId = nodesById(nodes);
  const last = lastFacets;
  let counts: FacetCounts;
  if (last && last.byId !== byId) {
    // A patch: the nodes it replaced or removed are taken out of the counts, the new ones put in.
    counts = last.counts;
    const { changed, removed } = changesBetween(last.byId, byId);
    for (const node of changed) {
      const before = last.byId.get(node.id);
      if (before) counts.count(before, -1);
      counts.count(node, 1);
    }
    if (removed > 0) for (const [id, node] of last.byId) if (!byId.has(id)) counts.count(node, -1);
  } else if (last) counts = last.counts;
  else {
    counts = new FacetCounts();
    for (const node of byId.values()) counts.count(node, 1);
  }
  lastFacets = { byId, counts };
  return counts.facets();
}
