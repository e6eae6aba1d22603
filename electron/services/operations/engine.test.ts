/**
 * The operations engine against the real lab over HTTP: a host that dies at each boundary between
 * journal writes and provider calls, and a new host on the same data folder that picks the
 * operation up. Nothing is lost (every node ends powered off, every step succeeded) and nothing is
 * sent twice (the lab sees exactly one power-off request per node).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type LabOptions, type RunningLab } from '../../lab/lab';
import { composeServices, type Services } from '../compose';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../vault/encrypted-file-store';
import type { Boundary } from './engine';
import { NodeLeases } from './node-leases';
import { openStoreBackend } from '../store/store-backend';
import { type Call, quietLog, until } from '../../../test/support/services';

let lab: RunningLab | null = null;
const hosts: Services[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) h.stop();
  await lab?.stop();
  lab = null;
});

const powerRequests = new Map<string, number>();

/** Counts, per device, the `type` actions the lab accepted (202), and lists the ones it refused as "status deviceId". */
function actionCounter(type: string, accepted: Map<string, number>, refused: string[] = []): NonNullable<LabOptions['onExchange']> {
  return (e) => {
    const match = /\/devices\/([^/]+)\/actions$/.exec(e.path);
    if (e.method !== 'POST' || !match || (e.requestBody as { type?: string })?.type !== type) return;
    if (e.status === 202) accepted.set(match[1]!, (accepted.get(match[1]!) ?? 0) + 1);
    else refused.push(`${e.status} ${match[1]}`);
  };
}

async function host(dataDir: string, boundary?: (b: Boundary) => Promise<void> | void) {
  const services = composeServices({
    host: { kind: 'web', version: 'test', nativeDialogs: false },
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key'))),
    log: quietLog,
    lab: { baseUrl: lab!.baseUrl, token: lab!.token, projectId: lab!.projectId, nodeCount: 12, serial: null },
    pollIntervalMs: 60_000,
    busyPollIntervalMs: 100,
    updatesPollIntervalMs: 60_000,
    clientDefaults: { maxRetries: 0, timeoutMs: 2_000 },
    operationBoundary: boundary ? (b) => boundary(b) : undefined,
  });
  hosts.push(services);
  await services.start();
  await services.fleet.refresh();
  return { services, call: services.router.call as Call };
}

describe('operations engine: crash and resume', () => {
  for (const boundary of ['before-send', 'after-send', 'after-sent'] as const) {
    it(`a host killed at ${boundary} leaves a journal the next start finishes, sending nothing twice`, { timeout: 40_000 }, async () => {
      powerRequests.clear();
      lab = await startLab({
        nodeCount: 12,
        timeScale: 0.005,
        failureRate: 0,
        onExchange: actionCounter('power_off', powerRequests),
      });
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-'));
      // The first host freezes for good at the boundary: nothing after it ever runs, as after a SIGKILL.
      let reached = 0;
      const first = await host(dataDir, (b) => (b === boundary ? (reached++, new Promise<void>(() => undefined)) : undefined));
      const targets = first.services.fleet
        .snapshot()
        .nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway'))
        .slice(0, 3);
      void first.call('actions.powerBulk', { nodeIds: targets.map((n) => n.id), action: 'power_off' });
      await until(
        () => reached,
        (n) => n === 3,
      );
      const ops = await first.call('operations.list', { limit: 5 });
      const operationId = ops.ok ? ops.value[0]!.id : '';
      const before = await first.call('operations.get', { operationId });
      // Journalled before the provider call: the step says `sending` (or `sent`) while the host is frozen.
      expect(before.ok && before.value.steps.map((s) => s.state)).toEqual(Array(3).fill(boundary === 'after-sent' ? 'sent' : 'sending'));
      first.services.stop();
      hosts.splice(hosts.indexOf(first.services), 1);

      const second = await host(dataDir);
      const done = await until(
        async () => second.call('operations.get', { operationId }),
        (r) => r.ok && r.value.status !== 'running',
      );
      expect(done).toMatchObject({ ok: true, value: { status: 'succeeded', done: 3, failed: 0 } });
      for (const node of targets) {
        expect(powerRequests.get(node.deviceId)).toBe(1);
        expect(lab.fleet.get(node.deviceId).state).toBe('inactive');
      }
      const audit = await second.call('audit.list', { limit: 50 });
      const outcomes = audit.ok ? audit.value.filter((a) => a.action === 'power.power_off' && a.outcome === 'succeeded') : [];
      expect(outcomes).toHaveLength(3);
    });
  }

  it('refuses a step the node cannot take, before anything is sent, with the reason', async () => {
    lab = await startLab({ nodeCount: 12, timeScale: 1, failureRate: 0 });
    const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')));
    const off = services.fleet.snapshot().nodes.find((n) => n.state === 'inactive')!;
    const result = await call('actions.power', { nodeId: off.id, action: 'power_off' });
    expect(result).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const bulk = await call('actions.powerBulk', { nodeIds: [off.id], action: 'power_off' });
    expect(bulk).toMatchObject({ ok: true, value: { results: [{ ok: false, error: { code: 'conflict' } }] } });
    const ops = await call('operations.list', { limit: 5 });
    expect(ops).toMatchObject({ ok: true, value: [{ status: 'failed', failed: 1, done: 0 }] });
  });
});

