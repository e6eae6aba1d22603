/**
 * Node states and the rules about them, free of schema code so the renderer can use them without
 * bundling the validators (model.ts builds its schemas from these lists).
 */

import { capabilityMissingReason, type Capability, type ConnectionKind } from './capabilities';

/** Device states from the Metal API v1 `Device.state` enum (the Metal API v1 Device schema). */
export const NODE_STATES = [
  'queued',
  'provisioning',
  'deprovisioning',
  'reinstalling',
  'active',
  'inactive',
  'failed',
  'powering_on',
  'powering_off',
  'deleted',
  /** Nothing reports its power (an inventory node with no BMC): shown as such, never guessed as active. */
  'unknown',
] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** States in which the machine is on its way somewhere: polled faster, shown with a spinner. */
export const TRANSITIONAL_STATES: ReadonlySet<NodeState> = new Set(['queued', 'provisioning', 'deprovisioning', 'reinstalling', 'powering_on', 'powering_off']);

export const POWER_ACTIONS = ['power_on', 'power_off', 'reboot'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

type RuleNode = {
  state: NodeState;
  actions: readonly string[];
  provider: ConnectionKind;
  capabilities: readonly Capability[];
  /** The provider's own words for an action it does not offer now. */
  actionNotes?: Readonly<Record<string, string>>;
};

/** Why a power action is not available for this node right now, or null when it is. */
export function powerActionBlockedReason(node: RuleNode, action: PowerAction): string | null {
  const missing = capabilityMissingReason(node, 'power');
  if (missing) return missing;
  if (TRANSITIONAL_STATES.has(node.state)) return `The node is ${node.state.replace('_', ' ')}; wait for it to settle.`;
  // An unknown state (nothing reports power) blocks nothing: the BMC decides.
  if (action === 'power_on' && node.state !== 'inactive' && node.state !== 'failed' && node.state !== 'unknown') return 'The node is already powered on.';
  if ((action === 'power_off' || action === 'reboot') && node.state === 'inactive') return 'The node is powered off.';
  if (node.actions.length > 0 && !node.actions.includes(action)) return 'The provider does not offer this action for the node now.';
  return null;
}

/** Why a node cannot be reprovisioned now, or null when it can. */
export function reinstallBlockedReason(node: RuleNode): string | null {
  const missing = capabilityMissingReason(node, 'reinstall');
  if (missing) return missing;
  // Unknown power (an Ironic node its driver has not read yet) is settled: the provider decides.
  if (!['active', 'inactive', 'failed', 'unknown'].includes(node.state)) return `The node is ${node.state.replace('_', ' ')}; wait for it to settle.`;
  if (node.actions.length > 0 && !node.actions.includes('reinstall'))
    return node.actionNotes?.reinstall ?? 'The provider does not offer a reinstall for the node now (is it locked?).';
  return null;
}

/** Why a runbook cannot run on this node now (it types on the serial console of a running machine), or null. */
export function runbookBlockedReason(node: RuleNode): string | null {
  const missing = capabilityMissingReason(node, 'serialConsole');
  if (missing) return missing;
  if (node.state !== 'active') return `The node is ${node.state.replace(/_/g, ' ')}; a runbook needs it up to type on its console.`;
  return null;
}
