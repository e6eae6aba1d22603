/**
 * Rollback and runbooks through the router, against the real lab over HTTP and its SSH serial
 * gateway: an OS rollback types Flatcar's documented procedure on the console and is verified by
 * the version the node boots; a config rollback reprovisions with the user data the node had; a
 * runbook runs on several nodes under a policy, keeps transcripts without the password, and its
 * failed steps can be retried; a restart mid-runbook reports the step instead of typing it again.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labAccount, startLab, type RunningLab } from '../../lab/lab';
import { ensureLabKeys } from '../../lab/lab-keys';
import { composeServices, type Services } from '../compose';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../vault/encrypted-file-store';
import type { Boundary } from './engine';
import { type Call, quietLog, until } from '../../../test/support/services';

let lab: RunningLab | null = null;
const hosts: Services[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) h.stop();
  await lab?.stop();
  lab = null;
});

async function setup(timeScale = 0.002) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-rollback-'));
  const secrets = new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key')));
  const keys = await ensureLabKeys(secrets);
  lab = await startLab({
    nodeCount: 24,
    timeScale,
    failureRate: 0,
    updatesEnabled: false,
    serial: { hostKey: keys.hostPrivateKey, authorizedKeys: [keys.userPublicKey] },
  });
  return { dataDir, secrets, keys };
}

async function host(env: Awaited<ReturnType<typeof setup>>, boundary?: (b: Boundary) => Promise<void> | void) {
  const services = composeServices({
    host: { kind: 'web', version: 'test', nativeDialogs: false },
    paths: { dataDir: env.dataDir },
    secrets: env.secrets,
    log: quietLog,
    lab: labAccount(lab!, env.keys),
    pollIntervalMs: 60_000,
    busyPollIntervalMs: 100,
    updatesPollIntervalMs: 60_000,
    clientDefaults: { maxRetries: 0, timeoutMs: 2_000 },
    operationBoundary: boundary,
  });
  const call = services.router.call as Call;
  // The person at the keyboard trusts the lab gateway's key when asked.
  services.bus.on((event, payload) => {
    if (event === 'console.hostKeyPrompt') void call('console.answerHostKey', { promptId: (payload as { promptId: string }).promptId, accept: true });
  });
  hosts.push(services);
  await services.start();
  await services.fleet.refresh();
  return { services, call };
}

const finished = (call: Call, operationId: string, timeoutMs = 30_000) =>
  until(
    () => call('operations.get', { operationId }),
    (r) => r.ok && r.value.status !== 'running',
    timeoutMs,
  ).then((r) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  });

describe('rollback', () => {
  it('rolls a Flatcar node back to its other USR slot over the serial console, verified by the version it boots', { timeout: 60_000 }, async () => {
    const env = await setup();
    const { services, call } = await host(env);
    const node = services.fleet
      .snapshot()
      .nodes.find(
        (n) => n.os.family === 'flatcar' && n.state === 'active' && !n.hostname.includes('gateway') && n.osState?.slots.some((s) => !s.booted && s.version),
      )!;
    const options = await call('actions.rollbackOptions', { nodeId: node.id });
    if (!options.ok || !options.value.os.available) throw new Error(JSON.stringify(options));
    const target = options.value.os.to;
    expect(options.value.os).toMatchObject({ from: node.osState!.bootedVersion, runbookId: 'builtin:flatcar-rollback' });
    expect(options.value.os.steps.join(' ')).toContain('cgpt prioritize');

    const started = await call('actions.rollback', { nodeId: node.id, kind: 'os' });
    if (!started.ok) throw new Error(started.error.message);
    const done = await finished(call, started.value.operationId, 45_000);
    expect(done).toMatchObject({ kind: 'rollback', status: 'succeeded' });
    expect(done.steps[0]!.message).toBe(`Roll back to ${target} on ${node.hostname}: verified, it booted ${target}.`);
    expect(lab!.fleet.get(node.deviceId).osVersion).toBe(target);
    expect(services.fleet.snapshotNode(node.id)!.osState!.bootedVersion).toBe(target);

    const transcript = await call('operations.transcript', { stepId: done.steps[0]!.id });
    if (!transcript.ok) throw new Error(transcript.error.message);
    expect(transcript.value.text).toContain('cgpt prioritize');
    const credential = (await call('runbooks.credentials', {})) as { ok: true; value: { name: string }[] };
    expect(credential.value.map((c) => c.name)).toContain('console');
    const password = await env.secrets.get('console-credential:console');
    expect(password && transcript.value.text.includes(password)).toBe(false);
    const audit = await call('audit.list', { limit: 50 });
    expect(audit.ok && audit.value.filter((a) => a.action === 'node.rollback').map((a) => a.outcome)).toEqual(
      expect.arrayContaining(['accepted', 'succeeded']),
    );

    // Now the other slot holds the newer version and still counts as good: rolling back again is offered, to it.
    const again = await call('actions.rollbackOptions', { nodeId: node.id });
    expect(again.ok && again.value.os).toMatchObject({ available: true, to: node.osState!.bootedVersion });
  });

  it('says why there is nothing to roll back: a Talos node, a fresh install, a node never reconfigured', { timeout: 40_000 }, async () => {
    const env = await setup();
    const { services, call } = await host(env);
    const nodes = services.fleet.snapshot().nodes;
    const talos = nodes.find((n) => n.os.family === 'talos' && n.state === 'active')!;
    const t = await call('actions.rollbackOptions', { nodeId: talos.id });
    expect(t.ok && t.value.os).toMatchObject({ available: false, reason: expect.stringContaining('talosctl rollback') });
    expect(t.ok && t.value.config).toMatchObject({ available: false, reason: expect.stringContaining('has not changed this node') });
    const refused = await call('actions.rollback', { nodeId: talos.id, kind: 'os' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining(`Roll back ${talos.hostname}: Talos`) } });

    // A reinstall leaves USR-B empty: nothing to roll back to.
    const flatcar = nodes.find((n) => n.os.family === 'flatcar' && n.state === 'active' && !n.hostname.includes('gateway'))!;
    const started = await call('actions.reprovision', { nodeId: flatcar.id, operatingSystem: flatcar.os.slug, revisionId: null, preserveData: true });
    if (!started.ok) throw new Error(started.error.message);
    await finished(call, started.value.operationId);
    const fresh = await call('actions.rollbackOptions', { nodeId: flatcar.id });
    expect(fresh.ok && fresh.value.os).toMatchObject({ available: false, reason: 'USR-B holds no OS: there is nothing to roll back to.' });
  });

  it('rolls the config back to the user data the node had before Ironpane reprovisioned it', { timeout: 60_000 }, async () => {
    const env = await setup();
    const { services, call } = await host(env);
    const node = services.fleet.snapshot().nodes.find((n) => n.os.family === 'flatcar' && n.state === 'active' && !n.hostname.includes('gateway'))!;
    const original = lab!.fleet.get(node.deviceId).userdata;
    const created = await call('config.create', {
      name: 'motd',
      kind: 'ignition',
      content: '{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/motd","contents":{"source":"data:,rolled%20forward"}}]}}',
      message: 'motd',
    });
    if (!created.ok) throw new Error(created.error.message);
    const revisionId = created.value.latest!.id;
    const forward = await call('actions.reprovision', { nodeId: node.id, operatingSystem: node.os.slug, revisionId, preserveData: true });
    if (!forward.ok) throw new Error(forward.error.message);
    const forwarded = await finished(call, forward.value.operationId);
    expect(forwarded).toMatchObject({ status: 'succeeded' });
    // Its verification does not stop to ask about the gateway's key nobody has trusted yet: it says so.
    expect(forwarded.steps[0]!.message).toMatch(
      /user data motd r1 ✓, login prompt not checked \(its console’s host key is not trusted yet; open the console once to trust it\)\.$/,
    );
    expect((await call('console.list', {})).ok && ((await call('console.list', {})) as { value: unknown[] }).value).toEqual([]);

    const options = await call('actions.rollbackOptions', { nodeId: node.id });
    if (!options.ok || !options.value.config.available) throw new Error(JSON.stringify(options));
    expect(options.value.config).toMatchObject({ from: 'motd r1', diff: { to: original } });
    const back = await call('actions.rollback', { nodeId: node.id, kind: 'config' });
    if (!back.ok) throw new Error(back.error.message);
    expect(await finished(call, back.value.operationId)).toMatchObject({ status: 'succeeded', kind: 'rollback' });
    expect(lab!.fleet.get(node.deviceId).userdata).toBe(original);
    // And back once more is a roll forward to r1: the journal knows what the node had each time.
    const forwardAgain = await call('actions.rollbackOptions', { nodeId: node.id });
    expect(forwardAgain.ok && forwardAgain.value.config).toMatchObject({ available: true, to: 'motd r1' });
  });
});

describe('runbooks as operations', () => {
  it('runs a runbook on three nodes under a policy, keeps transcripts, and retries the failed one', { timeout: 60_000 }, async () => {
    const env = await setup();
    const { services, call } = await host(env);
    const nodes = services.fleet
      .snapshot()
      .nodes.filter((n) => n.os.family === 'flatcar' && n.state === 'active' && !n.hostname.includes('gateway'))
      .slice(0, 3);
    const list = await call('runbooks.list', {});
    expect(list.ok && list.value.map((r) => r.name)).toEqual(
      expect.arrayContaining(['Flatcar A/B rollback', 'NixOS generation rollback', 'Collect diagnostics', 'Reboot and verify']),
    );
    const started = await call('runbooks.run', {
      runbookId: 'builtin:diagnostics',
      nodeIds: nodes.map((n) => n.id),
      policy: { maxParallel: 2, canary: true, stopAfterFailures: 0 },
    });
    if (!started.ok) throw new Error(started.error.message);
    const done = await finished(call, started.value.operationId);
    expect(done).toMatchObject({ status: 'succeeded', done: 3, kind: 'runbook' });
    expect(done.steps.every((s) => s.hasTranscript)).toBe(true);
    const transcript = await call('operations.transcript', { stepId: done.steps[1]!.id });
    expect(transcript.ok && transcript.value.text).toContain('systemctl --failed');

    // A user runbook whose expect never matches: the step fails naming it, with the transcript; a retry runs it again.
    const created = await call('config.create', {
      name: 'waits',
      kind: 'runbook',
      content: 'name: Waits in vain\nsteps:\n  - send: hostname\n    expect: never-printed\n    timeout: 1s\nverify:\n  expect: x\n',
      message: 'first',
    });
    if (!created.ok) throw new Error(created.error.message);
    const waits = await call('runbooks.run', {
      runbookId: `profile:${created.value.id}`,
      nodeIds: [nodes[0]!.id],
      policy: { maxParallel: 1, canary: false, stopAfterFailures: 0 },
    });
    if (!waits.ok) throw new Error(waits.error.message);
    const failed = await finished(call, waits.value.operationId);
    expect(failed).toMatchObject({ status: 'failed', failed: 1 });
    expect(failed.steps[0]!.message).toMatch(
      /^Waits in vain on .*: Step 1 \(hostname\): expected \/never-printed\/ within 1 s; the console printed ".*"\. The transcript has what the console printed\.$/,
    );
    expect(failed.steps[0]!.hasTranscript).toBe(true);
    const retried = await call('operations.retryFailed', { operationId: waits.value.operationId });
    if (!retried.ok) throw new Error(retried.error.message);
    expect(retried.value.label).toBe('Retry 1 of “Waits in vain on 1 node”');
    expect(await finished(call, retried.value.id)).toMatchObject({ status: 'failed', total: 1 });
    // Retried once: the original says by what, and is not offered again (a second retry could wipe nodes the first fixed).
    expect(await call('operations.get', { operationId: waits.value.operationId })).toMatchObject({ ok: true, value: { retriedBy: retried.value.id } });
    expect(await call('operations.retryFailed', { operationId: waits.value.operationId })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/was retried already/) },
    });

    // Refused before anything is typed: a runbook for another OS, and a runbook config cannot be assigned.
    const nixos = await call('runbooks.run', {
      runbookId: 'builtin:nixos-rollback',
      nodeIds: [nodes[1]!.id],
      policy: { maxParallel: 1, canary: false, stopAfterFailures: 0 },
    });
    if (!nixos.ok) throw new Error(nixos.error.message);
    const refused = await finished(call, nixos.value.operationId);
    expect(refused.steps[0]!.message).toMatch(/NixOS generation rollback is for nixos; this node runs flatcar/);
    expect(refused.steps[0]!.hasTranscript).toBe(false);
    const assign = await call('config.assign', { profileId: created.value.id, nodeIds: [nodes[0]!.id] });
    expect(assign).toMatchObject({ ok: false, error: { message: expect.stringContaining('is a runbook, not node config') } });
  });

  it('reports a runbook step a restart interrupted instead of typing it again', { timeout: 40_000 }, async () => {
    const env = await setup();
    const first = await host(env, (b) => (b === 'before-send' ? new Promise<void>(() => undefined) : undefined));
    const node = first.services.fleet.snapshot().nodes.find((n) => n.os.family === 'flatcar' && n.state === 'active' && !n.hostname.includes('gateway'))!;
    const started = await first.call('runbooks.run', {
      runbookId: 'builtin:diagnostics',
      nodeIds: [node.id],
      policy: { maxParallel: 1, canary: false, stopAfterFailures: 0 },
    });
    if (!started.ok) throw new Error(started.error.message);
    await until(
      () => first.call('operations.get', { operationId: started.value.operationId }),
      (r) => r.ok && r.value.steps[0]!.state === 'sending',
    );
    first.services.stop();
    hosts.splice(hosts.indexOf(first.services), 1);

    const second = await host(env);
    const done = await finished(second.call, started.value.operationId);
    expect(done).toMatchObject({ status: 'failed', failed: 1 });
    expect(done.steps[0]!.message).toMatch(/was under way when Ironpane stopped.*It was not run again/);
    expect(done.steps[0]!.hasTranscript).toBe(false);
  });
});
