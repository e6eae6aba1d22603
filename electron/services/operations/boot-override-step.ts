/**
 * Setting a node's boot device through its BMC as an operation step: a PATCH (Redfish) or
 * `chassis bootdev` (IPMI), safe to repeat. Verified by what the BMC reports afterwards where it
 * reports it (Redfish reads `Boot` back; some BMCs keep every override Continuous, which the outcome
 * says instead of pretending "once" held).
 */
import { BOOT_TARGET_LABEL, capabilityMissingReason, type BootTarget } from '../../../shared/model';
import type { BootOverrideRequest } from '../providers/provider';
import type { StepExecutor } from './step';

export type BootOverrideParams = {
  target: BootTarget;
  /** `Once`: the next boot only; `Continuous`: until changed; `Disabled`: clear the override. */
  mode: BootOverrideRequest['mode'];
  /** What the BMC reported after the change (kept by send for the outcome). */
  readBack?: { target: string; enabled: string } | null;
};
const describe = (r: BootOverrideRequest) =>
  r.mode === 'Disabled'
    ? 'no boot override'
    : `${BOOT_TARGET_LABEL[r.target as BootTarget] ?? r.target} (${r.mode === 'Once' ? 'next boot only' : 'every boot'})`;

export const bootOverrideStep: StepExecutor<BootOverrideParams> = {
  blocked: (node, params) => {
    const missing = capabilityMissingReason(node, 'bootOverride');
    if (missing) return missing;
    const allowed = node.bootOverride?.allowed ?? [];
    const target = params.target;
    if (allowed.length > 0 && params.mode !== 'Disabled' && !allowed.includes(target))
      return `The BMC cannot boot it from ${target}; it offers ${allowed.join(', ')}.`;
    return null;
  },
  async send({ providerFor }, node, params) {
    const provider = await providerFor(node);
    if (!provider.setBootOverride) throw new Error('provider without boot override');
    const after = await provider.setBootOverride(node.deviceId, { target: params.target, mode: params.mode });
    return { readBack: after && after.allowed.length >= 0 ? { target: after.target, enabled: after.enabled } : null };
  },
  applied: () => false,
  settle: (node, params) => {
    const r = params;
    const back = r.readBack;
    if (!back) return { outcome: 'succeeded', message: `Boot device of ${node.hostname}: ${describe(r)} (the BMC does not report it back).` };
    if (r.mode !== 'Disabled' && back.enabled === 'Disabled') {
      return {
        outcome: 'failed',
        message: `Boot device of ${node.hostname}: asked for ${describe(r)}, but the BMC reports its boot flags invalid, so no override is in effect.`,
      };
    }
    if (r.mode !== 'Disabled' && back.target !== r.target)
      return { outcome: 'failed', message: `Boot device of ${node.hostname}: asked for ${r.target}, but the BMC reports ${back.target}.` };
    if (back.enabled !== r.mode)
      return {
        outcome: 'succeeded',
        message: `Boot device of ${node.hostname}: ${r.target} ✓, but the BMC keeps it ${back.enabled} instead of ${r.mode}; clear it after the next boot.`,
      };
    return { outcome: 'succeeded', message: `Boot device of ${node.hostname}: ${describe(r)} ✓ (read back from the BMC).` };
  },
  expectation: (params) => describe(params),
  auditAction: () => 'boot.override',
  label: (params) => `Boot from ${describe(params)}`,
};
