/** The services wired as a host wires them, against a real lab over real HTTP. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventName } from '../../shared/contract';
import type { FleetPatch } from '../../shared/model';
import { startLab, type RunningLab } from '../lab/lab';
import { composeServices, type Services } from './compose';
import { databaseBytes, storedConnections } from '../../test/support/stored-connections';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from './vault/encrypted-file-store';

let lab: RunningLab | null = null;
let services: Services | null = null;
afterEach(async () => {
  services?.stop();
  await lab?.stop();
  services = null;
  lab = null;
});

const quietLog = { info() {}, warn() {}, error() {} };

async function setUp(
  nodeCount = 20,
  tuning: { timeScale?: number; busyPollIntervalMs?: number; actionOutcomeTimeoutMs?: number; driftMaxAgeMs?: number } = {},
) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-data-'));
  // Realistic durations: nothing changes on its own during a test, so patch counts are exact.
  lab = await startLab({ nodeCount, timeScale: tuning.timeScale ?? 1, failureRate: 0 });
  services = composeServices({
    host: { kind: 'web', version: 'test', nativeDialogs: false },
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key'))),
    log: quietLog,
    // The serial gateway address is only used to compute console endpoints here; nothing connects.
    lab: { baseUrl: lab.baseUrl, token: lab.token, projectId: lab.projectId, nodeCount, serial: { host: '127.0.0.1', port: 2230, userKey: 'unused' } },
    pollIntervalMs: 60_000,
    busyPollIntervalMs: tuning.busyPollIntervalMs,
    actionOutcomeTimeoutMs: tuning.actionOutcomeTimeoutMs,
    driftMaxAgeMs: tuning.driftMaxAgeMs,
    clientDefaults: { maxRetries: 0, timeoutMs: 2_000 },
  });
  const events: { event: EventName; payload: unknown }[] = [];
  services.bus.on((event, payload) => events.push({ event, payload }));
  await services.start();
  await services.fleet.refresh();
  return { dataDir, events, router: services.router };
}

/** The whole audit list, and its entries whose action starts with `prefix` (newest first). */
async function auditOf(router: Services['router'], prefix: string) {
  const audit = (await router.call('audit.list', {})) as { value: { action: string; target: string; targetName: string; outcome: string; message: string }[] };
  return { audit, changes: audit.value.filter((e) => e.action.startsWith(prefix)) };
}

