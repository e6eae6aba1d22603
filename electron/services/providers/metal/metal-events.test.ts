/**
 * Following the Metal project's event log between full lists (`GET /projects/{id}/events`), against
 * the real lab over real HTTP, and against an endpoint that has no such log.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type RunningLab } from '../../../lab/lab';
import { MetalClient } from './metal-client';
import { MetalProvider } from './metal-provider';

let lab: RunningLab | null = null;
let server: Server | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
  server = null;
});

function providerFor(running: RunningLab, onRequest?: (path: string) => void) {
  const client = new MetalClient({ baseUrl: running.baseUrl, token: running.token, onRequest: onRequest && (({ url }) => onRequest(url.pathname)) });
  return new MetalProvider('lab', running.projectId, client, 'lab');
}

describe('MetalProvider following the project event log', () => {
  it('fetches only the devices the log names since the last list, once each', async () => {
    lab = await startLab({ nodeCount: 300 });
    const requests: string[] = [];
    const provider = providerFor(lab, (path) => requests.push(path));
    await provider.listNodes();
    expect(await provider.listChanged()).toEqual([]);

    const [off, reboot] = lab.fleet.list().filter((m) => m.state === 'active');
    lab.fleet.action(off!.id, { type: 'power_off' });
    lab.fleet.action(reboot!.id, { type: 'reboot' });
    requests.length = 0;
    const changed = await provider.listChanged();
    expect(changed?.map((node) => [node.deviceId, node.state]).sort()).toEqual(
      [
        [off!.id, 'powering_off'],
        [reboot!.id, 'powering_off'],
      ].sort(),
    );
    // One page of the log, then each device on its own; no list of the 300.
    expect(requests.filter((path) => path.endsWith('/events'))).toHaveLength(1);
    expect(requests.filter((path) => path.endsWith('/devices'))).toHaveLength(0);
    expect(requests.filter((path) => /\/devices\/[^/]+$/.test(path)).sort()).toEqual(
      [`/metal/v1/devices/${off!.id}`, `/metal/v1/devices/${reboot!.id}`].sort(),
    );

    // Seen events are not news again, even those in the same second as the newest.
    expect(await provider.listChanged()).toEqual([]);
  });

  it('says a full list is due when more devices changed than fetching one by one is worth', async () => {
    lab = await startLab({ nodeCount: 300 });
    const provider = providerFor(lab);
    await provider.listNodes();
    // 25 is the floor (1 % of 300 is 3): 30 devices powered off are listed, not fetched one by one.
    for (const machine of lab.fleet
      .list()
      .filter((m) => m.state === 'active')
      .slice(0, 30))
      lab.fleet.action(machine.id, { type: 'power_off' });
    expect(await provider.listChanged()).toBeNull();
    // The list marks the log again: after it, nothing is news.
    await provider.listNodes();
    expect(await provider.listChanged()).toEqual([]);
  });

  it('names a device the OS agent reported on (a customdata write), though its update time stays', async () => {
    lab = await startLab({ nodeCount: 120 });
    const provider = providerFor(lab);
    await provider.listNodes();
    const machine = lab.fleet.list().find((m) => m.state === 'active')!;
    lab.fleet.touch(machine);
    expect((await provider.listChanged())?.map((node) => node.deviceId)).toEqual([machine.id]);
  });

  it('falls back to lists at the steady pace where the API has no project events (404)', async () => {
    lab = await startLab({ nodeCount: 20 });
    const labUrl = new URL(lab.baseUrl);
    // A Metal-compatible endpoint without the events route: everything else is the lab's.
    server = createServer((req, res) => {
      if (req.url?.includes('/events')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"Not found"}');
        return;
      }
      void fetch(`${labUrl.origin}${req.url}`, { headers: { 'X-Auth-Token': String(req.headers['x-auth-token']) } }).then(async (answer) => {
        res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new MetalClient({ baseUrl: `http://127.0.0.1:${port}/metal/v1`, token: lab.token, maxRetries: 0 });
    const provider = new MetalProvider('lab', lab.projectId, client, 'lab');
    expect(await provider.listNodes()).toHaveLength(20);
    expect(provider.followsChanges).toBe(false);
    expect(await provider.listChanged()).toBeNull();
  });
});
