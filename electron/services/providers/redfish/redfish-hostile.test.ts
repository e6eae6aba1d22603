/**
 * A hostile BMC (docs/architecture.md#what-ironpane-trusts): links in its own answers that name
 * another origin must never carry the credentials there; its answers are capped in bytes, time and
 * JSON depth; a collection that links to itself ends the sync. A second loopback server plays the
 * "elsewhere" and counts what reached it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deepJson, drip, hostilePeer, rssMiB, sendJson, streamHugeJson, type HostilePeer } from '../../../../test/support/hostile-peer';
import { opensslMissing, selfSignedCertificate } from '../../../../test/rig/peers';
import { RedfishClient } from './redfish-client';
import { RedfishProvider } from './redfish-provider';
import { CollectionWire } from './wire';

const peers: HostilePeer[] = [];
afterEach(() => Promise.all(peers.splice(0).map((p) => p.close())));
const track = (p: HostilePeer) => (peers.push(p), p);

const client = (baseUrl: string, options: Partial<ConstructorParameters<typeof RedfishClient>[0]> = {}) =>
  new RedfishClient({ baseUrl, username: 'root', password: 'calvin', auth: 'basic', pinnedFingerprint: null, timeoutMs: 2000, ...options });

/** Requests that reached `elsewhere` carrying the BMC's credentials in a header or a body. */
const leaked = (elsewhere: HostilePeer) => elsewhere.seen.filter((r) => r.headers.authorization || r.headers['x-auth-token'] || r.body.includes('calvin'));

describe('a BMC that links to another origin', () => {
  it('sends no credentials to a Members, Systems or protocol-relative link elsewhere, and names the link', async () => {
    const elsewhere = track(await hostilePeer((_req, res) => sendJson(res, 200, { Members: [] })));
    const other = elsewhere.url;
    const bmc = track(
      await hostilePeer((req, res) => {
        if (req.url === '/redfish/v1/') return sendJson(res, 200, { Systems: { '@odata.id': '/redfish/v1/Systems' } });
        if (req.url === '/redfish/v1/Systems')
          return sendJson(res, 200, {
            Members: [
              { '@odata.id': `${other}/redfish/v1/Systems/1` },
              { '@odata.id': `//127.0.0.1:${elsewhere.port}/redfish/v1/Systems/2` },
              { '@odata.id': `${other}/x` },
            ],
          });
        return sendJson(res, 404, {});
      }),
    );
    const provider = new RedfishProvider('bmc', client(bmc.url));
    await expect(provider.listNodes()).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/pointed a link .* at http:\/\/127\.0\.0\.1:\d+ .*Ironpane sends nothing there/),
    });
    // A Systems link elsewhere, in the service root itself.
    const root = track(await hostilePeer((req, res) => sendJson(res, 200, { Systems: { '@odata.id': `${other}/redfish/v1/Systems` } })));
    await expect(new RedfishProvider('bmc', client(root.url)).verify()).rejects.toMatchObject({
      message: expect.stringContaining(`${other}/redfish/v1/Systems`),
    });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('sends no reset to a target elsewhere and no password to a Sessions link elsewhere', async () => {
    const elsewhere = track(await hostilePeer((_req, res) => sendJson(res, 201, {}, { 'X-Auth-Token': 'stolen' })));
    const system = {
      '@odata.id': '/redfish/v1/Systems/1',
      Id: '1',
      Name: 'blade-1',
      PowerState: 'Off',
      Actions: { '#ComputerSystem.Reset': { target: `${elsewhere.url}/redfish/v1/Systems/1/Actions/ComputerSystem.Reset` } },
    };
    const bmc = track(
      await hostilePeer((req, res) => {
        if (req.url === '/redfish/v1/')
          return sendJson(res, 200, {
            SessionService: { '@odata.id': '/x' },
            Links: { Sessions: { '@odata.id': `${elsewhere.url}/redfish/v1/SessionService/Sessions` } },
            Systems: { '@odata.id': '/redfish/v1/Systems' },
          });
        if (req.url === '/redfish/v1/Systems/1') return sendJson(res, 200, system);
        return sendJson(res, 404, {});
      }),
    );
    await expect(new RedfishProvider('bmc', client(bmc.url)).power('/redfish/v1/Systems/1', 'power_on')).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/another address than the one you added/),
    });
    await expect(client(bmc.url, { auth: 'session' }).get('/redfish/v1/Systems', CollectionWire, 'systems')).rejects.toMatchObject({
      message: expect.stringMatching(/Sessions link/),
    });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('refuses a task monitor or session location elsewhere', async () => {
    const elsewhere = track(await hostilePeer((_req, res) => sendJson(res, 200, {})));
    const bmc = track(await hostilePeer((_req, res) => sendJson(res, 202, {}, { Location: `${elsewhere.url}/redfish/v1/TaskService/Tasks/1` })));
    await expect(client(bmc.url).send('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'On' })).rejects.toMatchObject({
      code: 'invalid',
    });
    expect(leaked(elsewhere)).toHaveLength(0);
  });

  describe.skipIf(opensslMissing())('a pinned https BMC', () => {
    let dir: string;
    let tls: { cert: Buffer; key: Buffer };
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-bmc-'));
      const made = selfSignedCertificate(dir);
      tls = { cert: readFileSync(made.cert), key: readFileSync(made.key) };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('never downgrades to a plain-http link elsewhere (the credentials stay off the wire)', async () => {
      const elsewhere = track(await hostilePeer((_req, res) => sendJson(res, 200, { Members: [] })));
      const bmc = track(
        await hostilePeer((req, res) => {
          if (req.url === '/redfish/v1/') return sendJson(res, 200, { Systems: { '@odata.id': `${elsewhere.url}/redfish/v1/Systems` } });
          return sendJson(res, 200, { Members: [{ '@odata.id': `${elsewhere.url}/redfish/v1/Systems/1` }] });
        }, tls),
      );
      const probe = client(bmc.url);
      const fingerprint = await probe.peerFingerprint();
      const pinned = client(bmc.url, { pinnedFingerprint: fingerprint });
      await expect(new RedfishProvider('bmc', pinned).listNodes()).rejects.toMatchObject({ code: 'invalid' });
      await expect(pinned.get('/redfish/v1/Systems', CollectionWire, 'systems')).resolves.toBeTruthy();
      await expect(pinned.get(`${elsewhere.url}/redfish/v1/Systems`, CollectionWire, 'systems')).rejects.toMatchObject({ code: 'invalid' });
      expect(elsewhere.seen).toHaveLength(0);
      // The pin still holds: a different certificate is refused before a byte is written.
      await expect(client(bmc.url, { pinnedFingerprint: 'AA:BB' }).serviceRoot()).rejects.toMatchObject({ code: 'host_key_changed' });
      expect(bmc.seen.every((r) => r.url.startsWith('/redfish/'))).toBe(true);
    });
  });

  it('refuses a plain-http BMC that is not on this machine before sending anything', () => {
    expect(() => client('http://192.0.2.10')).toThrow(/Use https:\/\/ for the BMC at 192\.0\.2\.10/);
  });
});

