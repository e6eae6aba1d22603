/**
 * What a connection kind can do, and why a node cannot do something (docs/architecture.md#connections).
 * Every node carries the capabilities its provider offers for it; the window shows every action and
 * disables the ones a node lacks with the reason from here, never hiding a button.
 * Free of schema code, so the renderer can use it without bundling the validators.
 */

export const CONNECTION_KINDS = ['lab', 'metal', 'inventory', 'redfish', 'ipmi'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

export const CAPABILITIES = ['power', 'bootOverride', 'reinstall', 'userdata', 'serialConsole', 'events'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const CONNECTION_KIND_LABEL: Record<ConnectionKind, string> = {
  lab: 'Lab fleet',
  metal: 'Metal API',
  inventory: 'Inventory file',
  redfish: 'Redfish BMC',
  ipmi: 'IPMI BMC',
};

/** What each kind can ever offer; a node may offer less (an inventory node without a BMC has no power). */
export const KIND_CAPABILITIES: Record<ConnectionKind, readonly Capability[]> = {
  lab: ['power', 'reinstall', 'userdata', 'serialConsole', 'events'],
  metal: ['power', 'reinstall', 'userdata', 'serialConsole', 'events'],
  inventory: ['power', 'bootOverride', 'serialConsole', 'events'],
  redfish: ['power', 'bootOverride', 'serialConsole', 'events'],
  ipmi: ['power', 'bootOverride'],
};

const WHY_NOT: Record<Capability, Partial<Record<ConnectionKind, string>> & { default: string }> = {
  power: {
    inventory: 'The inventory file lists no BMC for this node; add a `bmc:` entry to control its power.',
    default: 'Its connection offers no power control.',
  },
  bootOverride: {
    lab: 'The Metal API has no boot override; reinstall the node or use its serial console.',
    metal: 'The Metal API has no boot override; reinstall the node or use its serial console.',
    inventory: 'The inventory file lists no BMC for this node; add a `bmc:` entry to set its boot device.',
    default: 'Its connection cannot set the boot device.',
  },
  reinstall: {
    inventory: 'An inventory file only describes machines; reinstall needs a provisioning API (Metal, Tinkerbell).',
    redfish: 'A BMC cannot install an operating system by itself; set a one-time PXE boot and power-cycle instead.',
    ipmi: 'A BMC cannot install an operating system by itself; set a one-time PXE boot and power-cycle instead.',
    default: 'Its connection cannot reinstall machines.',
  },
  userdata: {
    inventory: 'An inventory file has no user data to apply; config is applied through a provisioning API.',
    redfish: 'A BMC has no user data; config is applied through a provisioning API.',
    ipmi: 'A BMC has no user data; config is applied through a provisioning API.',
    default: 'Its connection has no user data.',
  },
  serialConsole: {
    inventory: 'The inventory file lists no `console:` for this node.',
    redfish: "The BMC's manager offers no serial console over SSH.",
    ipmi: 'Serial over LAN is not built in yet: run `ipmitool -I lanplus sol activate` behind an sshd (ForceCommand) or a conserver, and list that as the console in an inventory file.',
    default: 'Its connection offers no serial console for this node.',
  },
  events: {
    ipmi: 'IPMI offers no event log Ironpane reads yet.',
    default: 'Its connection keeps no events for this node.',
  },
};

/** Null when the node has the capability; else why not, in words that say what to do. */
export function capabilityMissingReason(node: { provider: ConnectionKind; capabilities: readonly Capability[] }, capability: Capability): string | null {
  if (node.capabilities.includes(capability)) return null;
  const reasons = WHY_NOT[capability];
  return reasons[node.provider] ?? reasons.default;
}

export const BOOT_TARGETS = ['Pxe', 'Hdd', 'Cd', 'UefiHttp', 'BiosSetup', 'None'] as const;
export type BootTarget = (typeof BOOT_TARGETS)[number];
export const BOOT_TARGET_LABEL: Record<BootTarget, string> = {
  Pxe: 'Network (PXE)',
  Hdd: 'Disk',
  Cd: 'CD / virtual media',
  UefiHttp: 'UEFI HTTP boot',
  BiosSetup: 'Firmware setup',
  None: 'No override',
};
