/**
 * A provider's own lifecycle action (Ironic's deploy, undeploy, rescue, leave rescue, manage, provide,
 * maintenance on and off) as an operation step. Refused before sending when the node's provider says
 * the state does not allow it; done when the provider's provisioning state reaches where the action
 * ends and has no target left; a state ending in " failed" fails the step with the provider's error.
 */
import type { FleetNode } from '../../../shared/model';
import type { StepExecutor } from './step';

export type LifecycleParams = {
  action: string;
  label: string;
  /** Where it ends: a provisioning state, or `maintenance` / `no maintenance`. */
  endsIn: string;
  reason?: string;
  baseline: { provisioning: string; maintenance: boolean; updatedAt: string };
};

const reached = (node: FleetNode, endsIn: string): boolean => {
  const p = node.provisioning;
  if (!p) return false;
  if (endsIn === 'maintenance') return p.maintenance !== null;
  if (endsIn === 'no maintenance') return p.maintenance === null;
  return p.state === endsIn && p.target === null;
};

export const lifecycleStep: StepExecutor<LifecycleParams> = {
  blocked(node, params) {
    const offered = node.lifecycleActions?.find((a) => a.id === params.action);
    if (!offered) return `Its connection offers no “${params.label}” action.`;
    return offered.blockedReason;
  },
  async send({ providerFor }, node, params) {
    const provider = await providerFor(node);
    if (!provider.lifecycle) throw new Error('provider without lifecycle actions');
    await provider.lifecycle(node.deviceId, params.action, { reason: params.reason });
  },
  applied(node, params) {
    const p = node.provisioning;
    const b = params.baseline;
    return !!p && (p.state !== b.provisioning || (p.maintenance !== null) !== b.maintenance || node.updatedAt !== b.updatedAt || reached(node, params.endsIn));
  },
  settle(node, params, sentAt, seen) {
    const p = node.provisioning;
    if (!p) return { outcome: 'failed', message: `${params.label} ${node.hostname}: its provider no longer reports a provisioning state.` };
    if (p.state !== params.baseline.provisioning || p.target !== null || Date.parse(node.updatedAt) > sentAt) seen.leftStart = true;
    const seconds = () => Math.max(1, Math.round((Date.now() - sentAt) / 1000));
    if (params.endsIn === 'maintenance' || params.endsIn === 'no maintenance') {
      if (!reached(node, params.endsIn)) return null;
      return {
        outcome: 'succeeded',
        message: `${params.label} ${node.hostname}: ${params.endsIn === 'maintenance' ? 'in maintenance' : 'out of maintenance'} ✓`,
      };
    }
    if (!seen.leftStart) return null;
    if (p.state.endsWith(' failed') || p.state === 'error') {
      return { outcome: 'failed', message: `${params.label} ${node.hostname}: ${p.state}${p.lastError ? `: ${p.lastError}` : ''}` };
    }
    if (!reached(node, params.endsIn)) return null;
    return { outcome: 'succeeded', message: `${params.label} ${node.hostname} after ${seconds()} s: ${p.state} ✓, power ${node.state}` };
  },
  timeoutFactor: 4,
  expectation: (params) => params.endsIn,
  auditAction: (params) => `node.${params.action}`,
  label: (params) => params.label,
};