describe('a BMC whose answers are too big, too slow or too deep', () => {
  it('stops reading a 1 GB answer at the cap (RSS grows < 100 MiB) and names the call', async () => {
    const bmc = track(await hostilePeer((_req, res) => streamHugeJson(res, 1024 * 1024 * 1024)));
    const before = rssMiB();
    const started = Date.now();
    await expect(client(bmc.url).serviceRoot()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/The BMC at 127\.0\.0\.1:\d+ sent more than 8 MiB in answer to GET \/redfish\/v1\/; Ironpane stopped reading it/),
    });
    const grew = rssMiB() - before;
    console.info(`[hostile BMC] 1 GB answer: refused in ${Date.now() - started} ms, RSS +${grew} MiB`);
    expect(grew).toBeLessThan(100);
  });

  it('gives up on a BMC that drips a byte every 5 s, after its idle timeout', async () => {
    const bmc = track(await hostilePeer((_req, res) => drip(res, 5000)));
    const slow = client(bmc.url, { timeoutMs: 1000 });
    const started = Date.now();
    await expect(slow.serviceRoot()).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/The BMC at 127\.0\.0\.1:\d+ went quiet for 1 s while answering GET \/redfish\/v1\//),
    });
    console.info(`[hostile BMC] drip every 5 s: gave up after ${Date.now() - started} ms`);
  });

  it('refuses JSON nested 3 million levels deep without parsing it', async () => {
    const body = deepJson(3_000_000);
    const bmc = track(
      await hostilePeer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(body);
      }),
    );
    const started = Date.now();
    await expect(client(bmc.url).serviceRoot()).rejects.toMatchObject({ message: expect.stringMatching(/nests JSON deeper than 64 levels/) });
    console.info(`[hostile BMC] 3 M-deep JSON (${Math.round(body.length / 1024 / 1024)} MiB): refused in ${Date.now() - started} ms`);
  });

  it('ends a sync whose collection links to itself, naming the loop', async () => {
    const bmc = track(
      await hostilePeer((req, res) => {
        if (req.url === '/redfish/v1/') return sendJson(res, 200, { Systems: { '@odata.id': '/redfish/v1/Systems' } });
        return sendJson(res, 200, { Members: [], 'Members@odata.nextLink': '/redfish/v1/Systems' });
      }),
    );
    await expect(new RedfishProvider('bmc', client(bmc.url)).listNodes()).rejects.toMatchObject({
      message: expect.stringMatching(/lists the collection \/redfish\/v1\/Systems in a loop/),
    });
    expect(bmc.seen.length).toBeLessThanOrEqual(3);
  });
});
