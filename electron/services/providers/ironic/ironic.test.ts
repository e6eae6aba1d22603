/**
 * The Ironic client and provider against answers recorded from the real Ironic 21.4 (recorded/),
 * replayed by a loopback server, and against Ironic-shaped servers that misbehave: not Ironic, too
 * old, asking for credentials, locking a node, linking pages elsewhere or in a loop, answering huge.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostilePeer, type HostilePeer, type PeerHandler } from '../../../../test/support/hostile-peer';
import { IronicClient } from './ironic-client';
import { IronicProvider } from './ironic-provider';

const RECORDED = path.join(__dirname, 'recorded');
const recorded = (file: string, origin: string) => readFileSync(path.join(RECORDED, file), 'utf8').replaceAll('http://127.0.0.1:16385', origin);

function memoryNotes() {
  const map = new Map<string, string>();
  return { get: (k: string) => map.get(k), put: (k: string, v: string | null) => void (v === null ? map.delete(k) : map.set(k, v)) };
}

const peers: HostilePeer[] = [];
afterEach(async () => {
  while (peers.length) await peers.pop()!.close();
});

/** The recorded Ironic, with `override` answering first where it wants to misbehave. */
async function recordedIronic(override?: PeerHandler): Promise<HostilePeer> {
  let origin = '';
  const send = (res: import('node:http').ServerResponse, status: number, file: string | null) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(file ? recorded(file, origin) : '');
  };
  const peer = await hostilePeer((req, res, body) => {
    if (override && !res.headersSent) override(req, res, body);
    if (res.headersSent || res.writableEnded) return;
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/') return send(res, 200, 'root.json');
    if (req.headers['x-openstack-ironic-api-version'] === '1.99') return send(res, 406, 'error-406.json');
    if (url.pathname === '/v1/nodes' && url.searchParams.has('marker')) return send(res, 200, 'list-page2.json');
    if (url.pathname === '/v1/nodes') return send(res, 200, 'list-page1.json');
    if (url.pathname === '/v1/nodes/detail') return send(res, 200, 'detail-top.json');
    if (url.pathname === '/v1/ports') return send(res, 200, 'ports.json');
    if (url.pathname === '/v1/nodes/nope') return send(res, 404, 'error-404.json');
    if (url.pathname.endsWith('/states/console')) return send(res, 200, 'console-enabled.json');
    if (url.pathname.endsWith('/management/boot_device') && req.method === 'GET') return send(res, 200, 'boot-device.json');
    if (url.pathname.endsWith('/states/provision') && body.includes('unrescue')) return send(res, 400, 'error-400-state.json');
    if (req.method === 'PUT' || req.method === 'PATCH' || req.method === 'DELETE') return send(res, 202, null);
    if (url.pathname.startsWith('/v1/nodes/')) return send(res, 200, 'node-fake-active.json');
    send(res, 404, 'error-404.json');
  });
  origin = peer.url;
  peers.push(peer);
  return peer;
}

function providerOn(url: string, auth: ConstructorParameters<typeof IronicClient>[0]['auth'] = { kind: 'none' }) {
  const client = new IronicClient({ baseUrl: url, auth, pinnedFingerprint: null, timeoutMs: 2_000 });
  return new IronicProvider('ironic-1', client, {
    placement: { source: 'extra' },
    images: [],
    osFamily: 'ubuntu',
    rescuePassword: '',
    notes: memoryNotes(),
    lockRetryMs: 10,
  });
}

