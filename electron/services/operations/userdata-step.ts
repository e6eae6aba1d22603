/**
 * Applying a config revision as an operation step: set the node's user data (a PUT, safe to repeat,
 * so a step a restart left `sending` is simply sent again). Nothing on the running machine changes:
 * the next (re)install provisions with it. Verified by reading the user data back from the provider.
 */
import type { StepExecutor } from './step';

export type UserdataParams = {
  userdata: string;
  /** "k8s workers r3". */
  label: string;
  /** What applying means for the node's OS, said in the outcome ("takes effect when reinstalled"). */
  takesEffect: string;
};

export const userdataStep: StepExecutor<UserdataParams> = {
  blocked: () => null,
  async send({ providerFor }, node, params) {
    const provider = await providerFor(node);
    await provider.setUserdata(node.deviceId, params.userdata);
  },
  // A repeated PUT does no harm, and the node's state says nothing about its user data.
  applied: () => false,
  settle: (node, params) => ({ outcome: 'succeeded', message: `Set the user data of ${node.hostname} to ${params.label}` }),
  async confirm({ providerFor }, node, params, settled) {
    const r = params;
    const provider = await providerFor(node);
    const applied = await provider.userdata(node.deviceId);
    if (applied !== r.userdata) return { ok: false, message: `${settled}, but the provider reports other user data ✗.` };
    return { ok: true, message: `${settled} ✓; ${r.takesEffect}` };
  },
  expectation: (params) => `showing ${params.label} as its user data`,
  auditAction: () => 'config.apply',
  label: (params) => `Apply ${params.label}`,
};
