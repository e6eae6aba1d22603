/**
 * A hostile Metal endpoint (docs/architecture.md#what-ironpane-trusts): a 400 MB answer is refused
 * (it used to take main to 2.1 GB and call the sync "ok"), an impossible page count or an endless
 * `next` ends the sync naming the endpoint, and JSON nested millions deep is refused unparsed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deepJson, peerPool, rssMiB, sendJson, streamHugeJson } from '../../../../test/support/hostile-peer';
import { MetalClient } from './metal-client';
import { MetalProvider } from './metal-provider';

const { serve, closeAll } = peerPool();
afterEach(closeAll);
const provider = (url: string) => new MetalProvider('metal', 'p1', new MetalClient({ baseUrl: `${url}/metal/v1`, token: 'secret-token', maxRetries: 0 }));
const device = (id: string) => ({ id, hostname: id, state: 'active', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });

describe('a hostile Metal endpoint', () => {
  it('refuses a 400 MB device list instead of calling the sync ok (RSS grows < 100 MiB)', async () => {
    const api = await serve((_req, res) => streamHugeJson(res, 400 * 1024 * 1024));
    const before = rssMiB();
    await expect(provider(api.url).listNodes()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/^127\.0\.0\.1:\d+ sent more than 32 MiB in answer to GET \/metal\/v1\/projects\/p1\/devices/),
    });
    const grew = rssMiB() - before;
    console.info(`[hostile Metal] 400 MB answer: RSS +${grew} MiB`);
    expect(grew).toBeLessThan(100);
  });

  it('ends a sync that claims an impossible page count before asking for the pages', async () => {
    const api = await serve((_req, res) =>
      sendJson(res, 200, { devices: [device('d1')], meta: { next: { href: '/x' }, last_page: 5_000_000, total: 2_500_000_000 } }),
    );
    await expect(provider(api.url).listNodes()).rejects.toMatchObject({
      message: expect.stringMatching(/lists 5000000 pages of devices for Project p1, more than one sync reads \(200,000 devices\)/),
    });
    expect(api.seen.length).toBeLessThanOrEqual(2);
  });

  it('ends a sync whose next links never end, within its page budget', async () => {
    let n = 0;
    const api = await serve((_req, res) => sendJson(res, 200, { devices: [device(`d${n++}`)], meta: { next: { href: '/again' } } }));
    const client = new MetalClient({ baseUrl: `${api.url}/metal/v1`, token: 't', maxRetries: 0 });
    await expect(client.eachDevicePage('p1', { per_page: 10_000 }, () => undefined)).rejects.toMatchObject({
      message: expect.stringMatching(/lists over 20 pages/),
    });
    expect(api.seen.length).toBe(20);
    await client.close();
  });

  it('refuses JSON nested 4 million levels deep', async () => {
    const body = deepJson(4_000_000);
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    });
    await expect(provider(api.url).verify()).rejects.toMatchObject({ message: expect.stringMatching(/nests JSON deeper than 64 levels/) });
  });
});
