/**
 * Device pages read in the page worker as the build bundles it (esbuild, here as in scripts/build.mjs)
 * give what reading inline gives, errors included; the worker service survives a worker that dies.
 */
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type RunningLab } from '../../../lab/lab';
import { WorkerService } from '../../workers/worker-service';
import { failure } from '../../../../test/fakes/failure';
import { DevicePageReader } from './device-page-reader';
import { readDevicePage, type DevicePageRequest } from './device-pages';
import { MetalClient } from './metal-client';

let lab: RunningLab | null = null;
const readers: DevicePageReader[] = [];
afterEach(async () => {
  await lab?.stop();
  lab = null;
  for (const reader of readers.splice(0)) reader.stop();
});

let bundled: Promise<string> | null = null;
function workerSource(): Promise<string> {
  bundled ??= build({
    entryPoints: [new URL('./device-page-worker.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
  }).then((out) => out.outputFiles[0]!.text);
  return bundled;
}

async function labPage(query: string): Promise<Uint8Array> {
  const answer = await fetch(`${lab!.baseUrl}/projects/${lab!.projectId}/devices?per_page=500&${query}`, { headers: { 'X-Auth-Token': lab!.token } });
  return new Uint8Array(await answer.arrayBuffer());
}

const request = (body: Uint8Array, whole: boolean): DevicePageRequest => ({
  body,
  accountId: 'lab',
  kind: 'lab',
  host: '127.0.0.1',
  what: 'GET /metal/v1/projects/p/devices',
  maxJsonDepth: 64,
  whole,
});

describe('reading device pages in the worker', () => {
  it('gives the same whole nodes and light fields as reading inline', async () => {
    lab = await startLab({ nodeCount: 400 });
    const reader = new DevicePageReader(await workerSource());
    readers.push(reader);
    expect(reader.offMain).toBe(true);
    const whole = await labPage('include=metro,facility,plan,operating_system,network_ports,ip_addresses');
    const light = await labPage('exclude=metro,facility,plan,operating_system,network_ports,ip_addresses,ssh_keys,userdata');
    expect(whole.byteLength).toBeGreaterThan(64 * 1024);

    const inlineWhole = readDevicePage(request(whole.slice(), true));
    const inlineLight = readDevicePage(request(light.slice(), false));
    const workerWhole = await reader.read(request(whole, true));
    const workerLight = await reader.read(request(light, false));
    expect(workerWhole).toEqual(inlineWhole);
    expect(workerLight).toEqual(inlineLight);
    expect(workerWhole.devices).toHaveLength(400);
    expect(workerWhole.devices[0]!.node?.metro?.code).toBeTruthy();
    expect(workerLight.devices[0]!.node).toBeNull();
    // The digest of what a light list carries is the same from a whole device and its light copy.
    expect(workerLight.devices.map((d) => d.lightDigest)).toEqual(workerWhole.devices.map((d) => d.lightDigest));
  });

  it('names a device of the wrong shape, and an answer that is not JSON, as reading inline does', async () => {
    const reader = new DevicePageReader(await workerSource());
    readers.push(reader);
    const devices = Array.from({ length: 300 }, (_, i) => ({ id: `d-${i}`, hostname: i === 202 ? 42 : `h-${i}`, description: 'x'.repeat(300) }));
    const wrong = new TextEncoder().encode(JSON.stringify({ devices, meta: { last_page: 1 } }));
    const inline = await failure(Promise.resolve().then(() => readDevicePage(request(wrong.slice(), false))));
    const offMain = await failure(reader.read(request(wrong, false)));
    expect(offMain).toMatchObject({ code: 'unavailable', message: inline.message, detail: inline.detail });
    expect(offMain.detail).toMatch(/^devices\.202\.hostname: /);

    // Nesting past 64 levels inside a device's own fields: refused by name, as on main.
    const deep = new TextEncoder().encode(
      JSON.stringify({ devices: [{ id: 'd-1', padding: 'x'.repeat(70_000), extra: JSON.parse('['.repeat(100) + ']'.repeat(100)) }] }),
    );
    expect(await failure(reader.read(request(deep, false)))).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/nests JSON deeper than 64 levels/),
    });
    // And through objects.
    const deepObjects = new TextEncoder().encode(JSON.stringify({ devices: [{ id: 'd-1', extra: JSON.parse('{"a":'.repeat(100) + '1' + '}'.repeat(100)) }] }));
    expect(() => readDevicePage(request(deepObjects, false))).toThrow(/nests JSON deeper than 64 levels/);

    const html = new TextEncoder().encode(`<html>${'<p>Sign in</p>'.repeat(10_000)}</html>`);
    expect(await failure(reader.read(request(html, false)))).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/is not JSON/) });
  });

  it('lists the lab through the worker when the client is given its code', async () => {
    lab = await startLab({ nodeCount: 1200 });
    const client = new MetalClient({ baseUrl: lab.baseUrl, token: lab.token, pageReaderSource: await workerSource() });
    const devices = await client.listDevices(lab.projectId, { include: ['metro', 'plan'] }, { accountId: 'lab', kind: 'lab' });
    expect(devices).toHaveLength(1200);
    expect(new Set(devices.map((d) => d.node?.id)).size).toBe(1200);
    await client.close();
  });
});

describe('a worker kept for many jobs', () => {
  const echo = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', ({ id, input }) => {
      if (input === 'die') process.exit(3);
      if (input === 'hang') for (;;);
      parentPort.postMessage({ id, output: input * 2 });
    });`;

  it('answers jobs, fails the job in flight when the worker dies, and starts again for the next', async () => {
    const service = new WorkerService<number | string, number>(echo, { what: 'Doubling' });
    expect(await Promise.all([service.run(1), service.run(2), service.run(3)])).toEqual([2, 4, 6]);
    expect(await failure(service.run('die'))).toMatchObject({ code: 'internal', message: 'Doubling stopped unexpectedly (exit 3); retry.', retryable: true });
    expect(await service.run(21)).toBe(42);
    service.stop();
  });

  it('stops a job past its deadline and runs the next on a fresh worker', async () => {
    const service = new WorkerService<number | string, number>(echo, { what: 'Doubling', timeoutMs: 300 });
    expect(await failure(service.run('hang'))).toMatchObject({ code: 'timeout', message: 'Doubling took longer than 1 s; Ironpane stopped it.' });
    expect(await service.run(5)).toBe(10);
    service.stop();
  });
});
