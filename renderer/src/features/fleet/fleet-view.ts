/** Pure filtering, sorting and facet extraction for the fleet table. */
import type { FleetNode, NodeUpdate } from '../../../../shared/model';
import type { NodeDrift } from '../../../../shared/config/drift';
import { matchesUpdateFilter, UPDATE_FILTERS, updateAlarms } from '../../../../shared/updates/alarms';
import type { FleetFilters, SortKey } from '../../stores/ui';
import { osText } from '../../util/format';

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

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

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

export function visibleNodes(
  nodes: Iterable<FleetNode>,
  filters: FleetFilters,
  sort: { key: SortKey; dir: 'asc' | 'desc' },
  updates?: ReadonlyMap<string, NodeUpdate>,
  drift?: SortContext['drift'],
): FleetNode[] {
  const context: SortContext = { updates, drift };
  const sign = sort.dir === 'asc' ? 1 : -1;
  // Hostname breaks ties so equal keys keep a stable, readable order.
  const compare = (a: Keyed, b: Keyed) => sign * collator.compare(a.key, b.key) || collator.compare(a.node.hostname, b.node.hostname);
  // Each node's key is worked out once, not at every comparison: the update column's key derives the
  // node's alarms, and a 10,000-node sort compares ~140,000 times.
  const keyOf = (node: FleetNode): Keyed => ({ node, key: sortValue(node, sort.key, context) });
  const byId = new Map<string, FleetNode>();
  for (const node of nodes) byId.set(node.id, node);

  // The same view as last time with a few nodes changed (a patch): the unchanged keep their order,
  // the changed are sorted alone and merged in. A full sort of 50,000 nodes took 0.4 s per patch.
  const last = lastView;
  let sorted: Keyed[];
  if (last && last.filters === filters && last.sort === sort && last.updates === updates && last.drift === drift) {
    const changed: FleetNode[] = [];
    for (const node of byId.values()) if (last.byId.get(node.id) !== node) changed.push(node);
    let removed = 0;
    for (const id of last.byId.keys()) if (!byId.has(id)) removed += 1;
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

type Keyed = { node: FleetNode; key: string };

/** The last view worked out (visibleNodes), to update on the next patch rather than sort afresh. */
let lastView: {
  filters: FleetFilters;
  sort: { key: SortKey; dir: 'asc' | 'desc' };
  updates: ReadonlyMap<string, NodeUpdate> | undefined;
  drift: SortContext['drift'];
  byId: Map<string, FleetNode>;
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

export function facetsOf(nodes: Iterable<FleetNode>): Facets {
  const states = new Set<string>();
  const metros = new Map<string, string>();
  const os = new Set<string>();
  const tags = new Set<string>();
  for (const node of nodes) {
    states.add(node.state);
    // A source that knows only the code (an inventory's `am`) never renames one another source named (Amsterdam).
    if (node.metro && (!metros.has(node.metro.code) || metros.get(node.metro.code) === node.metro.code)) metros.set(node.metro.code, node.metro.name);
    os.add(node.os.family);
    for (const tag of node.tags) tags.add(tag);
  }
  const sorted = (s: Set<string>) => [...s].sort(collator.compare);
  return {
    states: sorted(states),
    metros: [...metros].map(([code, name]) => ({ code, name })).sort((a, b) => collator.compare(a.name, b.name)),
    os: sorted(os),
    tags: sorted(tags),
  };
}
