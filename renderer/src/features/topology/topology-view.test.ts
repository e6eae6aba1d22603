import { describe, expect, it } from 'vitest';
import { deriveTopology } from '../../../../electron/services/topology/derive-topology';
import { fakeNode } from '../../../../test/fakes/nodes';
import { buildElements, countByState, FOLD_ZOOM, initialBounds, zoomToFit } from './topology-view';

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
  it('shows the whole fleet when it fits at a zoom where machines are drawn, else the first metro or facility', () => {
    const big = { width: 4000, height: 3000 };
    expect(initialBounds(graph, big)).toEqual({ x: 0, y: 0, width: graph.width, height: graph.height });
    const wide = deriveTopology(Array.from({ length: 600 }, (_, i) => fakeNode({ hostname: `n-${i}`, switchUuid: `r${i % 40}`, metro: i % 2 ? { code: 'am', name: 'Amsterdam' } : { code: 'sv', name: 'Silicon Valley' } })));
    const pane = { width: 1200, height: 700 };
    expect(zoomToFit({ x: 0, y: 0, width: wide.width, height: wide.height }, pane)).toBeLessThan(FOLD_ZOOM);
    const first = initialBounds(wide, pane);
    const kind = wide.nodes.find((n) => n.x === first.x && n.y === first.y && n.width === first.width)?.kind;
    expect(['metro', 'facility']).toContain(kind);
  });
});
