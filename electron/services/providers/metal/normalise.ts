/** Metal API v1 `Device` → Ironpane `FleetNode`. Pure; tolerant of href-only nested objects. */
import {
  NODE_STATES,
  NodeOsStateSchema,
  OS_STATE_CUSTOMDATA_KEY,
  type Capability,
  type FleetNode,
  type NodeOsState,
  type NodeState,
  type OsFamily,
} from '../../../../shared/model';
import type { DeviceWire } from './wire';

/** What a Metal device offers (and the lab's, which speaks the Metal API). */
export const METAL_CAPABILITIES: readonly Capability[] = ['power', 'reinstall', 'userdata', 'serialConsole', 'events'];

const LAYER2_NETWORK_TYPES = new Set(['layer2-bonded', 'layer2-individual']);

export function osFamilyOf(distro: string | null | undefined, slug: string | null | undefined): OsFamily {
  const text = `${distro ?? ''} ${slug ?? ''}`.toLowerCase();
  if (text.includes('flatcar')) return 'flatcar';
  if (text.includes('talos')) return 'talos';
  if (text.includes('ubuntu')) return 'ubuntu';
  if (text.includes('nixos')) return 'nixos';
  if (text.includes('freebsd')) return 'freebsd';
  return 'other';
}

/** Flatcar slugs carry their channel (`flatcar_stable`, `flatcar_beta`, …). */
function channelOf(family: OsFamily, slug: string): string | null {
  if (family !== 'flatcar') return null;
  const match = /flatcar_(stable|beta|alpha|lts|edge)/.exec(slug);
  return match ? match[1]! : 'stable';
}

function stateOf(value: string | null | undefined): NodeState {
  return (NODE_STATES as readonly string[]).includes(value ?? '') ? (value as NodeState) : 'failed';
}

/** The port that carries the device's network mode: bond0 when present, else the first port. */
function primaryPort(device: DeviceWire) {
  const ports = device.network_ports ?? [];
  return ports.find((p) => p.name === 'bond0') ?? ports.find((p) => p.type === 'NetworkBondPort') ?? ports[0];
}

/** The node agent's OS report in `customdata`; a malformed one is ignored rather than trusted. */
function osStateOf(device: DeviceWire): NodeOsState | null {
  const parsed = NodeOsStateSchema.safeParse(device.customdata?.[OS_STATE_CUSTOMDATA_KEY]);
  return parsed.success ? parsed.data : null;
}

export function normaliseDevice(accountId: string, device: DeviceWire, provider: 'lab' | 'metal' = 'metal'): FleetNode {
  const os = device.operating_system;
  const family = osFamilyOf(os?.distro, os?.slug);
  const ips = (device.ip_addresses ?? [])
    .filter((ip) => ip.address)
    .map((ip) => ({
      address: ip.address!,
      family: ip.address_family === 6 ? (6 as const) : (4 as const),
      public: ip.public ?? false,
      management: ip.management ?? false,
    }));
  const port = primaryPort(device);
  const networkType = port?.network_type ?? null;
  const vlans = new Set<number>();
  for (const p of device.network_ports ?? []) {
    for (const vn of p.virtual_networks ?? []) if (typeof vn.vxlan === 'number') vlans.add(vn.vxlan);
  }
  const layer2Only = networkType ? LAYER2_NETWORK_TYPES.has(networkType) : ips.length > 0 && ips.every((ip) => !ip.public && !ip.management);
  const place = (p: { code?: string | null; name?: string | null } | null | undefined) => (p?.code ? { code: p.code, name: p.name ?? p.code } : null);

  return {
    id: `${accountId}:${device.id}`,
    accountId,
    deviceId: device.id,
    shortId: device.short_id ?? device.id.slice(0, 8),
    hostname: device.hostname ?? device.short_id ?? device.id,
    description: device.description ?? '',
    state: stateOf(device.state),
    provisioningPercentage: device.provisioning_percentage ?? null,
    metro: place(device.metro ?? device.facility?.metro),
    facility: place(device.facility),
    plan: device.plan?.slug ?? device.plan?.name ?? null,
    os: {
      slug: os?.slug ?? 'unknown',
      name: os?.name ?? os?.slug ?? 'Unknown OS',
      family,
      version: os?.version ?? '',
      channel: channelOf(family, os?.slug ?? ''),
    },
    osState: osStateOf(device),
    ips,
    tags: device.tags ?? [],
    layer2Only,
    networkType,
    switchUuid: device.switch_uuid ?? null,
    vlans: [...vlans].sort((a, b) => a - b),
    sosHost: device.sos ?? null,
    actions: (device.actions ?? []).map((a) => a.type).filter((t): t is string => Boolean(t)),
    provider,
    capabilities: [...METAL_CAPABILITIES],
    hardware: null,
    bootOverride: null,
    createdAt: device.created_at ?? '',
    updatedAt: device.updated_at ?? '',
  };
}
