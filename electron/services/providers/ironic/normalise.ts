/**
 * An Ironic node as Ironpane's FleetNode: the provision state machine
 * (https://docs.openstack.org/ironic/latest/user/states.html) and power state become one node
 * state, Ironic's own state stays beside it in its words and in plain ones, and placement comes from
 * the source the connection chose.
 */
import type { BootTarget, Capability, FleetNode, LifecycleAction, NodeProvisioning, NodeState, OsFamily } from '../../../../shared/model';
import type { NodeWire } from './wire';

/** How a connection places its nodes in the topology. */
export type Placement = { source: 'extra' } | { source: 'conductor_group' } | { source: 'name'; pattern: RegExp };

export interface IronicImage {
  /** The image URL (`instance_info.image_source`, or `boot_iso` for a ramdisk deploy): also its slug. */
  url: string;
  name: string;
}

export interface NormaliseContext {
  accountId: string;
  placement: Placement;
  images: readonly IronicImage[];
  osFamily: OsFamily;
  /** The negotiated microversion has node history (1.78+). */
  history: boolean;
  /** Ports of the node, for its layer 2 (switch and physical network). */
  ports?: readonly { switchId: string | null; portId: string | null; physicalNetwork: string | null }[];
}

/** States that take a while, in Ironic's words: Ironpane's node follows them closely. */
const BUSY: Record<string, NodeState> = {
  deploying: 'provisioning',
  'wait call-back': 'provisioning',
  rebuilding: 'reinstalling',
  deleting: 'deprovisioning',
  cleaning: 'deprovisioning',
  'clean wait': 'deprovisioning',
  inspecting: 'provisioning',
  'inspect wait': 'provisioning',
  verifying: 'provisioning',
  rescuing: 'provisioning',
  'rescue wait': 'provisioning',
  unrescuing: 'provisioning',
  adopting: 'provisioning',
  servicing: 'provisioning',
  'service wait': 'provisioning',
  deploy_hold: 'provisioning',
};

const WORDS: Record<string, string> = {
  enroll: 'Enrolled: Ironic has not checked its BMC yet (manage it)',
  verifying: 'Checking its BMC credentials',
  manageable: 'Manageable: checked, not offered for deployment (provide it)',
  available: 'Available: clean and ready to deploy',
  deploying: 'Deploying',
  'wait call-back': 'Deploying: waiting for the deploy ramdisk to call back',
  active: 'Deployed',
  deleting: 'Undeploying',
  cleaning: 'Cleaning',
  'clean wait': 'Cleaning: waiting for the ramdisk',
  inspecting: 'Inspecting its hardware',
  'inspect wait': 'Inspecting: waiting for the ramdisk',
  rescuing: 'Booting the rescue ramdisk',
  'rescue wait': 'Booting the rescue ramdisk: waiting for it',
  rescue: 'In rescue: the rescue ramdisk runs, its disk is untouched',
  unrescuing: 'Leaving rescue',
  adopting: 'Being adopted',
  error: 'Error: Ironic could not finish the last action',
};

export function provisionWords(state: string, target: string | null): string {
  const base = WORDS[state] ?? (state.endsWith(' failed') ? `${state.charAt(0).toUpperCase()}${state.slice(1)}` : state);
  return target && !WORDS[state]?.includes('waiting') && target !== state ? `${base} (going to ${target})` : base;
}

export function nodeState(node: NodeWire): NodeState {
  const provision = node.provision_state ?? '';
  if (provision.endsWith(' failed') || provision === 'error') return 'failed';
  const busy = BUSY[provision];
  if (busy) return busy;
  if (node.target_power_state === 'power on' || (node.target_power_state === 'rebooting' && node.power_state !== 'power on')) return 'powering_on';
  if (node.target_power_state === 'power off' || node.target_power_state === 'soft power off') return 'powering_off';
  if (node.power_state === 'power on') return 'active';
  if (node.power_state === 'power off') return 'inactive';
  // Deployed, with a power state the driver has not read (fake hardware, a BMC not yet polled):
  // Ironic's `active` is the deployed lifecycle state, as Metal's is.
  if (provision === 'active') return 'active';
  return 'unknown';
}

const num = (value: unknown): number | null => {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
};
const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim().slice(0, 64) : null);

