/**
 * What a connection kind can do, and why a node cannot do something (docs/architecture.md#connections).
 * Every node carries the capabilities its provider offers for it; the window shows every action and
 * disables the ones a node lacks with the reason from here, never hiding a button.
 * Free of schema code, so the renderer can use it without bundling the validators.
 */

/**
 * A connection kind's id ("metal", "redfish", "ironic"…). The kinds themselves are not listed here:
 * each provider folder in main describes its own (shared/connection-kinds.ts), and the window learns
 * them from main.
 */
export type ConnectionKind = string;

export const CAPABILITIES = ['power', 'bootOverride', 'reinstall', 'userdata', 'serialConsole', 'events'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** A capability in the words a card or a tooltip uses. */
export const CAPABILITY_LABEL: Record<Capability, string> = {
  power: 'power',
  bootOverride: 'boot device',
  reinstall: 'reinstall',
  userdata: 'user data',
  serialConsole: 'serial console',
  events: 'events',
};

/** What any kind says when it does not describe the capability's absence itself. */
const DEFAULT_WHY_NOT: Record<Capability, string> = {
  power: 'Its connection offers no power control.',
  bootOverride: 'Its connection cannot set the boot device.',
  reinstall: 'Its connection cannot reinstall machines.',
  userdata: 'Its connection has no user data.',
  serialConsole: 'Its connection offers no serial console for this node.',
  events: 'Its connection keeps no events for this node.',
};

/**
 * Each kind's own why-not texts, from its description: main registers its providers' at start, the
 * window the ones main sends (`connections.kinds`). One table per process, filled from one source.
 */
const KIND_WHY_NOT = new Map<ConnectionKind, Partial<Record<Capability, string>>>();

export function registerWhyNot(kinds: readonly { kind: ConnectionKind; whyNot: Partial<Record<Capability, string>> }[]): void {
  for (const { kind, whyNot } of kinds) KIND_WHY_NOT.set(kind, whyNot);
}

/** Null when the node has the capability; else why not, in words that say what to do. */
export function capabilityMissingReason(node: { provider: ConnectionKind; capabilities: readonly Capability[] }, capability: Capability): string | null {
  if (node.capabilities.includes(capability)) return null;
  return KIND_WHY_NOT.get(node.provider)?.[capability] ?? DEFAULT_WHY_NOT[capability];
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