describe('Ironic client and provider, on recorded answers', () => {
  it('negotiates the microversion from GET / and sends it on every call', async () => {
    const peer = await recordedIronic();
    const provider = providerOn(peer.url);
    expect((await provider.verify()).projectName).toBe('OpenStack Ironic · API 1.82');
    expect(peer.seen[0]).toMatchObject({ method: 'GET', url: '/' });
    expect(peer.seen.slice(1).every((r) => r.headers['x-openstack-ironic-api-version'] === '1.82')).toBe(true);
    await provider.close();
  });

  it('lists every page with fields=, follows next, and keeps no BMC password', async () => {
    const peer = await recordedIronic();
    const provider = providerOn(peer.url);
    const pages: number[] = [];
    const nodes = await provider.listNodes((page) => pages.push(page.length));
    expect(pages).toEqual([2, 1]);
    expect(nodes.map((n) => `${n.hostname} ${n.state} ${n.provisioning?.state}`)).toEqual([
      'fake-1 active active',
      expect.stringMatching(/^fake-2 /),
      'ipmi-1 active manageable',
    ]);
    const list = peer.seen.find((r) => r.url.startsWith('/v1/nodes?'))!;
    expect(new URL(list.url, peer.url).searchParams.get('fields')).toContain('provision_state');
    // The recording's ipmi-1 carries `ipmi_password: "password"` (the peer showed passwords): dropped at the parse.
    expect(recorded('list-page2.json', peer.url)).toContain('"ipmi_password": "password"');
    expect(JSON.stringify(nodes)).not.toMatch(/ipmi_password|"password"/);
    expect(nodes[2]!.facts).toContainEqual({ label: 'BMC address', value: '127.0.0.1' });
    expect(nodes[2]!.capabilities).toContain('serialConsole');
    await provider.close();
  });

  it('a fleet never changed since enrolment (no updated_at anywhere) still gets deltas', async () => {
    let changed = false;
    const peer = await recordedIronic((req, res) => {
      if (req.url?.startsWith('/v1/nodes/detail')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const node = JSON.parse(recorded('detail-top.json', 'http://x')).nodes[0];
        res.end(JSON.stringify({ nodes: [{ ...node, updated_at: changed ? '2026-12-07T07:00:00.000000+00:00' : null }] }));
      }
    });
    const provider = providerOn(peer.url);
    await provider.listNodes();
    expect(await provider.listChanged()).toEqual([]);
    changed = true;
    expect((await provider.listChanged())?.map((n) => n.hostname)).toEqual(['ipmi-1']);
    await provider.close();
  });

  it('refuses an action the state does not allow with Ironic’s own reason, not retried', async () => {
    const peer = await recordedIronic();
    const client = new IronicClient({ baseUrl: peer.url, auth: { kind: 'none' }, pinnedFingerprint: null });
    const error = await client.send('PUT', '/v1/nodes/fake-1/states/provision', { target: 'unrescue' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid', retryable: false });
    expect(String(error)).toMatch(/can not be performed on node .* while it is in state "active"/);
    const missing = await client.get('/v1/nodes/nope', Object as never, 'node').catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'not_found' });
    expect(String(missing)).toContain('Node nope could not be found');
    await client.close();
  });

  it('waits for a node another action holds (409 locked) and sends again once it is free', async () => {
    let locked = 3;
    const peer = await recordedIronic((req, res) => {
      if (req.url?.endsWith('/states/power') && locked-- > 0) {
        res.writeHead(409, { 'Content-Type': 'application/json' });
        res.end(readFileSync(path.join(RECORDED, 'error-409-locked.json')));
      }
    });
    const provider = providerOn(peer.url);
    await provider.power('fake-1', 'power_off');
    const puts = peer.seen.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(4);
    expect(JSON.parse(puts[3]!.body)).toEqual({ target: 'power off' });
    await provider.close();
  });

  it('reads the console address from console_info.url, and refuses one that is not tcp://host:port', async () => {
    const peer = await recordedIronic();
    const provider = providerOn(peer.url);
    expect(await provider.enableConsole('ipmi-1')).toEqual({ host: '127.0.0.1', port: 20001 });
    await provider.close();
    const odd = await recordedIronic((req, res) => {
      if (req.url?.endsWith('/states/console') && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ console_enabled: true, console_info: { type: 'shellinabox', url: 'http://127.0.0.1:8023' } }));
      }
    });
    const other = providerOn(odd.url);
    await expect(other.enableConsole('ipmi-1')).rejects.toThrow(/not a tcp:\/\/host:port Ironpane can open/);
    await other.close();
  });
});

