/** OS updates end to end in main: the composed services against the lab's update server over real HTTP. */
import { unpackNodes } from '../../../shared/fleet-wire';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpdateGroup } from '../../../shared/model';
import { startLab, type RunningLab } from '../../lab/lab';
import { composeServices, type Services } from '../compose';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../vault/encrypted-file-store';
import { type Call, quietLog, until } from '../../../test/support/services';

let lab: RunningLab | null = null;
let services: Services | null = null;
afterEach(async () => {
  services?.stop();
  await lab?.stop();
  services = null;
  lab = null;
});

async function setUp(options: { timeScale?: number; failInstalls?: string[] } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-updates-'));
  const timeScale = options.timeScale ?? 1;
  lab = await startLab({ nodeCount: 24, timeScale, failureRate: 0, updateFailureRate: 0, failInstalls: options.failInstalls });
  services = composeServices({
    host: { kind: 'web', version: 'test', nativeDialogs: false },
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key'))),
    log: quietLog,
    lab: {
      baseUrl: lab.baseUrl,
      token: lab.token,
      projectId: lab.projectId,
      nodeCount: 24,
      serial: null,
      updates: { baseUrl: lab.updates.baseUrl, token: lab.updates.token, app: lab.updates.app, timeScale },
    },
    pollIntervalMs: timeScale < 1 ? 500 : 60_000,
    busyPollIntervalMs: 200,
    updatesPollIntervalMs: timeScale < 1 ? 300 : 60_000,
    clientDefaults: { maxRetries: 0, timeoutMs: 2_000 },
  });
  await services.start();
  await services.fleet.refresh();
  return { call: services.router.call as Call };
}

