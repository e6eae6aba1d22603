/**
 * The fleet as places and networks: metro → facility → rack (the switch pair, Metal's
 * `switch_uuid`, the only rack signal the API gives) → machine, with VLANs
 * (layer-2 domains) per metro and the paths by which layer-2-only machines are reached: through a
 * gateway machine on the same VLAN, or only over the serial console.
 *
 * Pure and deterministic: the same fleet structure always gives the same ids and positions, and
 * state changes do not move anything. Layout is a fixed nested grid (containers side by side,
 * machines in rows inside their rack) with every size known up front, which is what React Flow
 * needs to render only what is visible (docs/architecture.md#topology).
 */
import type { FleetNode, TopologyEdge, TopologyGraph, TopologyNode } from '../../../shared/model';

export const LAYOUT = {
  card: { width: 200, height: 64 },
  gap: 12,
  pad: 16,
  header: 36,
  rackColumns: 4,
  vlan: { width: 180, height: 44 },
  metroGap: 120,
  facilityGap: 48,
  rackGap: 28,
} as const;

const collator = new Intl.Collator(undefined, { numeric: true });
const byName =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    collator.compare(key(a), key(b));

/** A machine that routes for its VLANs: hybrid networking (L3 plus VLANs), or tagged as a gateway. */
function isGateway(node: FleetNode): boolean {
  return node.vlans.length > 0 && !node.layer2Only && (node.networkType?.startsWith('hybrid') === true || node.tags.includes('gateway'));
}

/** The structural fingerprint: what moves things on the canvas. State changes leave it alone. */
export function topologySignature(nodes: readonly FleetNode[]): string {
  return nodes
    .map((n) => `${n.id}|${n.metro?.code}|${n.facility?.code}|${n.switchUuid}|${n.vlans.join(',')}|${n.layer2Only}|${isGateway(n)}`)
    .sort()
    .join('\n');
}

