/**
 * Reprovisioning as an operation step: set the node's user data to the chosen config revision (a
 * PUT, safe to repeat), then ask the provider to reinstall it with the chosen OS, keeping or wiping
 * its data. Done when the node is active again and runs the chosen OS and version; it failing, or
 * coming back on another OS, fails the step with what it runs instead.
 */
import { reinstallBlockedReason } from '../../../shared/node-rules';
import type { StepExecutor } from './step';

export type ReinstallParams = {
  operatingSystem: string;
  osName: string;
  /** The version the provider installs for that OS ('' when it does not say). */
  osVersion: string;
  preserveData: boolean;
  /** Rendered user data for the node, or null to keep what it has. */
  userdata: string | null;
  configLabel: string | null;
  /** What the node had applied before, when this changes it: a config rollback goes back to it. */
  before?: { userdata: string; label: string } | null;
  baseline: { state: string; updatedAt: string };
  /** The node's update time just before the reinstall was asked for, read after any user data change (the engine keeps it). */
  beforeSend?: string;
  /** Set when planning found the node cannot take this reprovision (a bulk step then fails with it). */
  invalid?: string;
};

/** How long a reinstall never seen under way may show the old OS before that counts. */
const UNSEEN_REINSTALL_GRACE_MS = 120_000;

export const reinstallStep: StepExecutor<ReinstallParams> = {
  blocked: (node, params) => params.invalid ?? reinstallBlockedReason(node),
  async send({ providerFor }, node, params) {
    const provider = await providerFor(node);
    const r = params;
    // Setting user data moves the device's update time too: read it afterwards, so only the
    // reinstall's own change counts as the node having left where it was.
    if (r.userdata === null) return provider.reinstall(node.deviceId, { operatingSystem: r.operatingSystem, preserveData: r.preserveData });
    await provider.setUserdata(node.deviceId, r.userdata);
    const beforeSend = (await provider.getNode(node.deviceId)).updatedAt;
    await provider.reinstall(node.deviceId, { operatingSystem: r.operatingSystem, preserveData: r.preserveData });
    return { beforeSend };
  },
  applied(node, params) {
    const { baseline } = params;
    return node.state === 'reinstalling' || node.state === 'provisioning' || node.state !== baseline.state || node.updatedAt !== baseline.updatedAt;
  },
  settle(node, params, sentAt, seen) {
    const r = params;
    // The engine also marks it as having left its start once its update time moved past `beforeSend`.
    if (node.state === 'reinstalling' || node.state === 'provisioning') seen.moving = true;
    if (seen.moving || Date.parse(node.updatedAt) > sentAt) seen.leftStart = true;
    if (!seen.leftStart) return null;
    if (node.state === 'failed') {
      // A provisioning API that says why (Ironic's last_error) is quoted; else where to look.
      const why = node.provisioning?.lastError ? `: ${node.provisioning.lastError}` : '. Open its console or events to see why.';
      return { outcome: 'failed', message: `Reprovision ${node.hostname}: provisioning failed${why}` };
    }
    if (node.state !== 'active') return null;
    // "NixOS 25.05" already names its version; "Flatcar Container Linux - Stable" does not.
    const runs = node.os.name.endsWith(node.os.version) ? node.os.name : `${node.os.name} ${node.os.version}`.trim();
    if (node.os.slug !== r.operatingSystem || (r.osVersion && node.os.version !== r.osVersion)) {
      // Active on another OS without ever having been seen reinstalling: likely a read from before
      // the request reached the node, which had moved for a reason of its own (an update check-in, a
      // reboot) while the request queued for the account's request budget. Later reads decide, for
      // a while; a node that still shows it then is judged on it.
      if (!seen.moving && Date.now() - sentAt < UNSEEN_REINSTALL_GRACE_MS) return null;
      return { outcome: 'failed', message: `Reprovision ${node.hostname}: active, but it runs ${runs}, not ${r.osName} ${r.osVersion}.` };
    }
    const seconds = Math.max(1, Math.round((Date.now() - sentAt) / 1000));
    return { outcome: 'succeeded', message: `Reprovision ${node.hostname} after ${seconds} s: active ✓, ${runs} ✓` };
  },
  // Then what the provider and the console say: the chosen revision is the user data the node was
  // provisioned with, and its console reached a login prompt. The message lists each check.
  async confirm({ providerFor, runbooks }, node, params, settled) {
    const r = params;
    const checks = [settled];
    if (r.userdata !== null) {
      const provider = await providerFor(node);
      const applied = await provider.userdata(node.deviceId);
      if (applied !== r.userdata)
        return { ok: false, message: `${settled}, but its user data is not ${r.configLabel ?? 'the chosen config'} ✗ (the provider reports something else).` };
      // Going back to nothing is a result of its own, not a label to print after "user data".
      checks.push(r.userdata === '' ? 'no user data, as chosen ✓' : `user data ${r.configLabel ?? 'as chosen'} ✓`);
    }
    const login = await runbooks.loginPrompt(node);
    if (login.checked && !login.ok) return { ok: false, message: `${checks.join(', ')}, but ${login.message} ✗` };
    checks.push(login.checked ? 'login prompt on its console ✓' : `login prompt not checked (${login.message})`);
    return { ok: true, message: `${checks.join(', ')}.` };
  },
  timeoutFactor: 4,
  expectation: (params) => `active on ${params.osName}`,
  auditAction: () => 'node.reprovision',
  label: () => 'Reprovision',
};
