import { describe, expect, it } from 'vitest';
import { deriveTopology } from '../../../../electron/services/topology/derive-topology';
import { fakeNode } from '../../../../test/fakes/nodes';
import { buildElements, countByState, edgesNear, edgeWindowKey, edgeWindowOf, FIRST_VIEW_ZOOM, FOLD_ZOOM, initialBounds, zoomToFit } from './topology-view';

const fleet = [
  fakeNode({ hostname: 'sv15-a', switchUuid: 'r1' }),
  fakeNode({ hostname: 'sv15-b', switchUuid: 'r1', state: 'failed' }),
  fakeNode({ hostname: 'sv15-gw', switchUuid: 'r2', vlans: [7], networkType: 'hybrid-bonded', tags: ['gateway'] }),
  fakeNode({ hostname: 'sv15-l2', switchUuid: 'r2', vlans: [7], layer2Only: true, ips: [], networkType: 'layer2-bonded' }),
];
const graph = deriveTopology(fleet);

describe('topology elements', () => {
  it('gives every element its size and handles up front', () => {
    const { nodes } = buildElements(graph, { folded: false, collapsed: new Set() });
    expect(nodes).toHaveLength(graph.nodes.length);
    for (const n of nodes) {
      expect(n.width).toBeGreaterThan(0);
      expect(n.height).toBeGreaterThan(0);
      expect(n.handles).toHaveLength(2);
    }
  });

  it('folds machines into their racks at low zoom, keeping racks and VLANs with their members', () => {
    const { nodes, edges } = buildElements(graph, { folded: true, collapsed: new Set() });
    expect(nodes.some((n) => n.type === 'machine')).toBe(false);
    expect(nodes.filter((n) => n.type === 'rack').map((n) => n.data.folded)).toEqual([true, true]);
    expect(edges).toEqual([]);
    const rack = nodes.find((n) => n.id === 'rack:sv15:r1')!;
    const states = new Map(fleet.map((f) => [f.id, f.state]));
    expect(countByState(rack.data.topology.members, (id) => states.get(id))).toEqual([
      ['active', 1],
      ['failed', 1],
    ]);
  });

  it('hides everything inside a collapsed facility, and shows the layer-2 edges otherwise', () => {
    const open = buildElements(graph, { folded: false, collapsed: new Set() });
    expect(open.edges.map((e) => e.className).sort()).toEqual(['edge-gateway', 'edge-member']);
    const closed = buildElements(graph, { folded: false, collapsed: new Set(['facility:sv15']) });
    expect(closed.nodes.map((n) => n.id).sort()).toEqual(['facility:sv15', 'metro:sv', 'vlan:sv:7']);
    expect(closed.nodes.find((n) => n.id === 'facility:sv15')!.data.collapsed).toBe(true);
  });
});

describe('first view', () => {
  it('shows the whole fleet when it fits at a zoom where labels read, else the first metro or facility', () => {
    const big = { width: 8000, height: 6000 };
    expect(initialBounds(graph, big)).toEqual({ x: 0, y: 0, width: graph.width, height: graph.height });
    const wide = deriveTopology(
      Array.from({ length: 600 }, (_, i) =>
        fakeNode({ hostname: `n-${i}`, switchUuid: `r${i % 40}`, metro: i % 2 ? { code: 'am', name: 'Amsterdam' } : { code: 'sv', name: 'Silicon Valley' } }),
      ),
    );
    const pane = { width: 1200, height: 700 };
    expect(zoomToFit({ x: 0, y: 0, width: wide.width, height: wide.height }, pane)).toBeLessThan(FOLD_ZOOM);
    const first = initialBounds(wide, pane);
    // A metro or facility, or the top-left corner of one that is too big to fit readably.
    const anchor = wide.nodes.find((n) => n.x === first.x && n.y === first.y && (n.kind === 'metro' || n.kind === 'facility'));
    expect(anchor).toBeDefined();
    expect(zoomToFit(first, pane)).toBeGreaterThanOrEqual(FIRST_VIEW_ZOOM / 1.08 - 0.001);
  });

  it('starts a facility too big to fit at its top-left corner, at a zoom where labels read', () => {
    const huge = deriveTopology(Array.from({ length: 3000 }, (_, i) => fakeNode({ hostname: `n-${i}`, switchUuid: `r${i % 150}` })));
    const pane = { width: 1200, height: 700 };
    const facility = huge.nodes.find((n) => n.kind === 'facility')!;
    expect(zoomToFit(facility, pane)).toBeLessThan(FOLD_ZOOM);
    const first = initialBounds(huge, pane);
    expect(first).toMatchObject({ x: facility.x, y: facility.y });
    expect(zoomToFit(first, pane)).toBeCloseTo(FIRST_VIEW_ZOOM / 1.08, 2);
  });
});

describe('edges near the view', () => {
  const boxes = new Map([
    ['vlan', { x: 0, y: 0, width: 100, height: 40 }],
    ['near', { x: 300, y: 0, width: 100, height: 40 }],
    ['far', { x: 50_000, y: 0, width: 100, height: 40 }],
    ['farther', { x: 90_000, y: 0, width: 100, height: 40 }],
  ]);
  const edges = [
    { id: 'a', source: 'vlan', target: 'near' },
    { id: 'b', source: 'vlan', target: 'far' },
    { id: 'c', source: 'far', target: 'farther' },
  ];

  const pane = { width: 1000, height: 800 };

  it('keeps an edge while the machine it leads to is near the view', () => {
    // A 1,000 × 800 view at 100 % with the VLAN at its top-left corner.
    const window = edgeWindowOf(edgeWindowKey([0, 0, 1], pane));
    expect(window).toEqual({ x: -1000, y: -800, width: 3000, height: 2400 });
    // The VLAN in view does not fan out to its far member.
    expect(edgesNear(edges, boxes, window).map((e) => e.id)).toEqual(['a']);
    // Looking at the far machine: its line back to the VLAN, not the one it starts.
    const there = edgeWindowOf(edgeWindowKey([-50_000, 0, 1], pane));
    expect(edgesNear(edges, boxes, there).map((e) => e.id)).toEqual(['b']);
  });

  it('moves its key only after half a view of panning or a quarter octave of zoom, and its window always holds the view', () => {
    const key = edgeWindowKey([0, 0, 1], pane);
    expect(edgeWindowKey([-400, -300, 1], pane)).toBe(key);
    expect(edgeWindowKey([-600, 0, 1], pane)).not.toBe(key);
    expect(edgeWindowKey([0, 0, 1.1], pane)).toBe(key);
    expect(edgeWindowKey([0, 0, 1.3], pane)).not.toBe(key);
    for (const [tx, ty, zoom] of [
      [-37, 12, 0.3],
      [-12_345, -678, 1.7],
      [5_000, 4_000, 0.06],
      [-499, -399, 1.18],
    ] as const) {
      const window = edgeWindowOf(edgeWindowKey([tx, ty, zoom], pane));
      const view = { x: -tx / zoom, y: -ty / zoom, width: pane.width / zoom, height: pane.height / zoom };
      expect(window.x).toBeLessThanOrEqual(view.x);
      expect(window.y).toBeLessThanOrEqual(view.y);
      expect(window.x + window.width).toBeGreaterThanOrEqual(view.x + view.width);
      expect(window.y + window.height).toBeGreaterThanOrEqual(view.y + view.height);
    }
  });
});
