/**
 * The subset of the Equinix Metal API v1 wire format Ironpane reads, as lenient runtime schemas.
 * Every field is optional in the spec (the Metal API v1 OpenAPI document), and a nested
 * object may arrive either whole or as `{href}` depending on include/exclude, so parsing tolerates
 * both and unknown fields pass through.
 */
import { z } from 'zod';

const str = z.string().nullish();

export const MetroWire = z.looseObject({ id: str, code: str, name: str, country: str, href: str });
export const FacilityWire = z.looseObject({ id: str, code: str, name: str, href: str, metro: MetroWire.nullish() });
export const OperatingSystemWire = z.looseObject({ id: str, slug: str, name: str, distro: str, version: str, href: str });
export const PlanWire = z.looseObject({ id: str, slug: str, name: str, href: str });
export const IpAssignmentWire = z.looseObject({
  address: str,
  address_family: z.number().nullish(),
  public: z.boolean().nullish(),
  management: z.boolean().nullish(),
});
export const VirtualNetworkRefWire = z.looseObject({ id: str, href: str, vxlan: z.number().nullish() });
export const PortWire = z.looseObject({
  id: str,
  name: str,
  type: str,
  network_type: str,
  virtual_networks: z.array(VirtualNetworkRefWire).nullish(),
  native_virtual_network: VirtualNetworkRefWire.nullish(),
});

export const DeviceWire = z.looseObject({
  id: z.string(),
  short_id: str,
  href: str,
  hostname: str,
  description: str,
  state: str,
  provisioning_percentage: z.number().nullish(),
  tags: z.array(z.string()).nullish(),
  created_at: str,
  updated_at: str,
  metro: MetroWire.nullish(),
  facility: FacilityWire.nullish(),
  plan: PlanWire.nullish(),
  operating_system: OperatingSystemWire.nullish(),
  ip_addresses: z.array(IpAssignmentWire).nullish(),
  network_ports: z.array(PortWire).nullish(),
  switch_uuid: str,
  sos: str,
  customdata: z.record(z.string(), z.unknown()).nullish(),
  actions: z.array(z.looseObject({ type: str, name: str })).nullish(),
});
export type DeviceWire = z.infer<typeof DeviceWire>;

export const HrefWire = z.looseObject({ href: z.string() });
export const MetaWire = z.looseObject({
  total: z.number().nullish(),
  current_page: z.number().nullish(),
  last_page: z.number().nullish(),
  next: HrefWire.nullish(),
});

/** A page of devices; each is checked against DeviceWire a slice at a time (MetalClient.eachDevicePage). */
export const DevicePageWire = z.looseObject({ devices: z.array(z.unknown()), meta: MetaWire.nullish() });

export const EventWire = z.looseObject({
  id: z.string(),
  type: str,
  state: str,
  body: str,
  interpolated: str,
  created_at: str,
  /** What the event is about: a device's href among them (`/metal/v1/devices/{id}`). */
  relationships: z.array(HrefWire).nullish(),
});
export const EventListWire = z.looseObject({ events: z.array(EventWire), meta: MetaWire.nullish() });

export const ProjectWire = z.looseObject({ id: z.string(), name: str });

/** The catalogs a light device's hrefs point into (a first sync of a large fleet resolves them). */
export const MetroListWire = z.looseObject({ metros: z.array(MetroWire) });
export const FacilityListWire = z.looseObject({ facilities: z.array(FacilityWire) });
export const PlanListWire = z.looseObject({ plans: z.array(PlanWire) });

export const OperatingSystemListWire = z.looseObject({
  operating_systems: z.array(OperatingSystemWire.extend({ provisionable_on: z.array(z.string()).nullish() })),
});

export const UserdataWire = z.looseObject({ userdata: z.string().nullish() });

export const ErrorWire = z.looseObject({ error: z.string().nullish(), errors: z.array(z.string()).nullish() });

export const DEVICE_ACTION_TYPES = ['power_on', 'power_off', 'reboot', 'reinstall', 'rescue'] as const;
export type DeviceActionType = (typeof DEVICE_ACTION_TYPES)[number];

/** `DeviceActionInput` from the spec. */
export interface DeviceActionInput {
  type: DeviceActionType;
  operating_system?: string;
  preserve_data?: boolean;
  deprovision_fast?: boolean;
  ipxe_script_url?: string;
}
