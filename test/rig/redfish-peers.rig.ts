/**
 * Peers: the Redfish client and provider against servers we did not write — OpenStack sushy-tools
 * with its fake driver (power lands seconds after the request, boot override stored, Basic auth from
 * an htpasswd file, TLS with a self-signed certificate) and DMTF's mockup server with the
 * vendor-shaped `public-rackmount1` tree. Skipped with the reason where a peer cannot run.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppError } from '../../shared/errors';
import { RedfishClient } from '../../electron/services/providers/redfish/redfish-client';
import { RedfishProvider } from '../../electron/services/providers/redfish/redfish-provider';
import { bcryptHtpasswd, mockupMissing, opensslMissing, selfSignedCertificate, startMockup, startSushy, sushyMissing, type Peer } from './peers';

const SYSTEM = '27946b59-9e44-4fa7-8e91-f3527a1ef094';
const SYSTEM_PATH = `/redfish/v1/Systems/${SYSTEM}`;
const sushyProblem = sushyMissing();
const mockupProblem = mockupMissing();
const tlsProblem = sushyProblem ?? opensslMissing();
if (sushyProblem) console.warn(`[peers] sushy-tools SKIPPED: install ${sushyProblem}`);
if (mockupProblem) console.warn(`[peers] DMTF mockup SKIPPED: install ${mockupProblem}`);

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => Promise.reject(new Error('expected a failure')),
    (e: unknown) => e as AppError,
  );

function provider(peer: Peer, overrides: Partial<ConstructorParameters<typeof RedfishClient>[0]> = {}) {
  const client = new RedfishClient({
    baseUrl: `http://127.0.0.1:${peer.port}`,
    username: '',
    password: '',
    auth: 'basic',
    pinnedFingerprint: null,
    timeoutMs: 10_000,
    ...overrides,
  });
  return { client, provider: new RedfishProvider('bmc', client) };
}

describe.skipIf(sushyProblem !== null)(`Redfish against sushy-tools (fake driver)${sushyProblem ? ` — SKIPPED: install ${sushyProblem}` : ''}`, () => {
  let open: Peer;
  let guarded: Peer;
  beforeAll(async () => {
    [open, guarded] = await Promise.all([
      startSushy({ systems: [{ uuid: SYSTEM, name: 'node-a', power_state: 'Off' }] }),
      startSushy({ systems: [{ uuid: SYSTEM, name: 'node-b', power_state: 'On' }], htpasswd: bcryptHtpasswd('admin', 'hunter2-bmc') }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([open?.stop(), guarded?.stop()]);
  });

  it('lists the system as a node, powers it on and follows it until it really is on, then off', { timeout: 60_000 }, async () => {
    const { provider: bmc } = provider(open);
    expect((await bmc.verify()).projectName).toMatch(/Redfish 1\.\d+\.\d+ · 1 system$/);
    const [node] = await bmc.listNodes();
    expect(node).toMatchObject({ hostname: 'node-a', state: 'inactive', provider: 'redfish', hardware: { manufacturer: 'Sushy Emulator', health: 'OK' } });
    expect(node!.capabilities).toEqual(expect.arrayContaining(['power', 'bootOverride']));
    expect(node!.bootOverride?.allowed).toEqual(expect.arrayContaining(['Pxe', 'Hdd', 'Cd', 'UefiHttp']));

    await bmc.power(node!.deviceId, 'power_on');
    // The fake driver applies the change 1–11 s later: followed, not assumed.
    await vi.waitFor(async () => expect((await bmc.getNode(node!.deviceId)).state).toBe('active'), { timeout: 30_000, interval: 500 });
    await bmc.power(node!.deviceId, 'power_off');
    await vi.waitFor(async () => expect((await bmc.getNode(node!.deviceId)).state).toBe('inactive'), { timeout: 30_000, interval: 500 });
    // sushy-tools links no EventService: the fleet polls it at its steady pace.
    await vi.waitFor(() => expect(bmc.eventStream.state).toBe('unsupported'));
    expect(bmc.followsChanges).toBe(false);
    await bmc.close();
  });

  it('sets a one-time PXE boot and reads it back; refuses a target the system does not offer', async () => {
    const { provider: bmc } = provider(open);
    // The answer is what the BMC holds afterwards: sushy-tools stores the target and, like libvirt, keeps every override Continuous.
    expect(await bmc.setBootOverride(SYSTEM_PATH, { target: 'Pxe', mode: 'Once' })).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    expect((await bmc.getNode(SYSTEM_PATH)).bootOverride).toMatchObject({ target: 'Pxe' });
    expect(await bmc.setBootOverride(SYSTEM_PATH, { target: 'Hdd', mode: 'Continuous' })).toMatchObject({ target: 'Hdd', enabled: 'Continuous' });
    const error = await failure(bmc.setBootOverride(SYSTEM_PATH, { target: 'BiosSetup', mode: 'Once' }));
    expect(error.message).toMatch(/cannot boot from BiosSetup; it offers Pxe, Cd, Hdd, UefiHttp/);
  });

  it('refuses a reset type the system does not allow before sending it', async () => {
    const { provider: bmc } = provider(open);
    const error = await failure(bmc.reset(SYSTEM_PATH, 'PushPowerButton'));
    expect(error).toMatchObject({ code: 'invalid', retryable: false });
    expect(error.message).toMatch(/does not allow the reset type PushPowerButton; it allows On, ForceOff/);
  });

  it('with Basic auth: the right password works, a wrong one is named as such, HTML is not Redfish', async () => {
    const good = provider(guarded, { username: 'admin', password: 'hunter2-bmc' }).provider;
    const [node] = await good.listNodes();
    expect(node).toMatchObject({ hostname: 'node-b', state: 'active' });
    const wrong = await failure(provider(guarded, { username: 'admin', password: 'wrong' }).provider.listNodes());
    expect(wrong).toMatchObject({ code: 'auth', retryable: false });
    expect(wrong.message).toMatch(/refused the user name or password/);
    // sushy-tools has no SessionService: a session login says to use Basic instead.
    const session = await failure(provider(guarded, { username: 'admin', password: 'hunter2-bmc', auth: 'session' }).provider.listNodes());
    expect(session.message).toMatch(/no Redfish sessions; choose Basic authentication/);
  });

  it('unreachable and wrong-scheme BMCs give errors a person can act on', async () => {
    const closed = await failure(
      new RedfishClient({ baseUrl: 'http://127.0.0.1:9', username: '', password: '', auth: 'basic', pinnedFingerprint: null }).serviceRoot(),
    );
    expect(closed).toMatchObject({ code: 'unreachable' });
    expect(closed.message).toMatch(/The BMC at 127\.0\.0\.1:9 does not answer; check the address and port/);
  });
});

describe.skipIf(tlsProblem !== null)(
  `Redfish TLS trust on first use against sushy-tools over HTTPS${tlsProblem ? ` — SKIPPED: install ${tlsProblem}` : ''}`,
  () => {
    let bmc: Peer;
    let other: ReturnType<typeof selfSignedCertificate>;
    beforeAll(async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-tls-'));
      other = selfSignedCertificate(mkdtempSync(path.join(dir, 'other-')));
      bmc = await startSushy({ systems: [{ uuid: SYSTEM, name: 'node-tls', power_state: 'Off' }], tls: selfSignedCertificate(dir) });
    }, 60_000);
    afterAll(() => bmc?.stop());

    it('asks about an unknown certificate, works once pinned, and refuses a changed one loudly', async () => {
      const baseUrl = `https://127.0.0.1:${bmc.port}`;
      const unpinned = new RedfishClient({ baseUrl, username: '', password: '', auth: 'basic', pinnedFingerprint: null });
      const fingerprint = await unpinned.peerFingerprint();
      expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const unknown = await failure(unpinned.serviceRoot());
      expect(unknown).toMatchObject({ code: 'host_key_unknown', detail: fingerprint });

      const pinned = new RedfishProvider('bmc', new RedfishClient({ baseUrl, username: '', password: '', auth: 'basic', pinnedFingerprint: fingerprint }));
      expect((await pinned.listNodes())[0]).toMatchObject({ hostname: 'node-tls' });

      // A certificate that is not the pinned one (as after a man in the middle) is refused, naming both.
      const wrongPin = (await import('node:crypto'))
        .createHash('sha256')
        .update(other.cert)
        .digest('hex')
        .toUpperCase()
        .replace(/(..)(?!$)/g, '$1:');
      const changed = await failure(new RedfishClient({ baseUrl, username: 'admin', password: 'x', auth: 'basic', pinnedFingerprint: wrongPin }).serviceRoot());
      expect(changed).toMatchObject({ code: 'host_key_changed', retryable: false });
      expect(changed.message).toContain(wrongPin);
      expect(changed.message).toContain(fingerprint);
      expect(changed.message).toMatch(/CHANGED.*nothing was sent/);
    });
  },
);

describe.skipIf(mockupProblem !== null)(
  `Redfish against DMTF's mockup server (public-rackmount1)${mockupProblem ? ` — SKIPPED: install ${mockupProblem}` : ''}`,
  () => {
    let mockup: Peer;
    beforeAll(async () => {
      mockup = await startMockup();
    }, 60_000);
    afterAll(() => mockup?.stop());

    it('parses the whole vendor-shaped tree into nodes and finds the manager serial console', async () => {
      const { provider: bmc } = provider(mockup);
      const nodes = await bmc.listNodes();
      expect(nodes.length).toBeGreaterThanOrEqual(1);
      const web = nodes.find((n) => n.deviceId === '/redfish/v1/Systems/437XR1138R2')!;
      expect(web).toMatchObject({
        hostname: 'web483',
        state: 'active',
        plan: '3500',
        description: 'Web Front End node',
        hardware: { manufacturer: 'Contoso', model: '3500', biosVersion: 'P79 v1.45 (12/06/2017)', memoryGiB: 96, health: 'OK' },
        bootOverride: { target: 'Pxe', enabled: 'Once' },
      });
      expect(web.hardware!.serialNumber).toBeTruthy();
      expect(web.hardware!.processors).toBeGreaterThan(0);
      expect(web.capabilities).toEqual(expect.arrayContaining(['power', 'bootOverride', 'serialConsole', 'events']));
      expect(web.ips.map((ip) => ip.address)).toContain('192.168.0.10');
      const endpoint = await bmc.consoleEndpoint(web.deviceId);
      expect(endpoint).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
      const events = await bmc.nodeEvents(web.deviceId);
      expect(events.length).toBeGreaterThan(0);
      expect(events[0]).toMatchObject({ message: expect.any(String), createdAt: expect.any(String) });
      // Its EventService (v1.9) offers subscriptions and SMTP but no ServerSentEventUri: polled, as before.
      await vi.waitFor(() => expect(bmc.eventStream.state).toBe('unsupported'));
      expect(bmc.followsChanges).toBe(false);
      expect(await bmc.listChanged()).toBeNull();
      await bmc.close();
    });

    it('logs in with a Redfish session (X-Auth-Token) and deletes it on close', async () => {
      const { client, provider: bmc } = provider(mockup, { username: 'Administrator', password: 'Password', auth: 'session' });
      expect((await bmc.listNodes()).length).toBeGreaterThan(0);
      await bmc.close();
      await client.close();
    });
  },
);