export function deriveTopology(fleet: readonly FleetNode[], version = 0): TopologyGraph {
  const { card, gap, pad, header, rackColumns, vlan: vlanSize } = LAYOUT;
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];

  // Group: metro → facility → rack → machines.
  const metros = new Map<string, { name: string; facilities: Map<string, { name: string; racks: Map<string, FleetNode[]> }> }>();
  for (const node of fleet) {
    const metroCode = node.metro?.code ?? 'unknown';
    const facilityCode = node.facility?.code ?? `${metroCode}-unknown`;
    const metro = metros.get(metroCode) ?? { name: node.metro?.name ?? 'Unknown metro', facilities: new Map() };
    metros.set(metroCode, metro);
    const facility = metro.facilities.get(facilityCode) ?? { name: node.facility?.name ?? 'Unknown facility', racks: new Map() };
    metro.facilities.set(facilityCode, facility);
    const rackKey = node.switchUuid ?? 'unracked';
    const rack = facility.racks.get(rackKey) ?? [];
    rack.push(node);
    facility.racks.set(rackKey, rack);
  }

  const rackWidth = pad * 2 + rackColumns * card.width + (rackColumns - 1) * gap;
  const facilityWidth = rackWidth + pad * 2;
  let metroX = 0;
  let maxHeight = 0;

  for (const [metroCode, metro] of [...metros].sort(byName(([code]) => code))) {
    const metroId = `metro:${metroCode}`;
    const metroMembers: string[] = [];
    const facilities = [...metro.facilities].sort(byName(([code]) => code));
    const metroWidth = Math.max(pad * 2 + facilities.length * facilityWidth + (facilities.length - 1) * LAYOUT.facilityGap, 2 * pad + vlanSize.width);

    // VLANs of this metro, in a band under the metro header.
    const vlanMembers = new Map<number, FleetNode[]>();
    for (const [, facility] of facilities)
      for (const [, rack] of facility.racks) for (const n of rack) for (const v of n.vlans) vlanMembers.set(v, [...(vlanMembers.get(v) ?? []), n]);
    const vlans = [...vlanMembers.keys()].sort((a, b) => a - b);
    const vlansPerRow = Math.max(1, Math.floor((metroWidth - pad * 2 + gap) / (vlanSize.width + gap)));
    const vlanRows = Math.ceil(vlans.length / vlansPerRow);
    vlans.forEach((vxlan, i) => {
      const members = vlanMembers.get(vxlan)!;
      nodes.push({
        id: `vlan:${metroCode}:${vxlan}`,
        kind: 'vlan',
        parentId: metroId,
        x: metroX + pad + (i % vlansPerRow) * (vlanSize.width + gap),
        y: header + pad + Math.floor(i / vlansPerRow) * (vlanSize.height + gap),
        width: vlanSize.width,
        height: vlanSize.height,
        label: `VLAN ${vxlan}`,
        nodeId: null,
        reach: null,
        members: members.map((m) => m.id),
      });
    });
    const facilitiesTop = header + pad + vlanRows * (vlanSize.height + gap) + (vlanRows > 0 ? pad : 0);
    const reachable = new Set<number>(vlans.filter((v) => vlanMembers.get(v)!.some(isGateway)));
    const reachOf = (m: FleetNode): TopologyNode['reach'] => (!m.layer2Only ? 'direct' : m.vlans.some((v) => reachable.has(v)) ? 'gateway' : 'serial-only');

    let facilityX = metroX + pad;
    let metroBottom = facilitiesTop;
    for (const [facilityCode, facility] of facilities) {
      const facilityId = `facility:${facilityCode}`;
      const facilityMembers: string[] = [];
      let rackY = facilitiesTop + header + pad;
      const facilityNodeIndex = nodes.length;
      nodes.push({
        id: facilityId,
        kind: 'facility',
        parentId: metroId,
        x: facilityX,
        y: facilitiesTop,
        width: facilityWidth,
        height: 0,
        label: `${facility.name} (${facilityCode})`,
        nodeId: null,
        reach: null,
        members: facilityMembers,
      });
      for (const [rackKey, machines] of [...facility.racks].sort(byName(([key]) => key))) {
        machines.sort(byName((m) => m.hostname));
        const rows = Math.ceil(machines.length / rackColumns);
        const rackHeight = header + pad * 2 + rows * card.height + (rows - 1) * gap;
        const rackId = `rack:${facilityCode}:${rackKey}`;
        nodes.push({
          id: rackId,
          kind: 'rack',
          parentId: facilityId,
          x: facilityX + pad,
          y: rackY,
          width: rackWidth,
          height: rackHeight,
          label: rackKey === 'unracked' ? 'Unknown switch' : `Switch ${rackKey}`,
          nodeId: null,
          reach: null,
          members: machines.map((m) => m.id),
        });
        machines.forEach((m, i) => {
          nodes.push({
            id: `machine:${m.id}`,
            kind: 'machine',
            parentId: rackId,
            x: facilityX + pad * 2 + (i % rackColumns) * (card.width + gap),
            y: rackY + header + pad + Math.floor(i / rackColumns) * (card.height + gap),
            width: card.width,
            height: card.height,
            label: m.hostname,
            nodeId: m.id,
            reach: reachOf(m),
            members: [],
          });
          facilityMembers.push(m.id);
          metroMembers.push(m.id);
        });
        rackY += rackHeight + LAYOUT.rackGap;
      }
      const facilityHeight = rackY - LAYOUT.rackGap + pad - facilitiesTop;
      nodes[facilityNodeIndex]!.height = facilityHeight;
      metroBottom = Math.max(metroBottom, facilitiesTop + facilityHeight);
      facilityX += facilityWidth + LAYOUT.facilityGap;
    }
    const metroHeight = metroBottom + pad;
    nodes.push({
      id: metroId,
      kind: 'metro',
      parentId: null,
      x: metroX,
      y: 0,
      width: metroWidth,
      height: metroHeight,
      label: `${metro.name} (${metroCode})`,
      nodeId: null,
      reach: null,
      members: metroMembers,
    });
    maxHeight = Math.max(maxHeight, metroHeight);

    // Layer-2 paths: each L2-only machine hangs off its VLANs; a gateway on one of them is its way in.
    for (const vxlan of vlans) {
      const members = vlanMembers.get(vxlan)!;
      const vlanId = `vlan:${metroCode}:${vxlan}`;
      for (const m of members) {
        // Drawn VLAN → machine like membership, so every path runs top-down through the metro.
        if (isGateway(m)) edges.push({ id: `gateway:${m.id}:${vlanId}`, source: vlanId, target: `machine:${m.id}`, kind: 'gateway' });
        else if (m.layer2Only) edges.push({ id: `member:${vlanId}:${m.id}`, source: vlanId, target: `machine:${m.id}`, kind: 'member' });
      }
    }
    metroX += metroWidth + LAYOUT.metroGap;
  }

  // Containers first so they paint under their machines.
  const order: Record<TopologyNode['kind'], number> = { metro: 0, facility: 1, rack: 2, vlan: 3, machine: 4 };
  nodes.sort((a, b) => order[a.kind] - order[b.kind]);
  return { version, width: Math.max(0, metroX - LAYOUT.metroGap), height: maxHeight, nodes, edges };
}