function placeOf(node: NodeWire, placement: Placement): Pick<FleetNode, 'metro' | 'facility'> {
  const place = (code: string | null) => (code ? { code: code.toLowerCase(), name: code } : null);
  if (placement.source === 'conductor_group') return { metro: null, facility: place(text(node.conductor_group)) };
  if (placement.source === 'name') {
    const groups = placement.pattern.exec(node.name ?? '')?.groups;
    return { metro: place(text(groups?.metro)), facility: place(text(groups?.facility)) };
  }
  return { metro: place(text(node.extra?.metro)), facility: place(text(node.extra?.facility ?? node.extra?.rack)) };
}

/** The image a node was (or will be) deployed with: a ramdisk deploy boots `boot_iso`. */
export function imageUrlOf(node: NodeWire): string | null {
  return node.instance_info?.image_source || node.instance_info?.boot_iso || null;
}

export function imageName(url: string, images: readonly IronicImage[]): string {
  const listed = images.find((i) => i.url === url);
  if (listed) return listed.name;
  const last = url.split(/[/?#]/).filter(Boolean).at(-1);
  return last ? decodeURIComponent(last).slice(0, 80) : url.slice(0, 80);
}

/** Actions beyond power and reprovision, each with why not in this node's state (refused before sending). */
export function lifecycleActions(node: NodeWire): LifecycleAction[] {
  const state = node.provision_state ?? '';
  // Ironic refuses provisioning actions on a node in maintenance (400); power and ending maintenance stay.
  const held = node.maintenance ? `It is in maintenance${node.maintenance_reason ? ` (${node.maintenance_reason})` : ''}; end maintenance first.` : null;
  const locked = node.target_provision_state ? `Ironic is still taking it to ${node.target_provision_state}; wait for it to settle.` : null;
  const needs = (states: string[], what: string) =>
    held ?? locked ?? (states.includes(state) ? null : `${what} needs the node ${states.join(' or ')}; it is ${state || 'in no provision state'}.`);
  const rescueMissing =
    !node.rescue_interface || node.rescue_interface === 'no-rescue' ? 'Its driver has no rescue interface (rescue_interface is no-rescue).' : null;
  const actions: Omit<LifecycleAction, 'endsIn'>[] = [
    { id: 'deploy', label: 'Deploy', blockedReason: needs(['available'], 'Deploy'), destructive: false, asksReason: false },
    {
      id: 'undeploy',
      label: 'Undeploy',
      blockedReason: needs(['active', 'deploy failed', 'error', 'rescue', 'rescue failed', 'wait call-back'], 'Undeploy'),
      destructive: true,
      asksReason: false,
    },
    {
      id: 'rescue',
      label: 'Rescue',
      blockedReason: rescueMissing ?? needs(['active', 'rescue', 'rescue failed', 'unrescue failed'], 'Rescue'),
      destructive: false,
      asksReason: false,
    },
    { id: 'unrescue', label: 'Leave rescue', blockedReason: needs(['rescue'], 'Leaving rescue'), destructive: false, asksReason: false },
    {
      id: 'manage',
      label: 'Manage',
      blockedReason: needs(['enroll', 'available', 'clean failed', 'inspect failed', 'adopt failed'], 'Manage'),
      destructive: false,
      asksReason: false,
    },
    { id: 'provide', label: 'Provide', blockedReason: needs(['manageable'], 'Provide'), destructive: false, asksReason: false },
    node.maintenance
      ? { id: 'maintenance_off', label: 'End maintenance', blockedReason: null, destructive: false, asksReason: false }
      : { id: 'maintenance_on', label: 'Maintenance…', blockedReason: null, destructive: false, asksReason: true },
  ];
  return actions.map((a) => ({ ...a, endsIn: LIFECYCLE_ENDS[a.id]! }));
}

/** Where each lifecycle action ends: an Ironic provision state, or the maintenance flag. */
export const LIFECYCLE_ENDS: Record<string, string> = {
  deploy: 'active',
  undeploy: 'available',
  rescue: 'rescue',
  unrescue: 'active',
  manage: 'manageable',
  provide: 'available',
  maintenance_on: 'maintenance',
  maintenance_off: 'no maintenance',
};

/** The boot devices Ironic sets (ironic.common.boot_devices), as Ironpane's targets. */
export const IRONIC_BOOT_TARGETS: BootTarget[] = ['Pxe', 'Hdd', 'Cd', 'BiosSetup'];

export function normaliseNode(node: NodeWire, context: NormaliseContext): FleetNode {
  const provisionState = node.provision_state ?? '';
  const target = node.target_provision_state ?? null;
  const provisioning: NodeProvisioning = {
    state: provisionState,
    target,
    words: provisionWords(provisionState, target),
    maintenance: node.maintenance ? (node.maintenance_reason ?? '').slice(0, 1000) : null,
    lastError: node.last_error ? node.last_error.slice(0, 4000) : null,
  };
  const capabilities: Capability[] = ['power', 'bootOverride', 'reinstall', 'userdata'];
  if (node.console_interface && node.console_interface !== 'no-console') capabilities.push('serialConsole');
  if (context.history) capabilities.push('events');
  // `deploy failed` keeps its target (active): a rebuild or a new deploy is how it recovers.
  const deployable = (['active', 'available'].includes(provisionState) && !target) || provisionState === 'deploy failed';
  const actions = ['power_on', 'power_off', 'reboot', ...(deployable && !node.maintenance ? ['reinstall'] : [])];
  const actionNotes: Record<string, string> = {};
  if (node.maintenance) actionNotes.reinstall = `It is in maintenance${node.maintenance_reason ? ` (${node.maintenance_reason})` : ''}; end maintenance first.`;
  else if (!deployable)
    actionNotes.reinstall = target
      ? `Ironic is still taking it to ${target}; wait for it to settle.`
      : `Ironic deploys only available or active nodes; it is ${provisionState || 'in no provision state'}.`;
  const imageUrl = imageUrlOf(node);
  const ports = context.ports ?? [];
  const port = ports.find((p) => p.switchId) ?? ports[0];
  const bmc = node.driver_info;
  const facts = [
    { label: 'Provision state', value: provisioning.words },
    { label: 'Driver', value: node.driver ?? 'unknown' },
    ...(bmc?.bmcAddress ? [{ label: 'BMC address', value: bmc.bmcAddress }] : []),
    ...(node.resource_class ? [{ label: 'Resource class', value: node.resource_class }] : []),
    ...(num(node.properties?.local_gb) !== null ? [{ label: 'Disk', value: `${num(node.properties?.local_gb)} GB` }] : []),
    ...(node.traits?.length ? [{ label: 'Traits', value: node.traits.join(', ').slice(0, 500) }] : []),
    ...(node.conductor_group ? [{ label: 'Conductor group', value: node.conductor_group }] : []),
    ...(port?.physicalNetwork ? [{ label: 'Physical network', value: port.physicalNetwork }] : []),
    ...(port?.switchId ? [{ label: 'Switch port', value: `${port.switchId}${port.portId ? ` ${port.portId}` : ''}` }] : []),
    ...(node.fault ? [{ label: 'Fault', value: node.fault }] : []),
    { label: 'Console interface', value: node.console_interface ?? 'none' },
  ].map((f) => ({ label: f.label, value: f.value.slice(0, 500) }));
  const memoryMb = num(node.properties?.memory_mb);
  return {
    id: `${context.accountId}:${node.uuid}`,
    accountId: context.accountId,
    deviceId: node.uuid,
    shortId: node.uuid.slice(0, 8),
    hostname: node.name || node.uuid,
    description: node.description ?? '',
    state: nodeState(node),
    provisioningPercentage: null,
    ...placeOf(node, context.placement),
    plan: node.resource_class ?? null,
    os: imageUrl
      ? { slug: imageUrl, name: imageName(imageUrl, context.images), family: context.osFamily, version: '', channel: null }
      : { slug: 'none', name: 'No image', family: context.osFamily, version: '', channel: null },
    osState: null,
    ips: [],
    tags: node.traits ? node.traits.slice(0, 32) : [],
    // Ironic knows a node's switch ports, not its addresses: unknown is not "layer-2 only".
    layer2Only: false,
    networkType: port?.physicalNetwork ?? null,
    switchUuid: port?.switchId ?? null,
    vlans: [],
    sosHost: null,
    actions,
    actionNotes,
    provider: 'ironic',
    capabilities,
    provisioning,
    facts,
    lifecycleActions: lifecycleActions(node),
    hardware: {
      manufacturer: null,
      model: null,
      serialNumber: null,
      biosVersion: null,
      processors: num(node.properties?.cpus),
      memoryGiB: memoryMb === null ? null : Math.round((memoryMb / 1024) * 10) / 10,
      health: node.fault ? 'Critical' : node.last_error && provisionState.endsWith(' failed') ? 'Warning' : null,
    },
    // Ironic reads the boot device from the BMC only when asked (GET …/boot_device): not per list.
    bootOverride: { target: 'None', enabled: 'Disabled', allowed: IRONIC_BOOT_TARGETS },
    createdAt: '',
    updatedAt: node.provision_updated_at ?? '',
  };
}
