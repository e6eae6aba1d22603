/**
 * The Redfish client's bad-input paths against a loopback HTTP server that misbehaves as BMCs do:
 * a web page instead of JSON, a session that expires, a tree whose links lead nowhere. (Good paths
 * are proven against sushy-tools and DMTF's mockup in test/rig/redfish-peers.rig.ts.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RedfishClient } from './redfish-client';
import { RedfishProvider } from './redfish-provider';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
const servers: http.Server[] = [];
afterEach(() => Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)))));

async function bmc(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
};
const client = (baseUrl: string, auth: 'basic' | 'session' = 'basic') =>
  new RedfishClient({ baseUrl, username: 'root', password: 'calvin', auth, pinnedFingerprint: null, timeoutMs: 3000 });

describe('Redfish client against a misbehaving BMC', () => {
  it('says a web page is not Redfish, naming the address', async () => {
    const url = await bmc((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Login</body></html>');
    });
    await expect(client(url).serviceRoot()).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/answered GET \/redfish\/v1\/ with a web page, not Redfish JSON/),
    });
  });

  it('logs in again once when a session expires, and deletes its session on close', async () => {
    let issued = 0;
    const seen: string[] = [];
    const url = await bmc((req, res, body) => {
      seen.push(`${req.method} ${req.url} ${String(req.headers['x-auth-token'] ?? '')}`);
      if (req.url === '/redfish/v1/')
        return json(res, 200, {
          RedfishVersion: '1.17.0',
          SessionService: { '@odata.id': '/redfish/v1/SessionService' },
          Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
        });
      if (req.method === 'POST' && req.url === '/redfish/v1/SessionService/Sessions') {
        expect(JSON.parse(body)).toEqual({ UserName: 'root', Password: 'calvin' });
        issued++;
        return json(res, 201, {}, { 'X-Auth-Token': `token-${issued}`, Location: `/redfish/v1/SessionService/Sessions/${issued}` });
      }
      if (req.method === 'DELETE') return json(res, 204, {});
      // Only the newest token is valid: the first one "expires" after one use.
      if (req.headers['x-auth-token'] !== `token-${issued}` || (issued === 1 && seen.filter((s) => s.includes('token-1')).length > 1))
        return json(res, 401, { error: { code: 'Base.1.0.NoValidSession', message: 'expired' } });
      return json(res, 200, { Members: [] });
    });
    const c = client(url, 'session');
    await c.get('/redfish/v1/Systems', (await import('./wire')).CollectionWire, 'systems');
    await c.get('/redfish/v1/Systems', (await import('./wire')).CollectionWire, 'systems');
    expect(issued).toBe(2);
    await c.close();
    expect(seen.at(-1)).toBe('DELETE /redfish/v1/SessionService/Sessions/2 token-2');
  });

  it('keeps a node whose manager link leads nowhere, without a console', async () => {
    const system = {
      '@odata.id': '/redfish/v1/Systems/1',
      Id: '1',
      Name: 'blade-1',
      PowerState: 'Off',
      Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/gone' }] },
      Actions: { '#ComputerSystem.Reset': { target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset' } },
    };
    const url = await bmc((req, res) => {
      if (req.url === '/redfish/v1/') return json(res, 200, { Systems: { '@odata.id': '/redfish/v1/Systems' } });
      if (req.url === '/redfish/v1/Systems')
        return json(res, 200, { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }, { '@odata.id': '/redfish/v1/Systems/broken' }] });
      if (req.url === '/redfish/v1/Systems/1') return json(res, 200, system);
      if (req.url === '/redfish/v1/Systems/broken') return json(res, 200, { Name: 'no id' });
      return json(res, 404, { error: { code: 'Base.1.0.ResourceMissingAtURI', message: 'gone' } });
    });
    const provider = new RedfishProvider('bmc', client(url));
    // A system without its required @odata.id/Id is left out and named, path and field; the other stays.
    const [node, ...others] = await provider.listNodes();
    expect(others).toEqual([]);
    expect(provider.lastWarning).toMatch(
      /1 system was left out: The BMC's computer system at \/redfish\/v1\/Systems\/broken is not the Redfish resource Ironpane expects \(@odata\.id\)/,
    );
    expect(node).toMatchObject({ hostname: 'blade-1', state: 'inactive', capabilities: ['power'] });
    await expect(provider.consoleEndpoint('/redfish/v1/Systems/1')).rejects.toMatchObject({ code: 'unavailable' });
    // No AllowableValues listed: the preferred type is sent, and a 400 comes back as the BMC's own words.
    await expect(provider.power('/redfish/v1/Systems/1', 'power_on')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/The BMC said: gone/),
    });
  });
});
