/**
 * Main's one HTTP client against small misbehaving servers on loopback: redirects stay within the
 * origin, the total deadline ends a peer that keeps talking, error bodies are cut, JSON depth is
 * checked before parsing, and a sync budget ends a loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deepJson, drip, hostilePeer, rssMiB, sendJson, streamHugeJson, type HostilePeer } from '../../../test/support/hostile-peer';
import { PeerHttp, SyncBudget, parseJsonLimited } from './peer-http';

const peers: HostilePeer[] = [];
const clients: PeerHttp[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});
const serve = async (handler: Parameters<typeof hostilePeer>[0]) => {
  const peer = await hostilePeer(handler);
  peers.push(peer);
  return peer;
};
const http = (origin: string, limits = {}) => {
  const client = new PeerHttp({ peer: 'The test peer', origin, limits });
  clients.push(client);
  return client;
};

describe('PeerHttp', () => {
  it('follows a redirect within the origin and refuses one to another origin, sending nothing there', async () => {
    const elsewhere = await serve((_req, res) => sendJson(res, 200, {}));
    const peer = await serve((req, res) => {
      if (req.url === '/a') return sendJson(res, 302, {}, { Location: '/b' });
      if (req.url === '/b') return sendJson(res, 200, { ok: true });
      return sendJson(res, 307, {}, { Location: `${elsewhere.url}/steal` });
    });
    const client = http(peer.url);
    const answer = await client.request('/a', { headers: { Authorization: 'Bearer secret' } });
    expect(client.json(answer, 'GET /a')).toEqual({ ok: true });
    await expect(client.request('/c', { headers: { Authorization: 'Bearer secret' } })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/pointed a redirect \(307 from \/c\) at http:\/\/127\.0\.0\.1:\d+/),
    });
    expect(elsewhere.seen).toHaveLength(0);
    expect(peer.seen.map((r) => r.headers.authorization)).toEqual(['Bearer secret', 'Bearer secret', 'Bearer secret']);
  });

  it('refuses a path on another scheme, host or port, and a protocol-relative one', () => {
    const client = http('http://127.0.0.1:9');
    for (const link of ['https://127.0.0.1:9/x', 'http://127.0.0.2:9/x', 'http://127.0.0.1:10/x', '//127.0.0.1:10/x', 'file:///etc/passwd']) {
      expect(() => client.resolve(link)).toThrow(/another address than the one you added|not a valid address/);
    }
    expect(client.resolve('/x?y=1').toString()).toBe('http://127.0.0.1:9/x?y=1');
  });

  it('ends a peer that keeps dripping within its total deadline', async () => {
    const peer = await serve((_req, res) => drip(res, 100));
    const started = Date.now();
    await expect(http(peer.url, { idleMs: 5000, deadlineMs: 1000 }).request('/slow')).rejects.toMatchObject({
      code: 'timeout',
      message: 'The test peer did not finish answering GET /slow within 1 s; Ironpane gave up.',
    });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('cuts a 300 MB error answer to what a message needs (RSS grows < 100 MiB)', async () => {
    const peer = await serve((_req, res) => streamHugeJson(res, 300 * 1024 * 1024, 500));
    const before = rssMiB();
    const answer = await http(peer.url).request('/boom');
    expect(answer.status).toBe(500);
    expect(answer.body.length).toBeLessThanOrEqual(64 * 1024);
    expect(rssMiB() - before).toBeLessThan(100);
  });

  it('refuses an answer whose Content-Length is over the cap before reading it', async () => {
    const peer = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 * 1024 * 1024) });
      res.write('{');
    });
    await expect(http(peer.url, { maxBytes: 1024 }).request('/big')).rejects.toMatchObject({
      message: 'The test peer sent more than 1 KiB in answer to GET /big; Ironpane stopped reading it.',
    });
  });

  it('checks JSON depth without being fooled by brackets inside strings, and never quotes the text', () => {
    expect(parseJsonLimited(Buffer.from('{"a":"[[[[[[[[[[[[","b":[[1]]}'), 3, () => 'the file')).toEqual({ a: '[[[[[[[[[[[[', b: [[1]] });
    expect(parseJsonLimited(Buffer.from('\ufeff{"q":"\\"[[["}'), 1, () => 'x')).toEqual({ q: '"[[[' });
    expect(() => parseJsonLimited(Buffer.from(deepJson(65)), 64, () => 'the answer')).toThrow(
      'The answer nests JSON deeper than 64 levels; Ironpane refused it.',
    );
    expect(() => parseJsonLimited(Buffer.from('root:*:20228:0:99999:7:::'), 64, () => 'the answer')).toThrow(/^The answer is not JSON\.$/);
  });

  it('a sync budget ends a loop, naming the connection', () => {
    const budget = new SyncBudget('The update server lab', 3);
    budget.spend('/a');
    budget.spend('/a');
    budget.spend('/a');
    expect(() => budget.spend('/a?page=4')).toThrow(/The update server lab needed more than 3 requests for one sync \(at \/a\?page=4\)/);
  });
});
