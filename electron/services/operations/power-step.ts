/**
 * Power on, power off and reboot as an operation step. Sent through the node's provider; done when
 * the node reaches the state the action ends in. A reboot must first be seen leaving `active` (or
 * the node's update time must move past the request), so a node that never rebooted is not
 * reported as rebooted.
 */
import { powerActionBlockedReason, type FleetNode, type PowerAction } from '../../../shared/model';
import type { StepExecutor } from './step';

export const POWER_LABEL: Record<PowerAction, string> = { power_on: 'Power on', power_off: 'Power off', reboot: 'Reboot' };
/** The state a power action ends in. */
const SETTLED_STATE: Record<PowerAction, FleetNode['state']> = { power_on: 'active', power_off: 'inactive', reboot: 'active' };

export type PowerParams = {
  action: PowerAction;
  /** What the node looked like when the step was planned: a later read that differs means it was applied. */
  baseline?: { state: string; updatedAt: string };
};

export function powerParams(node: FleetNode, action: PowerAction): PowerParams {
  return { action, baseline: { state: node.state, updatedAt: node.updatedAt } };
}

export const powerStep: StepExecutor<PowerParams> = {
  blocked: (node, params) => powerActionBlockedReason(node, params.action),
  async send({ providerFor }, node, params) {
    const provider = await providerFor(node);
    await provider.power(node.deviceId, params.action);
  },
  applied(node, params) {
    const baseline = params.baseline;
    if (!baseline) return false;
    // A power action moves the node's state (and its update time) as soon as the provider accepts it.
    return node.state !== baseline.state || node.updatedAt !== baseline.updatedAt;
  },
  settle(node, params, sentAt, seen) {
    const action = params.action;
    const target = SETTLED_STATE[action];
    const label = POWER_LABEL[action];
    if (node.state === 'failed')
      return { outcome: 'failed', message: `${label} ${node.hostname}: the node went to failed. Open its console or events to see why.` };
    if (action !== 'reboot') seen.leftStart = true;
    if (!seen.leftStart && (node.state !== 'active' || Date.parse(node.updatedAt) > sentAt)) seen.leftStart = true;
    if (seen.leftStart && node.state === target) {
      const seconds = Math.max(1, Math.round((Date.now() - sentAt) / 1000));
      return { outcome: 'succeeded', message: `${label} ${node.hostname}: ${target} after ${seconds} s.` };
    }
    return null;
  },
  expectation: (params) => SETTLED_STATE[params.action],
  auditAction: (params) => `power.${params.action}`,
  label: (params) => POWER_LABEL[params.action],
};
