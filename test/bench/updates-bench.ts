/**
 * OS updates, for 10,000 lab instances (printed, not asserted):
 * - Omaha check-ins per second the lab's update server sustains over real HTTP (8 concurrent
 *   clients, keep-alive), with latency p50/p99, and the same exchange in process
 * - joining 10,000 instances to 10,000 fleet nodes, and one full update-service sync over HTTP
 * - the Rollouts screen in Chromium: first render (click → group, charts and instance rows drawn)
 *   and a chart re-render (new window → both charts redrawn)
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { startLab } from '../../electron/lab/lab';
import { parseOmahaRequest, writeOmahaRequest } from '../../electron/lab/updates/omaha-xml';
import { FLATCAR_APP_ID, UpdateModel } from '../../electron/lab/updates/update-model';
import { LabUpdateServer } from '../../electron/lab/updates/update-server';
import { readInstances } from '../../electron/services/updates/instance-reads';
import { NebraskaClient } from '../../electron/services/providers/nebraska/nebraska-client';
import { joinInstances } from '../../electron/services/updates/join-instances';
import type { FleetNode } from '../../shared/model';
import { chromiumAvailable, CHROMIUM_PATH } from '../e2e/browser';
import { openIronpane } from '../e2e/helpers';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10_000);
const round = (x: number, d = 1) => Number(x.toFixed(d));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const ids = Array.from({ length: INSTANCES }, () => randomUUID().replace(/-/g, ''));
const request = (machineId: string, i: number, check: boolean) =>
  writeOmahaRequest({
    appId: FLATCAR_APP_ID,
    version: i % 3 === 0 ? '4152.2.3' : '4230.2.3',
    track: 'stable',
    machineId,
    machineAlias: `bench-${i}`,
    oem: 'packet',
    alephVersion: '4081.2.1',
    bootId: randomUUID(),
    ping: true,
    updateCheck: check,
    events: [],
  });

/** Registers the synthetic instances in the lab's stable group (a ping each, as after a boot). */
function register(server: LabUpdateServer): void {
  ids.forEach((id, i) => server.omaha(request(id, i, false), `10.9.${(i >> 8) & 255}.${i & 255}`));
}