describe('update service against the lab update server', () => {
  it('joins every Flatcar instance to its fleet node by machine id and reports their slots from the node', async () => {
    const router = await setUp();
    const servers = await until(
      () => router.call('updates.servers', {}),
      (r) => r.ok && r.value[0]!.sync.status === 'ok' && r.value[0]!.sync.instanceCount > 0,
    );
    const lab0 = servers.ok ? servers.value[0]! : null;
    expect(lab0).toMatchObject({ id: 'lab-updates', kind: 'lab', unmatched: [] });
    expect(lab0!.sync.matchedCount).toBe(lab0!.sync.instanceCount);
    const nodes = await router.call('updates.nodes', {});
    const snapshot = await router.call('fleet.snapshot', {});
    if (!nodes.ok || !snapshot.ok) throw new Error('calls failed');
    const flatcar = unpackNodes(snapshot.value.nodes).filter((n) => n.os.family === 'flatcar' && n.state === 'active');
    expect(nodes.value.length).toBe(flatcar.length);
    for (const update of nodes.value) {
      expect(update.matchedBy).toBe('machine-id');
      const node = flatcar.find((n) => n.id === update.nodeId)!;
      // The Metal API, the node's own report and the update server agree on the booted version.
      expect(node.osState?.bootedVersion).toBe(node.os.version);
      expect(update.version).toBe(node.os.version);
      expect(node.osState?.slots.map((s) => s.label)).toEqual(['USR-A', 'USR-B']);
    }
    const talos = unpackNodes(snapshot.value.nodes).find((n) => n.os.family === 'talos');
    expect(talos?.osState?.scheme).toBe('talos-ab');
  });

  it('refuses a bad policy naming the field, and changes nothing', async () => {
    const router = await setUp();
    const groups = await until(
      () => router.call('updates.groups', {}),
      (r) => r.ok && r.value.length === 3,
    );
    const stable = (groups.ok ? groups.value : []).find((g) => g.track === 'stable')!;
    const bad = await router.call('updates.setPolicy', {
      serverId: stable.serverId,
      groupId: stable.id,
      policy: { ...stable.policy, periodInterval: '-1 hours', timezone: 'Mars/Olympus' },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } });
    if (!bad.ok) {
      expect(bad.error.message).toMatch(/Period must be a positive length of time/);
      expect(bad.error.message).toMatch(/Time zone must be an IANA name/);
    }
    const after = await router.call('updates.groups', {});
    expect(after.ok && after.value.find((g) => g.id === stable.id)!.policy).toEqual(stable.policy);
    const good = await router.call('updates.setPolicy', {
      serverId: stable.serverId,
      groupId: stable.id,
      policy: { ...stable.policy, maxUpdatesPerPeriod: 5, periodInterval: '30 minutes' },
    });
    expect(good).toMatchObject({ ok: true, value: { policy: { maxUpdatesPerPeriod: 5, periodInterval: '30 minutes' } } });
  });

  // The second machine to install fails, and (the canary's own case) the first: either way the group
  // pauses at the next poll after the node shows its fall-back, naming it and error 44.
  it.each([
    ['a node after the canary', '4230.2.4#2'],
    ['the canary itself', '4230.2.4#1'],
  ])('rolls out a promoted release, and pauses the group when %s rolls back (error 44)', { timeout: 90_000 }, async (_who, failing) => {
    const router = await setUp({ timeScale: 0.001, failInstalls: [failing] });
    const groupsOf = () => router.call('updates.groups', {});
    const first = await until(groupsOf, (r) => r.ok && r.value.length === 3);
    const stable = (first.ok ? first.value : []).find((g) => g.track === 'stable')!;
    const packages = await router.call('updates.packages', { serverId: stable.serverId });
    const next = (packages.ok ? packages.value : []).find((p) => p.version === '4230.2.4')!;
    expect(next.channels).toEqual([]);
    const promoted = await router.call('updates.promote', { serverId: stable.serverId, groupId: stable.id, packageId: next.id });
    expect(promoted).toMatchObject({ ok: true, value: { targetVersion: '4230.2.4' } });
    // Machines that leave reboots to an operator wait: reboot them in policy-sized batches as they queue.
    const failed = await until(
      async () => {
        const r = await groupsOf();
        const g = r.ok ? r.value.find((x) => x.id === stable.id) : undefined;
        if (g && g.rollout.waitingReboot > 0) await router.call('updates.rebootPending', { serverId: stable.serverId, groupId: stable.id });
        return g as UpdateGroup;
      },
      (g) => Boolean(g && g.rollout.pausedReason),
      80_000,
    );
    expect(failed.policy.updatesEnabled).toBe(false);
    expect(failed.rollout.pausedReason).toMatch(/failed its update to 4230\.2\.4 and rolled back to its old slot \(error 44\)/);
    // The node that rolled back: its slots show the new one spent, and its history error 44.
    const hostname = /^(\S+) failed its update/.exec(failed.rollout.pausedReason!)![1]!;
    const snapshot = await router.call('fleet.snapshot', {});
    const node = (snapshot.ok ? unpackNodes(snapshot.value.nodes) : []).find((n) => n.hostname === hostname)!;
    // The pause came from the node's own report; update_engine reports error 44 at its next check.
    await until(
      () => router.call('updates.nodeHistory', { nodeId: node.id }),
      (history) => history.ok && history.value.some((h) => h.status === 'error' && h.errorCode === '44' && h.version === '4230.2.4'),
      30_000,
    );
    const booted = node.osState!.slots.find((s) => s.booted)!;
    const other = node.osState!.slots.find((s) => !s.booted)!;
    expect(booted.version).not.toBe('4230.2.4');
    expect(other).toMatchObject({ version: '4230.2.4', tries: 0, successful: false });
    const nodes = await router.call('updates.nodes', {});
    expect((nodes.ok ? nodes.value : []).filter((u) => u.rolledBack).map((u) => u.nodeId)).toEqual([node.id]);
    const audit = await router.call('audit.list', { limit: 50 });
    const actions = audit.ok ? audit.value.map((a) => a.action) : [];
    expect(actions).toContain('updates.promote');
    // Ironpane pauses the group, unless the server already disabled it (its first attempt failed).
    expect(actions.some((a) => a === 'updates.pause' || a === 'updates.rolloutFailed')).toBe(true);
    const resumed = await router.call('updates.setUpdatesEnabled', { serverId: stable.serverId, groupId: stable.id, enabled: true });
    expect(resumed).toMatchObject({ ok: true, value: { policy: { updatesEnabled: true }, rollout: { pausedReason: null } } });
  });
});
