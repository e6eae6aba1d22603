/** The Nebraska client against a real loopback server that misbehaves the way proxies and wrong URLs do. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NebraskaClient } from './nebraska-client';

let server: Server;
let base = '';
const seen: { path: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    const route = (req.url ?? '').split('?')[0]!;
    if (route.startsWith('/html/')) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<!doctype html><html><body>Sign in</body></html>');
    }
    if (route.startsWith('/broken/')) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: 'internal', description: 'database is down' }));
    }
    if (route.startsWith('/moved/')) {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/api/apps' });
      return res.end();
    }
    if (route.startsWith('/shape/')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ applications: 'nope' }));
    }
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'unauthorized', description: 'token expired' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (prefix: string) => new NebraskaClient({ baseUrl: `${base}/${prefix}`, app: 'io.kinvolk.Flatcar', token: 'secret-token', timeoutMs: 2_000 });

describe('NebraskaClient errors', () => {
  it('says a web page is not Nebraska', async () => {
    await expect(client('html').apps()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/answered with a web page/) });
  });

  it('reports a 500 with the server’s description, as retryable', async () => {
    await expect(client('broken').groups()).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
      message: expect.stringMatching(/server error \(500\): database is down/),
    });
  });

  it('refuses to follow a redirect with the token', async () => {
    await expect(client('moved').apps()).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/does not follow redirects/) });
    expect(seen.filter((s) => s.path.startsWith('/api'))).toEqual([]);
  });

  it('says a wrong shape is not recognised, and a refused token is an auth error', async () => {
    await expect(client('shape').apps()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/shape Ironpane does not recognise/) });
    await expect(client('other').apps()).rejects.toMatchObject({ code: 'auth' });
    expect(seen.at(-1)?.auth).toBe('Bearer secret-token');
  });

  it('names an unreachable server', async () => {
    await expect(new NebraskaClient({ baseUrl: 'http://127.0.0.1:1', app: 'x', timeoutMs: 1_000 }).apps()).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/127\.0\.0\.1:1/),
    });
  });
});