describe('reprovision as an operation', () => {
  it('reinstalls a node with a config revision, verifies it, and refuses bad input naming the field', { timeout: 40_000 }, async () => {
    lab = await startLab({ nodeCount: 12, timeScale: 0.002, failureRate: 0 });
    const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')));
    const node = services.fleet.snapshot().nodes.find((n) => n.state === 'active' && n.os.family === 'flatcar' && !n.hostname.includes('gateway'))!;
    const butane = 'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: reprovisioned by ironpane\n';
    const profile = await call('config.create', { name: 'motd', kind: 'butane', content: butane, message: 'first' });
    if (!profile.ok) throw new Error(profile.error.message);
    await call('config.assign', { profileId: profile.value.id, nodeIds: [node.id] });
    const cloud = await call('config.create', { name: 'ubuntu base', kind: 'cloud-config', content: '#cloud-config\nhostname: x\n', message: 'first' });
    if (!cloud.ok) throw new Error(cloud.error.message);
    await call('config.create', {
      name: 'checks',
      kind: 'runbook',
      content: 'name: checks\nsteps:\n  - send: uptime\nverify: { expect: "load" }\n',
      message: 'first',
    });
    const options = await call('actions.reprovisionOptions', { nodeId: node.id });
    expect(options).toMatchObject({ ok: true, value: { blockedReason: null, currentOs: node.os.slug, assignedRevisionId: profile.value.latest!.id } });
    // The other configs' latest revisions are offered too (an Ubuntu picked here reads the cloud-config); a runbook is not user data.
    expect(options.ok && options.value.otherConfigs).toEqual([
      { revisionId: cloud.value.latest!.id, number: 1, profileName: 'ubuntu base', kind: 'cloud-config' },
    ]);
    const input = { nodeId: node.id, operatingSystem: 'flatcar_stable', revisionId: profile.value.latest!.id, preserveData: false };
    const preview = await call('actions.reprovisionPreview', input);
    expect(preview).toMatchObject({
      ok: true,
      value: { osTo: 'Flatcar Container Linux - Stable 4230.2.3', preserveData: false, config: { toLabel: 'motd r1' } },
    });
    expect(preview.ok && preview.value.config!.to).toMatch(/"path": "\/etc\/motd"/);

    expect(await call('actions.reprovision', { ...input, operatingSystem: 'windows_2022' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: expect.stringMatching(/^Operating system: "windows_2022"/) },
    });
    expect(await call('actions.reprovision', { ...input, operatingSystem: 'ubuntu_24_04' })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^Config: Ubuntu 24\.04 LTS runs ubuntu, which does not read Butane/) },
    });

    const started = await call('actions.reprovision', input);
    if (!started.ok) throw new Error(started.error.message);
    // A second click while it runs is refused: the node is reinstalling.
    await services.fleet.refreshNode(node.id);
    expect(await call('actions.reprovision', input)).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/reinstalling/) } });
    const done = await until(
      () => call('operations.get', { operationId: started.value.operationId }),
      (r) => r.ok && r.value.status !== 'running',
      30_000,
    );
    expect(done).toMatchObject({
      ok: true,
      value: {
        status: 'succeeded',
        steps: [
          {
            state: 'succeeded',
            message: expect.stringMatching(
              /active ✓, Flatcar Container Linux - Stable 4230\.2\.3 ✓, user data motd r1 ✓, login prompt not checked \(The lab serial gateway is not running\)\./,
            ),
          },
        ],
      },
    });
    expect(lab.fleet.get(node.deviceId).userdata).toContain('/etc/motd');

    // The last check reads back what the provider reports: user data changed behind Ironpane's back fails the step.
    const again = await call('actions.reprovision', input);
    if (!again.ok) throw new Error(again.error.message);
    lab.fleet.update(node.deviceId, { userdata: '{"ignition":{"version":"3.4.0"}}' });
    const checked = await until(
      () => call('operations.get', { operationId: again.value.operationId }),
      (r) => r.ok && r.value.status !== 'running',
      30_000,
    );
    expect(checked).toMatchObject({ ok: true, value: { status: 'failed', steps: [{ message: expect.stringMatching(/its user data is not motd r1/) }] } });
  });
});

