/**
 * From the derived graph to what React Flow draws, given the zoom and what the user collapsed.
 * Pure, so it is tested on its own. Every element carries its size and handles up front: React Flow
 * then renders only what is in view without mounting everything once to measure it
 * (docs/architecture.md#topology).
 */
import type { Edge, Node } from '@xyflow/react';
import { Position } from '@xyflow/react';
import type { TopologyGraph, TopologyNode } from '../../../../shared/model';

/** Below this zoom, machines fold into their racks and VLANs into counts. */
export const FOLD_ZOOM = 0.45;
/** Where machine labels are comfortably readable (12 px text at ≥ 9 px on screen). */
export const READABLE_ZOOM = 0.75;

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The zoom at which `bounds` fills a pane of this size (with 4 % padding), as React Flow fits. */
export function zoomToFit(bounds: Bounds, pane: { width: number; height: number }): number {
  return Math.min(pane.width / (bounds.width * 1.08), pane.height / (bounds.height * 1.08));
}

/** The least zoom of the first view: 12 px machine text at 10 px on screen (at FOLD_ZOOM it was ~6 px). */
export const FIRST_VIEW_ZOOM = 0.85;

/**
 * What the first view shows: the whole fleet if it fits at a zoom where labels read, else
 * the first metro, else the first facility of it, else that facility's top-left corner at that zoom. The first thing a person sees has labels they can read: a 60-node lab fitted
 * whole put labels at ~3 px, and a 10,000-node lab's first facility (1,700 machines) fitted whole
 * was below the minimum zoom, an empty canvas.
 */
export function initialBounds(graph: TopologyGraph, pane: { width: number; height: number }): Bounds {
  const whole = { x: 0, y: 0, width: graph.width, height: graph.height };
  if (zoomToFit(whole, pane) >= FIRST_VIEW_ZOOM) return whole;
  const metro = graph.nodes.find((n) => n.kind === 'metro');
  if (!metro) return whole;
  if (zoomToFit(metro, pane) >= FIRST_VIEW_ZOOM) return metro;
  const facility = graph.nodes.find((n) => n.kind === 'facility' && n.parentId === metro.id) ?? metro;
  if (zoomToFit(facility, pane) >= FIRST_VIEW_ZOOM) return facility;
  return { x: facility.x, y: facility.y, width: pane.width / FIRST_VIEW_ZOOM, height: pane.height / FIRST_VIEW_ZOOM };
}

export interface ElementData extends Record<string, unknown> {
  topology: TopologyNode;
  folded: boolean;
  collapsed: boolean;
  collapsible: boolean;
}

const EDGE_STYLE = {
  member: { stroke: '#8b5cf6', strokeWidth: 1.5 },
  gateway: { stroke: '#3b82f6', strokeWidth: 2.5, strokeDasharray: '8 5' },
} as const;

const Z: Record<TopologyNode['kind'], number> = { metro: 0, facility: 1, rack: 2, vlan: 3, machine: 4 };

export function buildElements(
  graph: TopologyGraph,
  options: { folded: boolean; collapsed: ReadonlySet<string> },
): { nodes: Node<ElementData>[]; edges: Edge[] } {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const hiddenByCollapse = (node: TopologyNode): boolean => {
    for (let parent = node.parentId; parent; parent = byId.get(parent)?.parentId ?? null) if (options.collapsed.has(parent)) return true;
    return false;
  };
  const nodes: Node<ElementData>[] = [];
  const shown = new Set<string>();
  for (const t of graph.nodes) {
    if (hiddenByCollapse(t)) continue;
    if (t.kind === 'machine' && options.folded) continue;
    const collapsed = options.collapsed.has(t.id);
    const height = collapsed ? 72 : t.height;
    shown.add(t.id);
    nodes.push({
      id: t.id,
      type: t.kind,
      position: { x: t.x, y: t.y },
      width: t.width,
      height,
      zIndex: Z[t.kind],
      draggable: false,
      selectable: t.kind === 'machine',
      connectable: false,
      handles: [
        { type: 'target', position: Position.Top, x: t.width / 2, y: 0, width: 1, height: 1, id: null },
        { type: 'source', position: Position.Bottom, x: t.width / 2, y: height, width: 1, height: 1, id: null },
      ],
      data: { topology: t, folded: options.folded, collapsed, collapsible: t.kind === 'metro' || t.kind === 'facility' },
    });
  }
  const edges: Edge[] = graph.edges
    .filter((e) => shown.has(e.source) && shown.has(e.target))
    // Above the container boxes (which would hide them), under the machine cards. Styles inline so
    // PNG/SVG export (html-to-image) keeps them; static dashes, since an animated dash repaints every
    // long edge on every frame (median frame 133–183 ms → 16.7 ms at 10,000 nodes).
    .map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      type: 'default',
      className: `edge-${e.kind}`,
      style: EDGE_STYLE[e.kind],
      selectable: false,
      focusable: false,
      zIndex: 3,
    }));
  return { nodes, edges };
}

/** How many of these machines are in each state (folded racks, VLANs and collapsed containers). */
export function countByState(memberIds: readonly string[], states: (id: string) => string | undefined): [string, number][] {
  const counts = new Map<string, number>();
  for (const id of memberIds) {
    const state = states(id);
    if (state) counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/**
 * The view snapped to a grid: the zoom down to a quarter octave, the position down to half a view
 * at that zoom, and the pane's size. It changes only that often, and edges are re-picked only then.
 */
export function edgeWindowKey(transform: readonly [number, number, number], pane: { width: number; height: number }): string {
  const [tx, ty, zoom] = transform;
  const bucket = Math.floor(Math.log2(zoom) * 4);
  const snapped = 2 ** (bucket / 4);
  const width = Math.max(1, pane.width);
  const height = Math.max(1, pane.height);
  return [bucket, Math.floor(-tx / zoom / (width / snapped / 2)), Math.floor(-ty / zoom / (height / snapped / 2)), width, height].join(',');
}

/**
 * The flow-coordinate window for a key: the snapped view widened by one view on every side, so the
 * real view (at most half a view off the grid, and no larger than the snapped zoom's view) is inside it.
 */
export function edgeWindowOf(key: string): Bounds {
  const [bucket, ix, iy, width, height] = key.split(',').map(Number) as [number, number, number, number, number];
  const zoom = 2 ** (bucket / 4);
  const w = width / zoom;
  const h = height / zoom;
  return { x: (ix * w) / 2 - w, y: (iy * h) / 2 - h, width: 3 * w, height: 3 * h };
}

/**
 * The edges whose target (always the machine) is inside `window` (node boxes by id; positions are
 * absolute). React Flow draws every edge whose bounding box meets the view, with or without its
 * ends on screen: at 10,000 nodes that was ~1,100 long VLAN lines crossing the view while 39 nodes
 * were in it, and their raster work was the p95 stall while panning (116.7 ms; `npm run bench`); at
 * 1,000 nodes the ~100 such lines are why it panned worse than 5,000 did. Each machine near the view
 * still shows its path to its VLAN, but a VLAN in view no longer fans out to every member.
 */
export function edgesNear<E extends { source: string; target: string }>(edges: readonly E[], boxes: ReadonlyMap<string, Bounds>, window: Bounds): E[] {
  return edges.filter((e) => {
    const box = boxes.get(e.target);
    return box !== undefined && overlaps(box, window);
  });
}

/** Whether two boxes share any area. */
export function overlaps(a: Bounds, b: Bounds): boolean {
  return a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;
}
