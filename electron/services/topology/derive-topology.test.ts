import { describe, expect, it } from 'vitest';
import { fakeNode } from '../../../test/fakes/nodes';
import { LabFleet } from '../../lab/lab-fleet';
import { deriveTopology, topologySignature } from './derive-topology';

const dallas = { metro: { code: 'da', name: 'Dallas' }, facility: { code: 'da11', name: 'Dallas 11' } };
const fleet = [
  fakeNode({ hostname: 'sv15-edge-01', switchUuid: 'aaaa0001' }),
  fakeNode({ hostname: 'sv15-edge-02', switchUuid: 'aaaa0001', state: 'failed' }),
  fakeNode({ hostname: 'sv16-db-01', facility: { code: 'sv16', name: 'Silicon Valley 16' }, switchUuid: 'bbbb0001' }),
  fakeNode({ hostname: 'da11-gw-01', ...dallas, switchUuid: 'cccc0001', vlans: [1100, 1101], networkType: 'hybrid-bonded', tags: ['gateway'] }),
  fakeNode({ hostname: 'da11-l2-01', ...dallas, switchUuid: 'cccc0001', vlans: [1100], layer2Only: true, ips: [], networkType: 'layer2-bonded' }),
  fakeNode({ hostname: 'da11-l2-02', ...dallas, switchUuid: 'cccc0002', vlans: [1102], layer2Only: true, ips: [], networkType: 'layer2-bonded' }),
];

const byId = (graph: ReturnType<typeof deriveTopology>) => new Map(graph.nodes.map((n) => [n.id, n]));

describe('deriveTopology', () => {
  it('nests metro → facility → rack (switch) → machine with stable ids', () => {
    const graph = byId(deriveTopology(fleet));
    expect([...graph.keys()].filter((id) => !id.startsWith('machine:'))).toEqual(
      expect.arrayContaining([
        'metro:sv',
        'metro:da',
        'facility:sv15',
        'facility:sv16',
        'facility:da11',
        'rack:sv15:aaaa0001',
        'rack:da11:cccc0002',
        'vlan:da:1100',
        'vlan:da:1101',
        'vlan:da:1102',
      ]),
    );
    const edge = graph.get(`machine:${fleet[0]!.id}`)!;
    expect(edge.parentId).toBe('rack:sv15:aaaa0001');
    expect(graph.get('rack:sv15:aaaa0001')!.parentId).toBe('facility:sv15');
    expect(graph.get('facility:sv15')!.parentId).toBe('metro:sv');
    // Every machine sits inside its rack's box, and racks inside facilities.
    for (const n of graph.values()) {
      const parent = n.parentId ? graph.get(n.parentId) : undefined;
      if (!parent || n.kind === 'vlan') continue;
      expect(n.x).toBeGreaterThanOrEqual(parent.x);
      expect(n.y).toBeGreaterThanOrEqual(parent.y);
      expect(n.x + n.width).toBeLessThanOrEqual(parent.x + parent.width);
      expect(n.y + n.height).toBeLessThanOrEqual(parent.y + parent.height);
    }
  });

  it('keeps every position when only states change, and in any input order', () => {
    const before = deriveTopology(fleet);
    const changed = fleet.map((n, i) => ({ ...n, state: i % 2 ? ('powering_off' as const) : ('inactive' as const) })).reverse();
    const after = deriveTopology(changed);
    expect(after.nodes.map((n) => [n.id, n.x, n.y])).toEqual(before.nodes.map((n) => [n.id, n.x, n.y]));
    expect(topologySignature(changed)).toBe(topologySignature(fleet));
  });

  it('shows how layer-2-only machines are reached: through a gateway on their VLAN, or only over serial', () => {
    const graph = deriveTopology(fleet);
    const nodes = byId(graph);
    expect(nodes.get(`machine:${fleet[4]!.id}`)!.reach).toBe('gateway');
    expect(nodes.get(`machine:${fleet[5]!.id}`)!.reach).toBe('serial-only');
    expect(nodes.get(`machine:${fleet[0]!.id}`)!.reach).toBe('direct');
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { id: `member:vlan:da:1100:${fleet[4]!.id}`, source: 'vlan:da:1100', target: `machine:${fleet[4]!.id}`, kind: 'member' },
        { id: `gateway:${fleet[3]!.id}:vlan:da:1100`, source: 'vlan:da:1100', target: `machine:${fleet[3]!.id}`, kind: 'gateway' },
      ]),
    );
    // Plain layer-3 machines get no VLAN edges: the canvas stays readable at scale.
    expect(graph.edges.some((e) => e.target === `machine:${fleet[0]!.id}`)).toBe(false);
  });

  it('lists members for folded counts, and handles the 10,000-node lab', () => {
    const graph = byId(deriveTopology(fleet));
    expect(graph.get('rack:sv15:aaaa0001')!.members).toEqual([fleet[0]!.id, fleet[1]!.id]);
    expect(graph.get('metro:da')!.members).toHaveLength(3);
    const lab = new LabFleet({ nodeCount: 10_000 }).list().map((m) =>
      fakeNode({
        hostname: m.hostname,
        deviceId: m.id,
        metro: { code: m.metro.code, name: m.metro.name },
        facility: { code: m.facility.code, name: m.facility.name },
        switchUuid: m.switchUuid,
        vlans: m.vlans.map((v) => v.vxlan),
        layer2Only: m.networkType === 'layer2-bonded',
        networkType: m.networkType,
      }),
    );
    const big = deriveTopology(lab);
    expect(big.nodes.filter((n) => n.kind === 'machine')).toHaveLength(10_000);
    expect(new Set(big.nodes.map((n) => n.id)).size).toBe(big.nodes.length);
  });
});