describe('Ironic that misbehaves', () => {
  it('an endpoint that is not Ironic is named as such', async () => {
    const peer = await hostilePeer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ '@odata.id': '/redfish/v1/', RedfishVersion: '1.6.0' }));
    });
    peers.push(peer);
    await expect(providerOn(peer.url).verify()).rejects.toThrow(/is not an Ironic API: its root document names no API version range/);
  });

  it('a web page is not Ironic either', async () => {
    const peer = await hostilePeer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>login</body></html>');
    });
    peers.push(peer);
    await expect(providerOn(peer.url).verify()).rejects.toThrow(/is not an Ironic API/);
  });

  it('an Ironic too old for a JSON configdrive is refused, naming the version it needs', async () => {
    const peer = await hostilePeer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ name: 'OpenStack Ironic API', default_version: { id: 'v1', min_version: '1.1', version: '1.46' } }));
    });
    peers.push(peer);
    await expect(providerOn(peer.url).verify()).rejects.toThrow(/speaks API versions 1\.1 to 1\.46; Ironpane needs 1\.56 or later/);
  });

  it('an Ironic that asks for credentials says which setting to change; wrong ones are refused as such', async () => {
    const peer = await hostilePeer((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error_message: JSON.stringify({ faultstring: 'Authentication required' }) }));
    });
    peers.push(peer);
    await expect(providerOn(peer.url).verify()).rejects.toThrow(/choose HTTP basic or a Keystone token under Authentication/);
    await expect(providerOn(peer.url, { kind: 'basic', username: 'ops', password: 'wrong' }).verify()).rejects.toThrow(/It refused the credentials/);
    expect(peer.seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('ops:wrong').toString('base64')}`);
  });

  it('sends a Keystone token only to the origin added, never to a next link elsewhere', async () => {
    const elsewhere = await hostilePeer((_req, res) => res.end('{}'));
    peers.push(elsewhere);
    const peer = await recordedIronic((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v1/nodes' && !url.searchParams.has('marker')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ nodes: [{ uuid: 'a', name: 'a' }], next: `${elsewhere.url}/v1/nodes?marker=a` }));
      }
    });
    const provider = providerOn(peer.url, { kind: 'token', token: 'tok-1' });
    await expect(provider.listNodes()).rejects.toThrow(/another address than the one you added/);
    expect(elsewhere.seen).toEqual([]);
    expect(peer.seen.filter((r) => r.url !== '/').every((r) => r.headers['x-auth-token'] === 'tok-1')).toBe(true);
    await provider.close();
  });

  it('a next link that loops is stopped and named', async () => {
    const peer = await recordedIronic((req, res) => {
      if (req.url?.startsWith('/v1/nodes?')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ nodes: [{ uuid: 'a' }], next: '/v1/nodes?fields=uuid&marker=a' }));
      }
    });
    const provider = providerOn(peer.url);
    await expect(provider.listNodes()).rejects.toThrow(/lists \/v1\/nodes in a loop or without end/);
    expect(peer.seen.filter((r) => r.url.startsWith('/v1/nodes?')).length).toBeLessThanOrEqual(3);
    await provider.close();
  });

  it('an answer over the size cap is cut and named, and main stays up', async () => {
    const peer = await recordedIronic((req, res) => {
      if (req.url?.startsWith('/v1/nodes?')) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(64 * 1024 * 1024) });
        res.write('{"nodes": [');
        // Never finishes: the cap (Content-Length first) refuses it without reading 64 MiB.
      }
    });
    const provider = providerOn(peer.url);
    await expect(provider.listNodes()).rejects.toThrow(/Ironic at 127\.0\.0\.1:\d+/);
    await provider.close();
  });

  it('plain http carries no password or token off this machine', () => {
    expect(() => new IronicClient({ baseUrl: 'http://ironic.example:6385', auth: { kind: 'token', token: 't' }, pinnedFingerprint: null })).toThrow(
      /Use https:\/\/ for Ironic at ironic\.example:6385/,
    );
    expect(() => new IronicClient({ baseUrl: 'http://ironic.example:6385', auth: { kind: 'none' }, pinnedFingerprint: null })).not.toThrow();
  });
});
