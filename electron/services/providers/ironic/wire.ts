/**
 * The parts of Ironic's Bare Metal API (https://docs.openstack.org/api-ref/baremetal/) Ironpane reads,
 * at the microversions the client negotiates. Loose on purpose: newer Ironics add fields. BMC
 * credentials in `driver_info` are never kept: `DriverInfoWire` picks the address keys and drops the
 * rest at this boundary (with the default policy the API masks them as "******" anyway).
 */
import { z } from 'zod';

/** `GET /`: the root document names the API's version range (api-ref "Root resource"). */
export const RootWire = z.looseObject({
  name: z.string().nullish(),
  default_version: z.looseObject({ id: z.string(), min_version: z.string(), version: z.string() }),
});

/** Where a node's BMC is, from `driver_info`: only these keys survive the parse. */
const ADDRESS_KEYS = ['redfish_address', 'ipmi_address', 'idrac_address', 'drac_address', 'ilo_address', 'irmc_address', 'ibmc_address'] as const;
export const DriverInfoWire = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((info) => {
    for (const key of ADDRESS_KEYS) {
      const value = info?.[key];
      if (typeof value === 'string' && value) return { bmcAddress: value.slice(0, 256), key };
    }
    return { bmcAddress: null, key: null };
  });

/** A configdrive as Ironic keeps it: the JSON we sent (1.56+), a gzipped ISO, a URL, or masked. */
const ConfigdriveWire = z.union([z.string(), z.looseObject({ user_data: z.unknown().optional(), meta_data: z.unknown().optional() })]).nullish();

export const NodeWire = z.looseObject({
  uuid: z.string().min(1).max(64),
  name: z.string().max(255).nullish(),
  description: z.string().nullish(),
  provision_state: z.string().max(64).nullish(),
  target_provision_state: z.string().max(64).nullish(),
  provision_updated_at: z.string().nullish(),
  power_state: z.string().max(64).nullish(),
  target_power_state: z.string().max(64).nullish(),
  maintenance: z.boolean().nullish(),
  maintenance_reason: z.string().nullish(),
  last_error: z.string().nullish(),
  fault: z.string().nullish(),
  reservation: z.string().nullish(),
  driver: z.string().max(128).nullish(),
  driver_info: DriverInfoWire,
  resource_class: z.string().nullish(),
  conductor_group: z.string().nullish(),
  console_enabled: z.boolean().nullish(),
  console_interface: z.string().nullish(),
  rescue_interface: z.string().nullish(),
  properties: z
    .looseObject({
      cpus: z.union([z.number(), z.string()]).nullish(),
      memory_mb: z.union([z.number(), z.string()]).nullish(),
      local_gb: z.union([z.number(), z.string()]).nullish(),
    })
    .nullish(),
  traits: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.unknown()).nullish(),
  instance_info: z
    .looseObject({
      image_source: z.string().nullish(),
      boot_iso: z.string().nullish(),
      configdrive: ConfigdriveWire,
    })
    .nullish(),
  /** Only `GET /v1/nodes/detail` and `GET /v1/nodes/{id}` without `fields` return it (it is not a valid field). */
  updated_at: z.string().nullish(),
});
export type NodeWire = z.infer<typeof NodeWire>;

export const NodeListWire = z.looseObject({ nodes: z.array(NodeWire), next: z.string().nullish() });

/**
 * What the list asks for (`fields=`, 1.8+). Every name here must be a field of the node at the
 * microversion sent (the contract test checks them against the API reference's table).
 */
export const NODE_FIELDS = [
  'uuid',
  'name',
  'description',
  'provision_state',
  'target_provision_state',
  'provision_updated_at',
  'power_state',
  'target_power_state',
  'maintenance',
  'maintenance_reason',
  'last_error',
  'fault',
  'reservation',
  'driver',
  'driver_info',
  'resource_class',
  'conductor_group',
  'console_enabled',
  'console_interface',
  'rescue_interface',
  'properties',
  'traits',
  'extra',
  'instance_info',
] as const;

export const PortWire = z.looseObject({
  uuid: z.string(),
  address: z.string().nullish(),
  node_uuid: z.string().nullish(),
  portgroup_uuid: z.string().nullish(),
  physical_network: z.string().nullish(),
  local_link_connection: z.looseObject({ switch_id: z.string().nullish(), port_id: z.string().nullish(), switch_info: z.string().nullish() }).nullish(),
});
export const PortListWire = z.looseObject({ ports: z.array(PortWire), next: z.string().nullish() });

export const ConsoleWire = z.looseObject({
  console_enabled: z.boolean(),
  console_info: z.looseObject({ type: z.string().nullish(), url: z.string().nullish() }).nullish(),
});

export const BootDeviceWire = z.looseObject({ boot_device: z.string().nullish(), persistent: z.boolean().nullish() });
export const SupportedBootDevicesWire = z.looseObject({ supported_boot_devices: z.array(z.string()) });

export const HistoryWire = z.looseObject({
  history: z.array(
    z.looseObject({
      uuid: z.string().nullish(),
      created_at: z.string().nullish(),
      severity: z.string().nullish(),
      event_type: z.string().nullish(),
      event: z.string().nullish(),
    }),
  ),
});

/**
 * Ironic's error body: `{"error_message": "<JSON text>"}` whose inner document has `faultstring`
 * (wsme) or `description` (a 406 from the version middleware), as recorded from the peer.
 */
export const ErrorWire = z.looseObject({ error_message: z.string() });
export const InnerErrorWire = z.looseObject({ faultstring: z.string().nullish(), description: z.string().nullish(), title: z.string().nullish() });