describe('composed services', () => {
  it('loads the lab fleet and pushes a first patch with every node', async () => {
    const { events, router } = await setUp(20);
    const snapshot = await router.call('fleet.snapshot', {});
    expect(snapshot).toMatchObject({ ok: true, value: { version: 1 } });
    const patches = events.filter((e) => e.event === 'fleet.changed').map((e) => e.payload as FleetPatch);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.upserts).toHaveLength(20);
    const connections = await router.call('connections.list', {});
    expect(connections).toMatchObject({ ok: true, value: [{ id: 'lab', sync: { status: 'ok', nodeCount: 20 } }] });
  });

  it('sends only what changed, with consecutive versions', async () => {
    const { events } = await setUp(20);
    await services!.fleet.refresh();
    expect(events.filter((e) => e.event === 'fleet.changed')).toHaveLength(1);
    const node = services!.fleet.snapshot().nodes.find((n) => n.state === 'active' && !n.hostname.includes('gateway'))!;
    lab!.fleet.action(node.deviceId, { type: 'power_off' });
    await services!.fleet.refresh();
    const patch = events.filter((e) => e.event === 'fleet.changed').at(-1)!.payload as FleetPatch;
    expect(patch.version).toBe(2);
    expect(patch.upserts.map((n) => n.hostname)).toEqual([node.hostname]);
    expect(patch.upserts[0]!.state).toBe('powering_off');
  });

  it('powers a node off, records it in the audit log, and refuses what the state does not allow', async () => {
    const { router, dataDir } = await setUp(20);
    const node = services!.fleet.snapshot().nodes.find((n) => n.state === 'active' && !n.hostname.includes('gateway'))!;
    expect(await router.call('actions.power', { nodeId: node.id, action: 'power_on' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await router.call('actions.power', { nodeId: node.id, action: 'power_off' })).toMatchObject({ ok: true, value: { accepted: true } });
    await services!.fleet.refresh();
    expect(['powering_off', 'inactive']).toContain(services!.fleet.node(node.id).state);
    const audit = await router.call('audit.list', {});
    expect(audit).toMatchObject({ ok: true, value: [{ action: 'power.power_off', targetName: node.hostname, outcome: 'accepted' }] });
    // Written to the data folder's database (the store), not only kept in memory.
    expect(databaseBytes(dataDir)).toContain(node.hostname);
    expect(await router.call('actions.power', { nodeId: 'lab:nope', action: 'reboot' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('applies a bulk action node by node, auditing each, and reports the ones it could not do', async () => {
    const { router } = await setUp(20);
    const nodes = services!.fleet.snapshot().nodes;
    const active = nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway')).slice(0, 3);
    const inactive = nodes.find((n) => n.state === 'inactive')!;
    const result = await router.call('actions.powerBulk', { nodeIds: [...active.map((n) => n.id), inactive.id, 'lab:gone'], action: 'power_off' });
    expect(result.ok).toBe(true);
    const results = (result as { value: { results: { nodeId: string; ok: boolean; error?: { code: string } }[] } }).value.results;
    expect(results.filter((r) => r.ok).map((r) => r.nodeId)).toEqual(active.map((n) => n.id));
    expect(results.find((r) => r.nodeId === inactive.id)?.error?.code).toBe('conflict');
    expect(results.find((r) => r.nodeId === 'lab:gone')?.error?.code).toBe('not_found');
    const audit = (await router.call('audit.list', {})) as { value: { outcome: string }[] };
    expect(audit.value.filter((e) => e.outcome === 'accepted')).toHaveLength(3);
  });

  it('follows an accepted action until the node settles and audits the outcome', async () => {
    const { router, events } = await setUp(20, { timeScale: 0.02, busyPollIntervalMs: 50 });
    const nodes = services!.fleet.snapshot().nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway'));
    const [off, reboot] = [nodes[0]!, nodes[1]!];
    await router.call('actions.power', { nodeId: off.id, action: 'power_off' });
    await router.call('actions.power', { nodeId: reboot.id, action: 'reboot' });
    await vi.waitFor(() => expect(events.filter((e) => e.event === 'actions.outcome')).toHaveLength(2), { timeout: 10_000, interval: 50 });
    const outcomes = events.filter((e) => e.event === 'actions.outcome').map((e) => e.payload);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: off.id, action: 'power_off', outcome: 'succeeded', message: expect.stringMatching(/inactive after \d+ s/) }),
        expect.objectContaining({ nodeId: reboot.id, action: 'reboot', outcome: 'succeeded', message: expect.stringMatching(/active after \d+ s/) }),
      ]),
    );
    const audit = (await router.call('audit.list', {})) as { value: { outcome: string; target: string }[] };
    expect(
      audit.value
        .filter((e) => e.outcome === 'succeeded')
        .map((e) => e.target)
        .sort(),
    ).toEqual([off.id, reboot.id].sort());
  });

  it('audits an action that never shows its effect as failed, saying what to check', async () => {
    const { router, events } = await setUp(20, { actionOutcomeTimeoutMs: 300 });
    const node = services!.fleet.snapshot().nodes.find((n) => n.state === 'active' && !n.hostname.includes('gateway'))!;
    await router.call('actions.power', { nodeId: node.id, action: 'power_off' });
    await vi.waitFor(() => expect(events.some((e) => e.event === 'actions.outcome')).toBe(true), { timeout: 5_000 });
    expect(events.find((e) => e.event === 'actions.outcome')?.payload).toMatchObject({
      outcome: 'failed',
      message: expect.stringMatching(/not inactive after 1 s\. Check its console/),
    });
  });

  it('gives one console session per node even when opened twice at once, and audits console actions', async () => {
    const { router } = await setUp(5);
    const node = services!.fleet.snapshot().nodes[0]!;
    const [a, b] = await Promise.all([router.call('console.open', { nodeId: node.id }), router.call('console.open', { nodeId: node.id })]);
    expect(a.ok && b.ok).toBe(true);
    const sessionId = (a as { value: { sessionId: string } }).value.sessionId;
    expect((b as { value: { sessionId: string } }).value.sessionId).toBe(sessionId);
    expect((await router.call('console.list', {})) as { value: unknown[] }).toMatchObject({ value: [{ sessionId }] });
    // Nothing listens on the gateway port here, so SysRq cannot be sent: audited as failed.
    expect(await router.call('console.sysrq', { sessionId, key: 'b' })).toMatchObject({ ok: false });
    await router.call('console.close', { sessionId });
    const audit = (await router.call('audit.list', {})) as { value: { action: string; outcome: string; message: string }[] };
    const consoleRows = audit.value.filter((e) => e.action.startsWith('console.')).map((e) => `${e.action} ${e.outcome}`);
    expect(consoleRows.sort()).toEqual(['console.close succeeded', 'console.open succeeded', 'console.sysrq failed']);
    expect(audit.value.find((e) => e.action === 'console.sysrq')?.message).toMatch(/SysRq b \(reboot at once\)/);
  });

  it('derives drift from the user data of nodes with an assigned config: nothing applied, in sync, an older revision', async () => {
    // The lab's updated_at has whole seconds, like Metal's: a change made outside Ironpane within the
    // second of the last read is found by the age limit, kept short here.
    const { router, events } = await setUp(20, { driftMaxAgeMs: 200 });
    const butane = 'variant: flatcar\nversion: 1.1.0\npasswd:\n  users:\n    - name: core\n';
    const created = (await router.call('config.create', { name: 'edge', kind: 'butane', content: butane, message: '' })) as {
      ok: true;
      value: { id: string; latest: { id: string } };
    };
    expect(await router.call('config.assign', { profileId: created.value.id, tag: 'no-such-tag' })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/No node in the fleet has the tag/) },
    });
    expect(await router.call('config.assign', { profileId: created.value.id, tag: 'k8s' })).toMatchObject({ ok: true });
    const edge = services!.fleet.snapshot().nodes.filter((n) => n.tags.includes('k8s'));
    expect(edge.length).toBeGreaterThan(1);
    // A Butane config provisions Flatcar only: follow a Flatcar node of the tag.
    const flatcar = edge.find((n) => n.os.family === 'flatcar')!;
    const talos = edge.find((n) => n.os.family === 'talos');
    await vi.waitFor(() => expect(events.some((e) => e.event === 'config.driftChanged')).toBe(true), { timeout: 5_000 });
    const drift = async () => ((await router.call('config.drift', {})) as { value: { nodeId: string; summary: string; state: string }[] }).value;
    expect((await drift()).map((d) => d.summary)).toEqual(edge.map(() => 'drifted: assigned r1, nothing applied'));

    // Provision one node with r1's Ignition: in sync. Then save r2: that node is now behind.
    const rendered = ((await router.call('config.check', { kind: 'butane', content: butane })) as { value: { rendered: string } }).value.rendered;
    lab!.fleet.update(flatcar.deviceId, { userdata: rendered });
    await services!.fleet.refresh();
    await vi.waitFor(async () => expect((await drift()).find((d) => d.nodeId === flatcar.id)?.state).toBe('in_sync'), { timeout: 5_000 });
    await router.call('config.save', { profileId: created.value.id, content: butane.replace('core', 'ops'), message: 'ops' });
    await vi.waitFor(async () => expect((await drift()).find((d) => d.nodeId === flatcar.id)?.summary).toBe('drifted: assigned r2, applied r1'), {
      timeout: 5_000,
    });
    const diff = (await router.call('config.appliedDiff', { nodeId: flatcar.id })) as { value: { applied: string; assigned: string; appliedLabel: string } };
    expect(diff.value).toMatchObject({ applied: rendered, appliedLabel: 'applied (r1)' });
    expect(diff.value.assigned).toContain('"name": "ops"');

    // Apply r2 to that node: its user data is set (the machine itself is not touched) and it is in sync.
    const applied = await router.call('config.apply', { profileId: created.value.id, nodeIds: [flatcar.id] });
    expect(applied).toMatchObject({
      ok: true,
      value: { revision: 2, takesEffect: expect.stringMatching(/Ignition runs once, at first boot/), results: [{ nodeId: flatcar.id, ok: true }] },
    });
    expect(lab!.fleet.get(flatcar.deviceId).userdata).toContain('"name": "ops"');
    await vi.waitFor(async () => expect((await drift()).find((d) => d.nodeId === flatcar.id)?.state).toBe('in_sync'), { timeout: 5_000 });
    if (talos)
      expect(await router.call('config.apply', { profileId: created.value.id, nodeIds: [talos.id] })).toMatchObject({
        ok: false,
        error: { code: 'conflict', message: expect.stringMatching(/runs talos, which does not read Butane/) },
      });
    const unassigned = services!.fleet.snapshot().nodes.find((n) => !n.tags.includes('k8s'))!;
    expect(await router.call('config.apply', { profileId: created.value.id, nodeIds: [unassigned.id] })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    // Applied as an operation: audited as requested, then as done once the provider reads it back.
    await vi.waitFor(async () => {
      const audit = (await router.call('audit.list', {})) as { value: { action: string; outcome: string; message: string }[] };
      expect(audit.value.find((e) => e.action === 'config.apply' && e.outcome === 'succeeded')?.message).toMatch(
        /Set the user data of .* to edge r2 ✓; Ignition runs once/,
      );
    });
    const operations = (await router.call('operations.list', { limit: 10 })) as { value: { kind: string; label: string }[] };
    expect(operations.value.find((o) => o.kind === 'config.apply')).toMatchObject({ label: 'Apply edge r2 to 1 node' });
  }, 20_000);

  it('renders a config with variables per node: preview, apply and drift each see the node’s own values', async () => {
    const { router } = await setUp(20, { driftMaxAgeMs: 200 });
    const butane =
      'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /etc/hostname\n      mode: 0644\n      contents:\n        inline: "{{ hostname }}"\n';
    const created = (await router.call('config.create', { name: 'hostnames', kind: 'butane', content: butane, message: '' })) as {
      ok: true;
      value: { id: string };
    };
    await router.call('config.assign', { profileId: created.value.id, tag: 'k8s' });
    const nodes = services!.fleet
      .snapshot()
      .nodes.filter((n) => n.tags.includes('k8s') && n.os.family === 'flatcar')
      .slice(0, 2);
    expect(nodes).toHaveLength(2);
    const preview = (await router.call('config.preview', { profileId: created.value.id, nodeId: nodes[0]!.id })) as { value: { rendered: string } };
    expect(preview.value.rendered).toContain(`data:,${nodes[0]!.hostname}`);
    await router.call('config.apply', { profileId: created.value.id, nodeIds: nodes.map((n) => n.id) });
    for (const node of nodes) expect(lab!.fleet.get(node.deviceId).userdata).toContain(`data:,${node.hostname}`);
    const drift = async () => ((await router.call('config.drift', {})) as { value: { nodeId: string; state: string }[] }).value;
    await vi.waitFor(
      async () => expect((await drift()).filter((d) => nodes.some((n) => n.id === d.nodeId)).map((d) => d.state)).toEqual(['in_sync', 'in_sync']),
      { timeout: 5_000 },
    );
    // The first node's user data swapped for the second's: both still valid Ignition, but not this node's rendering.
    lab!.fleet.update(nodes[0]!.deviceId, { userdata: lab!.fleet.get(nodes[1]!.deviceId).userdata });
    await services!.fleet.refresh();
    await vi.waitFor(async () => expect((await drift()).find((d) => d.nodeId === nodes[0]!.id)).toMatchObject({ state: 'drifted' }), { timeout: 5_000 });
  }, 20_000);

  it('refuses an account with a bad token, saves nothing, and never exposes a token', async () => {
    const { router, dataDir } = await setUp(5);
    const bad = await router.call('connections.add', {
      kind: 'metal',
      name: 'Second',
      settings: { baseUrl: lab!.baseUrl, token: 'not-the-token', projectId: lab!.projectId },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'auth', message: expect.stringMatching(/rejected the API token/) } });
    expect((await router.call('connections.list', {})) as { value: unknown[] }).toMatchObject({ value: [{ id: 'lab' }] });

    const good = await router.call('connections.add', {
      kind: 'metal',
      name: 'Second',
      settings: { baseUrl: lab!.baseUrl, token: lab!.token, projectId: lab!.projectId },
    });
    expect(good).toMatchObject({ ok: true, value: { name: 'Second', hasCredential: true } });
    expect(storedConnections(dataDir, 'provider')).toMatchObject([
      { kind: 'metal', name: 'Second', settings: { baseUrl: lab!.baseUrl, projectId: lab!.projectId } },
    ]);
    expect(databaseBytes(dataDir)).not.toContain(lab!.token);
    expect(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain(lab!.token);
    expect(JSON.stringify(await router.call('connections.list', {}))).not.toContain(lab!.token);
    await services!.fleet.refresh();
    expect(services!.fleet.snapshot().nodes).toHaveLength(10);

    const id = (good as { value: { id: string } }).value.id;
    expect(await router.call('connections.remove', { accountId: id })).toMatchObject({ ok: true, value: { removed: true } });
    expect(services!.fleet.snapshot().nodes).toHaveLength(5);
    expect(await router.call('connections.remove', { accountId: 'lab' })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    // Every attempt is audited with its outcome, naming the connection, never with its token.
    const { audit, changes } = await auditOf(router, 'connection.');
    expect(changes.map((e) => [e.action, e.targetName, e.outcome])).toEqual([
      ['connection.remove', 'Lab fleet', 'failed'],
      ['connection.remove', 'Second', 'succeeded'],
      ['connection.add', 'Second', 'succeeded'],
      ['connection.add', 'Second', 'failed'],
    ]);
    expect(changes[1]).toMatchObject({ target: id, message: 'Removed the Metal API connection and its stored secrets' });
    expect(changes[2]!.message).toBe(`Added the Metal API connection to ${lab!.baseUrl} (project ${lab!.projectId})`);
    expect(changes[3]!.message).toMatch(/rejected the API token/);
    expect(JSON.stringify(audit)).not.toContain(lab!.token);
    expect(JSON.stringify(audit)).not.toContain('not-the-token');
  });

  it('audits adding and removing an update server, never with its token', async () => {
    const { router } = await setUp(5);
    const input = { name: 'Staging Nebraska', baseUrl: lab!.updates.baseUrl, app: lab!.updates.app, token: lab!.updates.token };
    const bad = await router.call('updates.addServer', { ...input, token: 'not-the-token' });
    expect(bad).toMatchObject({ ok: false });
    const added = (await router.call('updates.addServer', input)) as { ok: true; value: { id: string } };
    expect(added).toMatchObject({ ok: true, value: { name: 'Staging Nebraska' } });
    expect(await router.call('updates.removeServer', { serverId: added.value.id })).toMatchObject({ ok: true, value: { removed: true } });
    const { audit, changes } = await auditOf(router, 'updateServer.');
    expect(changes.map((e) => [e.action, e.targetName, e.outcome])).toEqual([
      ['updateServer.remove', 'Staging Nebraska', 'succeeded'],
      ['updateServer.add', 'Staging Nebraska', 'succeeded'],
      ['updateServer.add', 'Staging Nebraska', 'failed'],
    ]);
    expect(changes[1]).toMatchObject({ target: added.value.id, message: `Added the update server ${lab!.updates.baseUrl} (app ${lab!.updates.app})` });
    expect(JSON.stringify(audit)).not.toContain(lab!.updates.token);
    expect(JSON.stringify(audit)).not.toContain('not-the-token');
  });

  it('marks an account in error when its endpoint stops answering, and keeps the last known nodes', async () => {
    const { router } = await setUp(5);
    await lab!.stop();
    await services!.fleet.refresh();
    const connections = await router.call('connections.list', {});
    expect(connections).toMatchObject({ ok: true, value: [{ sync: { status: 'error', error: { code: 'unreachable' } } }] });
    expect(services!.fleet.snapshot().nodes).toHaveLength(5);
  });

  it('keeps console settings per account and applies them to the console endpoint', async () => {
    const { router, dataDir } = await setUp(3);
    const settings = { breakMethod: 'tilde-b' as const, keepaliveSeconds: 0, legacyAlgorithms: true, jumpHosts: ['ops@bastion.example:2222', 'root@10.0.0.1'] };
    expect(await router.call('connections.setConsoleSettings', { accountId: 'lab', settings })).toMatchObject({
      ok: true,
      value: { id: 'lab', console: settings },
    });
    expect(storedConnections(dataDir, 'console-settings')).toMatchObject([{ id: 'lab', settings }]);
    expect(services!.connections.breakMethod('lab')).toBe('tilde-b');
    const node = services!.fleet.snapshot().nodes[0]!;
    const { target } = await services!.connections.consoleEndpoint('lab', node);
    expect(target).toMatchObject({ host: '127.0.0.1', port: 2230, username: node.deviceId, keepaliveIntervalMs: 0, legacyAlgorithms: true });
    expect(target.jump).toEqual([
      { host: 'bastion.example', port: 2222, username: 'ops', keepaliveIntervalMs: 0, legacyAlgorithms: true },
      { host: '10.0.0.1', port: 22, username: 'root', keepaliveIntervalMs: 0, legacyAlgorithms: true },
    ]);
    const bad = await router.call('connections.setConsoleSettings', { accountId: 'lab', settings: { ...settings, jumpHosts: ['no user here'] } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/user@host/) } });
  });

  it('handles every contract method', async () => {
    const { router } = await setUp(3);
    const { METHOD_NAMES } = await import('../../shared/contract');
    for (const method of METHOD_NAMES) {
      const result = await router.call(method, {});
      if (!result.ok) expect(result.error.message).not.toMatch(/Unknown method/);
    }
  });
});
