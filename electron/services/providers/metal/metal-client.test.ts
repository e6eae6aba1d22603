/** The Metal client against the real lab over real HTTP: paging, retries, and the errors people see. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { startLab, type RunningLab } from '../../../lab/lab';
import { LAB_OPERATING_SYSTEMS } from '../../../lab/catalog';
import { MetalClient, retryAfterMs } from './metal-client';
import { MetalProvider } from './metal-provider';
import { failure } from '../../../../test/fakes/failure';

let lab: RunningLab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

const sleeps: number[] = [];
const recordSleep = async (ms: number) => {
  sleeps.push(ms);
};

function client(overrides: Partial<ConstructorParameters<typeof MetalClient>[0]> = {}) {
  return new MetalClient({ baseUrl: lab!.baseUrl, token: lab!.token, sleep: recordSleep, baseBackoffMs: 1, ...overrides });
}

describe('MetalClient', () => {
  it('follows pages to the last one and sends include/exclude as one comma-separated value', async () => {
    const seen: string[] = [];
    lab = await startLab({ nodeCount: 1234, onExchange: (e) => e.path.endsWith('/devices') && seen.push(JSON.stringify(e.query)) });
    const devices = await client().listDevices(lab.projectId, { include: ['metro', 'plan'], per_page: 500 });
    expect(devices).toHaveLength(1234);
    expect(new Set(devices.map((d) => d.id)).size).toBe(1234);
    expect(seen).toHaveLength(3);
    expect(JSON.parse(seen[0]!)).toMatchObject({ include: 'metro,plan', per_page: '500', page: '1' });
  });

  it('sends X-Auth-Token and turns a rejected token into an auth error a person can act on', async () => {
    lab = await startLab({ nodeCount: 2 });
    const error = await failure(client({ token: 'wrong' }).getProject(lab.projectId));
    expect(error.code).toBe('auth');
    expect(error.message).toMatch(/rejected the API token/);
    expect(error.retryable).toBe(false);
  });

  it('says which project was not found', async () => {
    lab = await startLab({ nodeCount: 2 });
    const error = await failure(client().getProject('no-such-project'));
    expect(error.code).toBe('not_found');
    expect(error.message).toMatch(/Project no-such-project was not found/);
  });

  it('retries 429 honouring Retry-After, and 5xx on reads, then succeeds', async () => {
    lab = await startLab({ nodeCount: 2 });
    sleeps.length = 0;
    lab.api.injectFailures(429, 2, 3);
    await client().getProject(lab.projectId);
    expect(sleeps).toEqual([3000, 3000]);
    sleeps.length = 0;
    lab.api.injectFailures(503, 2);
    await client().getProject(lab.projectId);
    expect(sleeps).toHaveLength(2);
  });

  it('holds every request of the account back after a 429 until its Retry-After, not just the one that got it', async () => {
    const seen: { at: number; status: number }[] = [];
    lab = await startLab({ nodeCount: 2, rateLimit: { limit: 4, windowMs: 1_000 }, onExchange: (e) => seen.push({ at: Date.now(), status: e.status }) });
    const real = client({ sleep: undefined });
    const firstWave = Array.from({ length: 8 }, () => real.getProject(lab!.projectId));
    // Requests started after the 429 came back (another step of a bulk operation) must wait for the window too.
    await new Promise((r) => setTimeout(r, 150));
    const secondWave = Array.from({ length: 2 }, () => real.getProject(lab!.projectId));
    await Promise.all([...firstWave, ...secondWave]);
    const first429 = seen.find((e) => e.status === 429)!;
    expect(first429).toBeDefined();
    // Requests already on the wire when the 429 came back may land; nothing new is sent until the window has passed.
    const during = seen.filter((e) => e.at > first429.at + 50 && e.at < first429.at + 900);
    expect(during).toEqual([]);
    expect(seen.filter((e) => e.status === 200)).toHaveLength(10);
  });

  it('paces itself to the account’s limit: a burst of 30 runs at the limit with no 429 at all', { timeout: 20_000 }, async () => {
    const seen: { at: number; status: number }[] = [];
    const rateLimit = { limit: 10, windowMs: 1_000 };
    lab = await startLab({ nodeCount: 2, rateLimit, onExchange: (e) => seen.push({ at: Date.now(), status: e.status }) });
    const paced = client({ sleep: undefined, rateLimit });
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, () => paced.getProject(lab!.projectId)));
    expect(seen.filter((e) => e.status === 429)).toEqual([]);
    expect(seen).toHaveLength(30);
    // Never more than the limit in any window: the 11th waits a full window after the 1st, and so on.
    const at = seen.map((e) => e.at).sort((a, b) => a - b);
    for (let i = rateLimit.limit; i < at.length; i++) expect(at[i]! - at[i - rateLimit.limit]!).toBeGreaterThanOrEqual(rateLimit.windowMs);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * rateLimit.windowMs);
  });

  it('gives up after its retries with a rate-limit error', async () => {
    lab = await startLab({ nodeCount: 2 });
    lab.api.injectFailures(429, 10, 1);
    const error = await failure(client({ maxRetries: 2 }).getProject(lab.projectId));
    expect(error.code).toBe('rate_limited');
    expect(error.retryable).toBe(true);
  });

  it('does not repeat a POST after a server error (it may have been applied)', async () => {
    lab = await startLab({ nodeCount: 2 });
    let posts = 0;
    lab.api.injectFailures(500, 1);
    const counting = client({ onRequest: ({ method }) => void (method === 'POST' && posts++) });
    const error = await failure(counting.deviceAction(lab.fleet.order[0]!, { type: 'power_off' }));
    expect(error.code).toBe('unavailable');
    expect(posts).toBe(1);
  });

  it('reports 422 with the server reasons', async () => {
    lab = await startLab({ nodeCount: 2 });
    const error = await failure(client().deviceAction(lab.fleet.order[0]!, { type: 'power_on' }));
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(/cannot power on/);
  });

  it('reports an unreachable endpoint and a timeout', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const unreachable = await failure(
      new MetalClient({ baseUrl: `http://127.0.0.1:${port}/metal/v1`, token: 't', sleep: recordSleep, maxRetries: 1 }).getProject('p'),
    );
    expect(unreachable.code).toBe('unreachable');
    expect(unreachable.message).toMatch(/^127\.0\.0\.1:\d+ does not answer; check the address and port\./);

    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const silentPort = (silent.address() as AddressInfo).port;
    const timeout = await failure(
      new MetalClient({ baseUrl: `http://127.0.0.1:${silentPort}/metal/v1`, token: 't', timeoutMs: 100, maxRetries: 0 }).getProject('p'),
    );
    expect(timeout.code).toBe('timeout');
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('rejects an endpoint that does not speak the Metal API', async () => {
    const html = createServer((_req, res) => res.end('<html>login</html>'));
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', () => r()));
    const port = (html.address() as AddressInfo).port;
    const error = await failure(new MetalClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' }).getProject('p'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/not JSON/);
    html.closeAllConnections();
    await new Promise<void>((r) => html.close(() => r()));
  });

  it('names the device that does not fit in a long list, with its place and field', async () => {
    lab = await startLab({ nodeCount: 2 });
    const good = await client().getDevice((await client().listDevices(lab.projectId))[0]!.id);
    // 250 devices, the 203rd without a hostname of the right kind: past the first slice checked.
    const devices = Array.from({ length: 250 }, (_, i) => ({ ...good, id: `d-${i}`, hostname: i === 202 ? 42 : `h-${i}` }));
    const api = await listen((_req, res) => res.end(JSON.stringify({ devices, meta: { total: 250, current_page: 1, last_page: 1 } })));
    const error = await failure(new MetalClient({ baseUrl: `http://127.0.0.1:${api.port}`, token: 't' }).listDevices('p'));
    await api.close();
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/shape Ironpane does not recognise/);
    expect(error.detail).toMatch(/^devices\.202\.hostname: /);
  });

  it('follows a redirect on its own origin, and never sends the token to another origin', async () => {
    const elsewhere: Array<{ url?: string; token?: string | string[] }> = [];
    const other = await listen((req, res) => {
      elsewhere.push({ url: req.url, token: req.headers['x-auth-token'] });
      res.end(JSON.stringify({ id: 'p', name: 'stolen' }));
    });
    const posts: string[] = [];
    const api = await listen((req, res) => {
      const token = req.headers['x-auth-token'];
      if (req.url === '/old/projects/p') return redirect(res, 301, '/v1/projects/p');
      if (req.url === '/v1/projects/p' && token === 'secret') return void res.end(JSON.stringify({ id: 'p', name: 'Lab' }));
      if (req.url === '/cross/projects/p') return redirect(res, 302, `http://127.0.0.1:${other.port}/v1/projects/p`);
      if (req.url === '/loop/projects/p') return redirect(res, 302, '/loop/projects/p');
      if (req.url === '/moved/devices/d/actions') return redirect(res, 307, '/v1/devices/d/actions');
      if (req.url === '/v1/devices/d/actions' && req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          posts.push(body);
          res.writeHead(202).end();
        });
        return;
      }
      res.writeHead(404).end();
    });
    const at = (prefix: string) => new MetalClient({ baseUrl: `http://127.0.0.1:${api.port}${prefix}`, token: 'secret', sleep: recordSleep, maxRetries: 0 });

    expect(await at('/old').getProject('p')).toMatchObject({ name: 'Lab' });
    const cross = await failure(at('/cross').getProject('p'));
    expect(cross).toMatchObject({ code: 'invalid', retryable: false });
    expect(cross.message).toMatch(new RegExp(`pointed a redirect .* at http://127\\.0\\.0\\.1:${other.port} .*Ironpane sends nothing there`));
    expect(elsewhere).toEqual([]);
    expect((await failure(at('/loop').getProject('p'))).message).toMatch(/redirected GET \/loop.* more than 5 times/);
    await at('/moved').deviceAction('d', { type: 'reboot' });
    expect(posts).toEqual([JSON.stringify({ type: 'reboot' })]);
    await other.close();
    await api.close();
  });

  it('refuses a plain-http base URL anywhere but loopback, before sending anything', () => {
    expect(() => new MetalClient({ baseUrl: 'http://api.example.com/metal/v1', token: 't' })).toThrow(/Use https:\/\/ for api\.example\.com.*clear text/);
    expect(() => new MetalClient({ baseUrl: 'http://10.0.0.5/metal/v1', token: 't' })).toThrow(AppError);
    expect(() => new MetalClient({ baseUrl: 'https://user:pw@api.example.com', token: 't' })).toThrow(/Leave the user name and password out/);
    for (const ok of ['https://api.example.com/metal/v1', 'http://127.0.0.1:8080/v1', 'http://localhost:1/v1', 'http://[::1]:2/v1']) {
      expect(() => new MetalClient({ baseUrl: ok, token: 't' })).not.toThrow();
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('100000', 60_000)).toBe(60_000);
  });
});

describe('MetalProvider normalisation (through the lab)', () => {
  it('produces domain nodes with OS family, channel, L2-only flag, VLANs and actions', async () => {
    lab = await startLab({ nodeCount: 60 });
    const provider = new MetalProvider('lab', lab.projectId, client());
    const nodes = await provider.listNodes();
    expect(nodes).toHaveLength(60);
    const l2 = nodes.filter((n) => n.layer2Only);
    expect(l2.length).toBeGreaterThan(0);
    for (const node of l2) {
      expect(node.ips).toEqual([]);
      expect(node.vlans.length).toBeGreaterThan(0);
    }
    const flatcar = nodes.find((n) => n.os.slug === 'flatcar_beta')!;
    expect(flatcar.os).toMatchObject({ family: 'flatcar', channel: 'beta' });
    const active = nodes.find((n) => n.state === 'active')!;
    expect(active.actions).toEqual(expect.arrayContaining(['power_off', 'reboot']));
    expect(active.id).toBe(`lab:${active.deviceId}`);
    expect(active.metro?.code).toMatch(/^(sv|da|am)$/);
  });
});

describe('MetalProvider steady-state polls', () => {
  it('lists light, keeps unchanged nodes as they were, merges what moved without an update time and fetches what moved with one', async () => {
    const queries: Record<string, string>[] = [];
    lab = await startLab({ nodeCount: 40, onExchange: (e) => e.path.endsWith('/devices') && queries.push(e.query as Record<string, string>) });
    const provider = new MetalProvider('lab', lab.projectId, client());
    const first = await provider.listNodes();
    expect(provider.lastListKind).toEqual({ kind: 'full', followedUp: 0 });
    expect(queries.at(-1)!.include).toContain('network_ports');

    const second = await provider.listNodes();
    expect(provider.lastListKind).toEqual({ kind: 'light', followedUp: 0 });
    expect(queries.at(-1)!.include).toBeUndefined();
    expect(queries.at(-1)!.exclude).toContain('ip_addresses');
    // Unchanged devices come back as the very same objects, so the fleet's diff skips them.
    const byId = new Map(first.map((n) => [n.id, n]));
    expect(second.every((n) => byId.get(n.id) === n)).toBe(true);

    // The node agent reports a new OS state: the device's update time stays (as on Metal).
    const flatcar = first.find((n) => n.osState?.scheme === 'usr-ab' && n.state === 'active')!;
    const machine = lab.fleet.machines.get(flatcar.deviceId)!;
    machine.osReport = { ...machine.osReport!, bootedVersion: '9999.0.0' };
    lab.fleet.touch(machine);
    // A power-off moves the update time: that device is fetched whole.
    const other = first.find((n) => n.state === 'active' && n.id !== flatcar.id)!;
    lab.fleet.action(other.deviceId, { type: 'power_off' });
    const third = await provider.listNodes();
    expect(provider.lastListKind).toEqual({ kind: 'light', followedUp: 1 });
    const merged = third.find((n) => n.id === flatcar.id)!;
    expect(merged.osState?.bootedVersion).toBe('9999.0.0');
    // The merged node keeps what the light list left out.
    expect(merged).toMatchObject({ metro: flatcar.metro, plan: flatcar.plan, ips: flatcar.ips, vlans: flatcar.vlans, os: flatcar.os });
    expect(third.find((n) => n.id === other.id)!.state).toBe('powering_off');
    expect(third).toHaveLength(40);
  });

  it('fetches whole a device whose state moved within the same second, so a finished reinstall shows its new OS', async () => {
    lab = await startLab({ nodeCount: 12 });
    const provider = new MetalProvider('lab', lab.projectId, client());
    const first = await provider.listNodes();
    const target = first.find((n) => n.state === 'active')!;
    const machine = lab.fleet.machines.get(target.deviceId)!;
    const otherOs = LAB_OPERATING_SYSTEMS.find((os) => os.slug !== machine.os.slug)!;
    lab.fleet.action(target.deviceId, { type: 'reinstall', operating_system: otherOs.slug });
    expect((await provider.listNodes()).find((n) => n.id === target.id)).toMatchObject({ state: 'reinstalling', os: { slug: target.os.slug } });
    // The install ends as the lab's own completion does, in the second of its last progress step:
    // `updated_at` (whole seconds) reads the same, only the state and the nested OS moved.
    const updatedAt = machine.updatedAt;
    machine.os = otherOs;
    machine.osVersion = otherOs.version;
    machine.state = 'active';
    machine.updatedAt = updatedAt;
    lab.fleet.touch(machine);
    const after = await provider.listNodes();
    expect(provider.lastListKind).toEqual({ kind: 'light', followedUp: 1 });
    expect(after.find((n) => n.id === target.id)).toMatchObject({ state: 'active', os: { slug: otherOs.slug, version: otherOs.version } });
  });

  it('fails the poll, rather than leaving the node out, when a moved device cannot be fetched', async () => {
    lab = await startLab({ nodeCount: 12 });
    const provider = new MetalProvider('lab', lab.projectId, client({ maxRetries: 0 }));
    const first = await provider.listNodes();
    const active = first.find((n) => n.state === 'active')!;
    lab.fleet.action(active.deviceId, { type: 'power_off' });
    lab.api.injectFailures(503, 1000, undefined, /\/devices\/[^/]+$/);
    const error = await failure(provider.listNodes());
    expect(error).toMatchObject({ code: 'unavailable' });
    // Once the device can be read again, the poll has it.
    lab.api.injectFailures(503, 0);
    expect((await provider.listNodes()).find((n) => n.id === active.id)!.state).toBe('powering_off');
  });
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function redirect(res: import('node:http').ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location }).end();
}