describe('bulk reprovision under a policy', () => {
  const reinstalls = new Map<string, number>();
  const labWithCounts = (timeScale: number, refused?: string[]) =>
    startLab({ nodeCount: 24, timeScale, failureRate: 0, onExchange: actionCounter('reinstall', reinstalls, refused) });
  const overlap = (steps: { startedAt: string | null; finishedAt: string | null }[]) => {
    let most = 0;
    for (const s of steps) {
      const at = Date.parse(s.startedAt!);
      most = Math.max(most, steps.filter((o) => Date.parse(o.startedAt!) <= at && Date.parse(o.finishedAt!) > at).length);
    }
    return most;
  };

  it('a node another console holds: a single action is refused naming who, a bulk step waits for it and then runs once', { timeout: 60_000 }, async () => {
    reinstalls.clear();
    lab = await labWithCounts(0.001);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-'));
    const { services, call } = await host(dataDir);
    const [held, free] = services.fleet
      .snapshot()
      .nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway') && n.os.family !== 'talos')
      .slice(0, 2);
    // Bob's console, on the same store, is acting on the first node.
    const store = await openStoreBackend({ sqliteFile: path.join(dataDir, 'ironpane.db') });
    const bob = new NodeLeases({ actor: 'bob', console: 'desk-2/b0b000' }, { now: Date.now }, quietLog);
    bob.open(store);
    const bobStep = { nodeId: held!.id, hostname: held!.hostname, operationId: 'op-bob', id: 'step-bob' };
    await bob.claim(bobStep, 'Reprovision');
    expect(await call('actions.power', { nodeId: held!.id, action: 'reboot' })).toMatchObject({
      ok: false,
      error: {
        code: 'conflict',
        retryable: true,
        message: expect.stringMatching(new RegExp(`${held!.hostname} is busy: bob \\(console desk-2/b0b000\\) is running Reprovision`)),
      },
    });
    const started = await call('actions.reprovisionBulk', {
      nodeIds: [held!.id, free!.id],
      operatingSystem: null,
      config: 'keep',
      preserveData: true,
      policy: { maxParallel: 2, canary: false, stopAfterFailures: 0 },
    });
    if (!started.ok) throw new Error(started.error.message);
    const get = () => call('operations.get', { operationId: started.value.operationId });
    const waiting = await until(
      get,
      (r) => r.ok && r.value.steps.some((s) => s.nodeId === held!.id && /^Waiting: .* is busy: bob/.test(s.message)) && r.value.done === 1,
    );
    expect(waiting.ok && waiting.value.status).toBe('running');
    expect(reinstalls.get(held!.deviceId)).toBeUndefined();
    await bob.release(bobStep);
    const done = await until(get, (r) => r.ok && r.value.status !== 'running', 30_000);
    expect(done).toMatchObject({ ok: true, value: { status: 'succeeded', done: 2, failed: 0 } });
    expect(reinstalls.get(held!.deviceId)).toBe(1);
    expect(reinstalls.get(free!.deviceId)).toBe(1);
    bob.close();
    await store.close();
  });

  it('runs the canary to verified first, keeps at most max-parallel in flight, and stops after failures', { timeout: 60_000 }, async () => {
    reinstalls.clear();
    lab = await labWithCounts(0.001);
    const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')));
    const nodes = services.fleet
      .snapshot()
      .nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway') && n.os.family !== 'talos')
      .slice(0, 7);
    const started = await call('actions.reprovisionBulk', {
      nodeIds: nodes.map((n) => n.id),
      operatingSystem: null,
      config: 'keep',
      preserveData: true,
      policy: { maxParallel: 2, canary: true, stopAfterFailures: 1 },
    });
    if (!started.ok) throw new Error(started.error.message);
    const done = await until(
      () => call('operations.get', { operationId: started.value.operationId }),
      (r) => r.ok && r.value.status !== 'running',
      50_000,
    );
    if (!done.ok) throw new Error('no detail');
    expect(done.value).toMatchObject({ status: 'succeeded', done: 7, failed: 0, policy: { maxParallel: 2, canary: true } });
    const [canary, ...rest] = done.value.steps;
    expect(rest.every((s) => Date.parse(s.startedAt!) >= Date.parse(canary!.finishedAt!))).toBe(true);
    expect(overlap(rest)).toBeLessThanOrEqual(2);
    for (const node of nodes) expect(reinstalls.get(node.deviceId)).toBe(1);

    // A node whose first boot fails (user data Ignition refuses): the operation stops there.
    const more = services.fleet
      .snapshot()
      .nodes.filter((n) => n.state === 'active' && n.os.family === 'flatcar' && !n.hostname.includes('gateway') && !nodes.some((x) => x.id === n.id))
      .slice(0, 4);
    lab.fleet.update(more[0]!.deviceId, { userdata: '{"ignition": not json' });
    const second = await call('actions.reprovisionBulk', {
      nodeIds: more.map((n) => n.id),
      operatingSystem: null,
      config: 'keep',
      preserveData: false,
      policy: { maxParallel: 1, canary: true, stopAfterFailures: 1 },
    });
    if (!second.ok) throw new Error(second.error.message);
    const stopped = await until(
      () => call('operations.get', { operationId: second.value.operationId }),
      (r) => r.ok && r.value.status !== 'running',
      30_000,
    );
    expect(stopped).toMatchObject({ ok: true, value: { status: 'failed', done: 0, failed: 4 } });
    const messages = stopped.ok ? stopped.value.steps.map((s) => s.message) : [];
    expect(messages[0]).toMatch(/provisioning failed/);
    expect(messages.slice(1).every((m) => m === 'Not run: the canary failed, so the operation stopped.')).toBe(true);
    expect(more.slice(1).every((n) => !reinstalls.has(n.deviceId))).toBe(true);
  });

  it('survives a host killed mid-way: the next start drives it on, one reinstall per node', { timeout: 60_000 }, async () => {
    reinstalls.clear();
    lab = await labWithCounts(0.002);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-'));
    let sends = 0;
    // Freeze for good at the fourth send: three steps are in the journal as sent or done, the fourth as sending.
    const first = await host(dataDir, (b) => (b === 'after-send' && ++sends === 4 ? new Promise<void>(() => undefined) : undefined));
    const nodes = first.services.fleet
      .snapshot()
      .nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway') && n.os.family !== 'talos')
      .slice(0, 8);
    const started = await first.call('actions.reprovisionBulk', {
      nodeIds: nodes.map((n) => n.id),
      operatingSystem: null,
      config: 'keep',
      preserveData: true,
      policy: { maxParallel: 3, canary: false, stopAfterFailures: 0 },
    });
    if (!started.ok) throw new Error(started.error.message);
    await until(
      () => sends,
      (n) => n >= 4,
      30_000,
    );
    first.services.stop();
    hosts.splice(hosts.indexOf(first.services), 1);
    // Let every reinstall already sent finish before the next start, so it finds nodes that went
    // through the whole reinstall while no host watched (their update time precedes the restart).
    await until(
      () => nodes.filter((n) => reinstalls.has(n.deviceId)).every((n) => lab!.fleet.get(n.deviceId).state === 'active'),
      (v) => v,
      20_000,
    );

    const second = await host(dataDir);
    const done = await until(
      () => second.call('operations.get', { operationId: started.value.operationId }),
      (r) => r.ok && r.value.status !== 'running',
      50_000,
    );
    expect(done).toMatchObject({ ok: true, value: { status: 'succeeded', done: 8, failed: 0 } });
    for (const node of nodes) expect(reinstalls.get(node.deviceId)).toBe(1);
  });

  it(
    'in a bulk operation, waits for a node that started a reboot of its own under the plan, then sends: the refusal is not a failure',
    { timeout: 40_000 },
    async () => {
      reinstalls.clear();
      const refused: string[] = [];
      lab = await labWithCounts(0.005, refused);
      const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')));
      const node = services.fleet.snapshot().nodes.find((n) => n.state === 'active' && n.os.family === 'flatcar')!;
      // locksmithd reboots it after an update; the fleet (polled once a minute here) still says active.
      lab.fleet.selfReboot(lab.fleet.machines.get(node.deviceId)!, 'Rebooting to apply an update (locksmithd)');
      // A single action does not wait: it answers at once with the provider's refusal.
      const single = await call('actions.power', { nodeId: node.id, action: 'reboot' });
      expect(single).toMatchObject({ ok: false, error: { message: expect.stringMatching(/powering_(off|on) and cannot reboot now/) } });
      const started = await call('actions.reprovisionBulk', {
        nodeIds: [node.id],
        operatingSystem: null,
        config: 'keep',
        preserveData: true,
        policy: { maxParallel: 1, canary: false, stopAfterFailures: 1 },
      });
      if (!started.ok) throw new Error(started.error.message);
      const waiting = await until(
        () => call('operations.get', { operationId: started.value.operationId }),
        (r) => r.ok && /^Waiting for/.test(r.value.steps[0]!.message ?? ''),
        20_000,
      );
      expect(waiting).toMatchObject({
        ok: true,
        value: {
          status: 'running',
          steps: [
            {
              state: 'pending',
              message: expect.stringMatching(new RegExp(`^Waiting for ${node.hostname} to finish powering (off|on); sends once it settles\\.$`)),
            },
          ],
        },
      });
      const done = await until(
        () => call('operations.get', { operationId: started.value.operationId }),
        (r) => r.ok && r.value.status !== 'running',
        30_000,
      );
      expect(done).toMatchObject({ ok: true, value: { status: 'succeeded', done: 1, failed: 0 } });
      expect(refused).toEqual([`422 ${node.deviceId}`]);
      expect(reinstalls.get(node.deviceId)).toBe(1);
    },
  );

  it('a cancel ends a bulk step still waiting for its node, and nothing is sent to it', { timeout: 30_000 }, async () => {
    reinstalls.clear();
    lab = await labWithCounts(1); // a real reboot: 35 s
    const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')));
    const node = services.fleet.snapshot().nodes.find((n) => n.state === 'active' && n.os.family === 'flatcar')!;
    lab.fleet.selfReboot(lab.fleet.machines.get(node.deviceId)!, 'Rebooting to apply an update (locksmithd)');
    const started = await call('actions.reprovisionBulk', {
      nodeIds: [node.id],
      operatingSystem: null,
      config: 'keep',
      preserveData: true,
      policy: { maxParallel: 1, canary: false, stopAfterFailures: 0 },
    });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.value.operationId;
    await until(
      () => call('operations.get', { operationId: id }),
      (r) => r.ok && /^Waiting for/.test(r.value.steps[0]!.message ?? ''),
      10_000,
    );
    await call('operations.control', { operationId: id, action: 'cancel' });
    // Ended at once, not when the node comes back half a minute later.
    const ended = await until(
      () => call('operations.get', { operationId: id }),
      (r) => r.ok && r.value.status !== 'running',
      5_000,
    );
    // Cancelled, not failed: the operation did not fail, its one step never ran.
    expect(ended).toMatchObject({
      ok: true,
      value: { status: 'succeeded', failed: 0, cancelled: 1, steps: [{ state: 'failed', message: 'Cancelled before it ran.' }] },
    });
    expect(reinstalls.has(node.deviceId)).toBe(false);
  });

  it(
    'verifies a reinstall that finished before its step was journalled as sent (a slow host, a queue for the request budget)',
    { timeout: 40_000 },
    async () => {
      reinstalls.clear();
      lab = await labWithCounts(0.001);
      // The host stalls between the provider accepting the reinstall and writing "sent", longer than the reinstall takes.
      const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')), (b) =>
        b === 'after-send' ? new Promise<void>((r) => setTimeout(r, 1_500)) : undefined,
      );
      const nodes = services.fleet
        .snapshot()
        .nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway'))
        .slice(0, 2);
      const started = await call('actions.reprovisionBulk', {
        nodeIds: nodes.map((n) => n.id),
        operatingSystem: null,
        config: 'keep',
        preserveData: true,
        policy: { maxParallel: 2, canary: false, stopAfterFailures: 0 },
      });
      if (!started.ok) throw new Error(started.error.message);
      const done = await until(
        () => call('operations.get', { operationId: started.value.operationId }),
        (r) => r.ok && r.value.status !== 'running',
        20_000,
      );
      expect(done).toMatchObject({ ok: true, value: { status: 'succeeded', done: 2 } });
    },
  );

  it('pauses, resumes and cancels, each audited; a cancel ends the steps not yet started', { timeout: 40_000 }, async () => {
    reinstalls.clear();
    lab = await labWithCounts(0.01);
    const { services, call } = await host(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-')));
    const nodes = services.fleet
      .snapshot()
      .nodes.filter((n) => n.state === 'active' && !n.hostname.includes('gateway') && n.os.family !== 'talos')
      .slice(0, 6);
    const started = await call('actions.reprovisionBulk', {
      nodeIds: nodes.map((n) => n.id),
      operatingSystem: null,
      config: 'keep',
      preserveData: true,
      policy: { maxParallel: 1, canary: false, stopAfterFailures: 0 },
    });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.value.operationId;
    expect(await call('operations.control', { operationId: id, action: 'pause' })).toMatchObject({ ok: true, value: { control: 'paused' } });
    await new Promise((r) => setTimeout(r, 800));
    const paused = await call('operations.get', { operationId: id });
    // The step already in flight finishes; nothing new starts while paused.
    expect(paused.ok && paused.value.steps.filter((s) => s.state !== 'pending').length).toBeLessThanOrEqual(2);
    await call('operations.control', { operationId: id, action: 'resume' });
    await until(
      () => call('operations.get', { operationId: id }),
      (r) => r.ok && r.value.done >= 2,
      20_000,
    );
    await call('operations.control', { operationId: id, action: 'cancel' });
    const ended = await until(
      () => call('operations.get', { operationId: id }),
      (r) => r.ok && r.value.status !== 'running',
      20_000,
    );
    expect(ended.ok && ended.value.steps.some((s) => s.message === 'Cancelled before it ran.')).toBe(true);
    expect(ended.ok && ended.value.done + ended.value.failed + ended.value.cancelled).toBe(6);
    // Steps the cancel ended count as cancelled, never as failed.
    expect(ended.ok && ended.value.cancelled).toBe(ended.ok ? ended.value.steps.filter((s) => s.message === 'Cancelled before it ran.').length : -1);
    expect(ended.ok && ended.value.failed).toBe(0);
    const audit = await call('audit.list', { limit: 100 });
    expect(audit.ok && audit.value.map((a) => a.action)).toEqual(expect.arrayContaining(['operations.pause', 'operations.resume', 'operations.cancel']));
  });
});