async function checkInsOverHttp(baseUrl: string, seconds = 5, concurrency = 8) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(`${baseUrl}/v1/update`);
  const bodies = ids.slice(0, 2000).map((id, i) => request(id, i, true));
  const latencies: number[] = [];
  let done = 0;
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w: number) => {
    for (let k = w; performance.now() < end; k += concurrency) {
      const body = bodies[k % bodies.length]!;
      const started = performance.now();
      const status = await new Promise<number>((resolve) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            agent,
            headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
      latencies.push(performance.now() - started);
      if (status === 200) done++;
      else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    checkInsPerSecond: Math.round(done / elapsed),
    failed,
    concurrency,
    latencyP50Ms: round(pct(latencies, 0.5), 2),
    latencyP99Ms: round(pct(latencies, 0.99), 2),
  };
}

function checkInsInProcess(server: LabUpdateServer, count = 20_000) {
  const bodies = ids.slice(0, 2000).map((id, i) => request(id, i, true));
  const started = performance.now();
  for (let k = 0; k < count; k++) server.omaha(bodies[k % bodies.length]!, '10.9.0.1');
  return { checkInsPerSecond: Math.round(count / ((performance.now() - started) / 1000)) };
}

function joinCost() {
  const nodes = ids.map(
    (id, i) =>
      ({
        id: `lab:${i}`,
        deviceId: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
        hostname: `bench-${i}`,
        ips: [{ address: `10.9.${(i >> 8) & 255}.${i & 255}`, family: 4, public: false, management: true }],
      }) as FleetNode,
  );
  const byMachineId = ids.map((id, i) => ({ id, alias: `bench-${i}`, ip: '' }));
  const byHostname = ids.map((_, i) => ({ id: randomUUID(), alias: `bench-${i}`, ip: '' }));
  const time = (instances: { id: string; alias: string; ip: string }[]) => {
    const runs: number[] = [];
    let matched = 0;
    for (let r = 0; r < 15; r++) {
      const started = performance.now();
      matched = joinInstances(nodes, instances).size;
      runs.push(performance.now() - started);
    }
    return { medianMs: round(pct(runs, 0.5), 2), matched };
  };
  return { nodes: nodes.length, instances: ids.length, byMachineId: time(byMachineId), byHostname: time(byHostname) };
}

/**
 * A sync's read of the instances, in full and as what changed, over HTTP. The instances check in
 * spread over 45 minutes (update_engine checks in about hourly), on a server whose clock the bench
 * moves; then 1 % check in with a new version and the next sync reads what changed.
 */
async function instanceReads() {
  let clock = Date.now() - 50 * 60_000;
  const server = new LabUpdateServer({ model: new UpdateModel({ now: () => clock }), token: 'bench' });
  const baseUrl = await server.listen();
  const client = new NebraskaClient({ baseUrl, app: FLATCAR_APP_ID, token: 'bench' });
  const checkIn = (id: string, i: number, version: string) =>
    server.register({ ...parseOmahaRequest(request(id, i, false)).apps[0]!, version }, `10.9.${(i >> 8) & 255}.${i & 255}`);
  try {
    ids.forEach((id, i) => {
      clock += (45 * 60_000) / INSTANCES;
      checkIn(id, i, '4152.2.3');
    });
    const groups = await client.groups();
    const fullStarted = performance.now();
    const full = await readInstances(client, groups, new Map(), null, clock);
    const fullMs = performance.now() - fullStarted;
    clock += 30_000;
    ids.slice(0, Math.ceil(INSTANCES / 100)).forEach((id, i) => checkIn(id, i, '4230.2.3'));
    const changesStarted = performance.now();
    const changes = await readInstances(client, groups, full.instances, full.mark, clock);
    const changesMs = performance.now() - changesStarted;
    return {
      instances: [...full.instances.values()].reduce((n, list) => n + list.length, 0),
      fullReadOverHttpMs: round(fullMs),
      changesReadOverHttpMs: round(changesMs),
      changesKind: changes.kind,
      changesFetched: changes.fetched,
      fullToChangesRatio: round(fullMs / Math.max(changesMs, 0.01)),
      note: 'full: every instance page (1,000 per page), the safety net every 5 min; changes: after 1 % checked in, the newest check-ins (and a minute behind them) only',
    };
  } finally {
    await client.close();
    await server.close();
  }
}

async function rolloutsScreen() {
  if (!chromiumAvailable) return { skipped: `no browser at ${CHROMIUM_PATH}` };
  // A small fleet with 10,000 instances on the update server: the screen's cost is the instances.
  const ui = await openIronpane({ nodeCount: 200, timeScale: 1, failureRate: 0 }, { width: 1440, height: 900 }, { updatesPollIntervalMs: 2_000 });
  try {
    register(ui.launch.lab!.updates.server);
    const { page } = ui;
    await page.getByRole('row').nth(1).waitFor();
    // Wait until main has synced the instances (the Rollouts list shows the group with them).
    await ui.launch.services.router.call('updates.groups', {});
    const deadline = Date.now() + 60_000;
    for (;;) {
      const groups = (await ui.launch.services.router.call('updates.groups', {})) as { ok: boolean; value?: { track: string; total: number }[] };
      if (groups.ok && (groups.value?.find((g) => g.track === 'stable')?.total ?? 0) >= INSTANCES) break;
      if (Date.now() > deadline) throw new Error('the update service never saw the instances');
      await new Promise((r) => setTimeout(r, 250));
    }
    const started = performance.now();
    await page.getByRole('button', { name: 'Rollouts' }).click();
    await page.getByRole('button', { name: /Stable \(AMD64\)/ }).click();
    await page.locator('.chart canvas').nth(1).waitFor();
    await page.locator('.instance-row[data-hostname], .instance-row .i-host span').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.chart-host[data-renders]').length === 2);
    const firstRenderMs = performance.now() - started;
    const renders = () => page.evaluate(() => [...document.querySelectorAll('.chart-host')].map((c) => Number((c as HTMLElement).dataset.renders ?? 0)));
    const before = await renders();
    const chartStarted = performance.now();
    await page.getByRole('button', { name: '7d', exact: true }).click();
    await page.waitForFunction(
      (prev) => [...document.querySelectorAll('.chart-host')].every((c, i) => Number((c as HTMLElement).dataset.renders ?? 0) > prev[i]!),
      before,
    );
    const chartRenderMs = performance.now() - chartStarted;
    const rows = await page.locator('.instance-row').count();
    return { instances: INSTANCES, firstRenderMs: round(firstRenderMs), chartRenderMs: round(chartRenderMs), instanceRowsInDom: rows };
  } finally {
    await ui.close();
  }
}

export async function updatesBench() {
  const lab = await startLab({ nodeCount: 60, timeScale: 1, failureRate: 0 });
  try {
    register(lab.updates.server);
    const http = await checkInsOverHttp(lab.updates.baseUrl);
    const inProcess = checkInsInProcess(lab.updates.server);
    return {
      omaha: { http, inProcess, requestBytes: Buffer.byteLength(request(ids[0]!, 0, true)) },
      join: joinCost(),
      sync: await instanceReads(),
      rolloutsScreen: await rolloutsScreen(),
    };
  } finally {
    await lab.stop();
  }
}
