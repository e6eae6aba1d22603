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

/**
 * The node's fields a light device list carries (no nested objects: see MetalProvider): a light list
 * that shows one of these moved is merged over the node the provider has, without fetching it.
 */
export type LightNodeFields = Pick<
  FleetNode,
  | 'shortId'
  | 'hostname'
  | 'description'
  | 'state'
  | 'provisioningPercentage'
  | 'osState'
  | 'tags'
  | 'switchUuid'
  | 'sosHost'
  | 'actions'
  | 'createdAt'
  | 'updatedAt'
>;

export function normaliseLightFields(device: DeviceWire): LightNodeFields {
  return {
    shortId: device.short_id ?? device.id.slice(0, 8),
    hostname: device.hostname ?? device.short_id ?? device.id,
    description: device.description ?? '',
    state: stateOf(device.state),
    provisioningPercentage: device.provisioning_percentage ?? null,
    osState: osStateOf(device),
    tags: device.tags ?? [],
    switchUuid: device.switch_uuid ?? null,
    sosHost: device.sos ?? null,
    actions: (device.actions ?? []).map((a) => a.type).filter((t): t is string => Boolean(t)),
    createdAt: device.created_at ?? '',
    updatedAt: device.updated_at ?? '',
  };
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
  const light = normaliseLightFields(device);

  return {
    id: `${accountId}:${device.id}`,
    accountId,
    deviceId: device.id,
    shortId: light.shortId,
    hostname: light.hostname,
    description: light.description,
    state: light.state,
    provisioningPercentage: light.provisioningPercentage,
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
    osState: light.osState,
    ips,
    tags: light.tags,
    layer2Only,
    networkType,
    switchUuid: light.switchUuid,
    vlans: [...vlans].sort((a, b) => a - b),
    sosHost: light.sosHost,
    actions: light.actions,
    provider,
    capabilities: [...METAL_CAPABILITIES],
    hardware: null,
    bootOverride: null,
    createdAt: light.createdAt,
    updatedAt: light.updatedAt,
  };
}
