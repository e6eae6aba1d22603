/**
 * A hostile update server: a 1.2 GB answer (main reached 4.2 GB RSS and stalled 3.9 s), 300 MB on a
 * 500, and huge claimed totals (15,316 requests in 76 s, RSS 3.1 GB and growing) end within their
 * caps and the sync's budget, naming the server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { peerPool, rssMiB, sendJson, streamHugeJson } from '../../../../test/support/hostile-peer';
import { NebraskaClient } from './nebraska-client';

const { serve, closeAll } = peerPool();
afterEach(closeAll);
const client = (url: string) => new NebraskaClient({ baseUrl: url, app: 'io.kinvolk.Flatcar', token: 'secret-token', timeoutMs: 5_000 });

describe('a hostile update server', () => {
  it('refuses a 1.2 GB answer at 16 MiB and cuts a 300 MB error answer (RSS grows < 100 MiB)', async () => {
    const huge = await serve((_req, res) => streamHugeJson(res, 1200 * 1024 * 1024));
    const before = rssMiB();
    const started = Date.now();
    await expect(client(huge.url).groups()).rejects.toMatchObject({
      message: expect.stringMatching(/^The update server 127\.0\.0\.1:\d+ sent more than 16 MiB in answer to GET \/api\/apps\/io\.kinvolk\.Flatcar\/groups/),
    });
    const bigError = await serve((_req, res) => streamHugeJson(res, 300 * 1024 * 1024, 500));
    await expect(client(bigError.url).groups()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/had a server error \(500\)/) });
    const grew = rssMiB() - before;
    console.info(`[hostile Nebraska] 1.2 GB and 300 MB-on-500 answers: refused in ${Date.now() - started} ms, RSS +${grew} MiB`);
    expect(grew).toBeLessThan(100);
  });

  it('ends a sync whose server claims an impossible total, before paging through it', async () => {
    const liar = await serve((_req, res) => sendJson(res, 200, { totalCount: 2_000_000_000, count: 100, groups: [] }));
    const c = client(liar.url);
    await expect(c.sync(20, () => c.groups())).rejects.toMatchObject({
      message: expect.stringMatching(/claims 2000000000 entries in one listing, more than Ironpane reads \(200,000\)/),
    });
    expect(liar.seen).toHaveLength(1);
  });

  it('ends a sync whose server repeats the same full page, at the second page', async () => {
    const group = (n: number) => ({
      id: `g${n}`,
      name: `g${n}`,
      description: '',
      application_id: 'a',
      channel_id: '',
      policy_updates_enabled: false,
      policy_safe_mode: true,
      policy_office_hours: false,
      policy_timezone: 'UTC',
      policy_period_interval: '1 hours',
      policy_max_updates_per_period: 1,
      policy_update_timeout: '1 days',
      rollout_in_progress: false,
      track: 't',
      created_ts: '2026-01-01T00:00:00Z',
    });
    const loop = await serve((_req, res) => sendJson(res, 200, { totalCount: 199_999, count: 100, groups: Array.from({ length: 100 }, (_, i) => group(i)) }));
    const c = client(loop.url);
    const started = Date.now();
    await expect(c.sync(10, () => c.groups())).rejects.toMatchObject({
      message: expect.stringMatching(/listed only entries it had already listed on page 2; Ironpane stopped the sync/),
    });
    console.info(`[hostile Nebraska] a looping listing: stopped after ${loop.seen.length} requests in ${Date.now() - started} ms`);
    expect(loop.seen).toHaveLength(2);
  });

  it('ends a sync at its request budget however the pages look', { timeout: 60_000 }, async () => {
    let n = 0;
    const group = (id: string) => ({
      id,
      name: id,
      description: '',
      application_id: 'a',
      channel_id: '',
      policy_updates_enabled: false,
      policy_safe_mode: true,
      policy_office_hours: false,
      policy_timezone: 'UTC',
      policy_period_interval: '1 hours',
      policy_max_updates_per_period: 1,
      policy_update_timeout: '1 days',
      rollout_in_progress: false,
      track: 't',
      created_ts: '2026-01-01T00:00:00Z',
    });
    const endless = await serve((_req, res) =>
      sendJson(res, 200, { totalCount: 199_999, count: 100, groups: Array.from({ length: 100 }, () => group(`g${n++}`)) }),
    );
    const c = client(endless.url);
    const started = Date.now();
    await expect(c.sync(10, async () => (await c.groups(), await c.groups(), await c.groups()))).rejects.toMatchObject({
      message: expect.stringMatching(/needed more than 5000 requests for one sync/),
    });
    console.info(`[hostile Nebraska] endless new pages: stopped at ${endless.seen.length} requests in ${Date.now() - started} ms`);
    expect(endless.seen.length).toBeLessThanOrEqual(5000);
  });
  it('counts only the sync’s own requests against its budget, not a window’s made meanwhile', async () => {
    const api = await serve((_req, res) => sendJson(res, 200, { totalCount: 0, count: 0, applications: [] }));
    const c = client(api.url);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const syncing = c.sync(1, async () => {
      await c.apps();
      await gate;
      return c.apps();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(Promise.all([c.apps(), c.apps(), c.apps()])).resolves.toHaveLength(3);
    release();
    await expect(syncing).rejects.toMatchObject({ message: expect.stringMatching(/needed more than 1 requests for one sync/) });
  });
});
