/**
 * `npm run bench`: the fleet at 10,000 and 50,000 nodes (`fleet 50000` for one size), printed as
 * JSON with each figure beside its target (not asserted).
 * - startup: spawn of the built web host → URL printed → fleet table rendered in Debian's Chromium,
 *   on a first launch and on a restart with the fleet cache; main's event-loop delay through the
 *   first sync (the host reports it)
 * - renderer JS heap after the table is up (after a forced GC)
 * - main-process RSS of the web host, with the lab in its own process (`npm run lab`) and its
 *   readiness and RSS beside it; main's share of a core while idle
 * - freshness: a node powered off in the lab, until its row in the page says so
 * - refresh cost per poll: fetch + normalise + diff, idle and with 1 % changing, and a delta from
 *   the project's event log
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLab } from '../../electron/lab/lab';
import { composeServices } from '../../electron/services/compose';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../../electron/services/vault/encrypted-file-store';
import { FULL_SYNC_COST_FACTOR } from '../../electron/services/fleet/fleet-service';
import type { MetalProvider } from '../../electron/services/providers/metal/metal-provider';
import { launchChromium, chromiumAvailable, CHROMIUM_PATH } from '../e2e/browser';
import { startHostProcess, startLabProcess } from '../e2e/processes';
import type { Page } from 'playwright-core';

/** The targets of issue 24 (README: Benchmarks), per fleet size. */
function targetsFor(nodes: number) {
  const large = nodes > 10_000;
  return {
    firstRowsMs: large ? 1_000 : 500,
    tableMs: large ? 3_000 : 1_500,
    warmTableMs: 1_000,
    mainRssMiB: large ? 400 : 250,
    freshnessMs: large ? 15_000 : 10_000,
    labReadyMs: 3_000,
    labRssMiB: 400,
    eventLoopP99Ms: 20,
    shareOfOneCorePercent: 5,
  };
}

/** A figure beside its target: met when at or under it. */
const vs = (value: number, target: number) => ({ value: round(value), target, met: value <= target });
const quietLog = { info() {}, warn() {}, error() {} };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const cpuSeconds = (pid: number) => {
  // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** `BENCH_MAIN_PROFILE=<dir>`: the web host's CPU profiles (one per launch) land there. */
const MAIN_NODE_ARGS = process.env.BENCH_MAIN_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_MAIN_PROFILE}`] : [];

/**
 * Opens the console and waits for the first row, then for the whole fleet in the count. The times
 * are taken in the page (ms since its navigation started, by a MutationObserver), not when
 * Playwright notices: while the page is busy, Playwright's polling noticed the first row up to 2 s late.
 */
async function loadTable(page: Page, url: string, nodes: number) {
  await page.addInitScript((count: string) => {
    const marks: { firstRow?: number; table?: number } = {};
    (window as unknown as { __benchMarks: typeof marks }).__benchMarks = marks;
    const observer = new MutationObserver(() => {
      marks.firstRow ??= document.querySelector('[role="row"][data-node-id]') ? performance.now() : undefined;
      const search = document.querySelector('[role="search"]');
      if (marks.table === undefined && search && [...search.querySelectorAll('*')].some((el) => el.childElementCount === 0 && el.textContent === count))
        marks.table = performance.now();
      if (marks.firstRow !== undefined && marks.table !== undefined) observer.disconnect();
    });
    document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, { childList: true, subtree: true, characterData: true }));
  }, `${nodes} nodes`);
  await page.goto(url);
  await page.locator('[role="row"][data-node-id]').first().waitFor({ timeout: 120_000 });
  await page.getByRole('search').getByText(`${nodes} nodes`, { exact: true }).waitFor({ timeout: 180_000 });
  const marks = await page.evaluate(() => (window as unknown as { __benchMarks: { firstRow?: number; table?: number } }).__benchMarks);
  if (marks.firstRow === undefined || marks.table === undefined) throw new Error(`The page did not record its own marks: ${JSON.stringify(marks)}`);
  return { firstRowsMs: marks.firstRow, tableMs: marks.table };
}

/**
 * Powers a node off through the lab's API and times, in the page, until its row says so: the row is
 * found by the search box first, so the virtualised table shows it.
 */
async function freshness(page: Page, lab: { ready: { baseUrl: string; token: string } }, node: { id: string; hostname: string }) {
  await page.getByRole('searchbox', { name: 'Search nodes' }).fill(node.hostname);
  const row = page.locator(`[role="row"][data-node-id="lab:${node.id}"]`);
  // Active in the row before the action: the time is from the action to the change, nothing older.
  await row.locator('[data-state="active"]').waitFor({ timeout: 30_000 });
  await page.evaluate((rowId: string) => {
    const marks = window as unknown as { __shownAt?: number };
    // Each run its own mark (the page is the same one).
    marks.__shownAt = undefined;
    const observer = new MutationObserver(() => {
      if (document.querySelector(`[role="row"][data-node-id="${rowId}"] [data-state="powering_off"]`)) {
        marks.__shownAt = Date.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
  }, `lab:${node.id}`);
  const sentAt = Date.now();
  const answer = await fetch(`${lab.ready.baseUrl}/devices/${node.id}/actions`, {
    method: 'POST',
    headers: { 'X-Auth-Token': lab.ready.token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'power_off' }),
  });
  if (answer.status !== 202) throw new Error(`The lab refused the power-off (${answer.status}): ${await answer.text()}`);
  await page.waitForFunction(() => (window as unknown as { __shownAt?: number }).__shownAt !== undefined, undefined, { timeout: 180_000, polling: 200 });
  const shownAt = await page.evaluate(() => (window as unknown as { __shownAt: number }).__shownAt);
  await page.getByRole('searchbox', { name: 'Search nodes' }).fill('');
  return shownAt - sentAt;
}

/** An active machine of the lab, read from its API (the bench does not share the lab's process). */
async function anActiveMachine(lab: { ready: { baseUrl: string; token: string; projectId: string } }, skip: number) {
  const answer = await fetch(
    `${lab.ready.baseUrl}/projects/${lab.ready.projectId}/devices?per_page=50&page=${3 + skip}&state=active&exclude=ip_addresses,network_ports,plan,operating_system,facility,metro`,
    {
      headers: { 'X-Auth-Token': lab.ready.token },
    },
  );
  const { devices } = (await answer.json()) as { devices: { id: string; hostname: string }[] };
  // Not one the OS agents are about to reboot: a Kubernetes node leaves reboots to an operator.
  return devices.find((device) => device.hostname.includes('k8s')) ?? devices[0]!;
}

async function startupInChromium(nodes: number) {
  if (!chromiumAvailable) return { skipped: `no browser at ${CHROMIUM_PATH}` };
  const targets = targetsFor(nodes);
  // The lab in its own process, as `npm run lab`: main's memory and startup are measured without it.
  const labStarted = performance.now();
  const lab = await startLabProcess({ IRONPANE_LAB_NODES: String(nodes), IRONPANE_LAB_TIME_SCALE: '1', IRONPANE_LAB_LOG_ACTIONS: '' });
  const labReadyMs = performance.now() - labStarted;
  const labRssAtReady = rssMiB(lab.process.pid!);
  const browser = await launchChromium({ width: 1440, height: 900 });
  const page = await browser.context.newPage();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-bench-'));
  const started = performance.now();
  let host: Awaited<ReturnType<typeof startHostProcess>> | null = null;
  const env = { IRONPANE_REPORT_FIRST_SYNC: '1' };
  try {
    host = await startHostProcess(dataDir, lab.readyLine, env, MAIN_NODE_ARGS);
    const hostReadyMs = performance.now() - started;
    const { firstRowsMs, tableMs } = await loadTable(page, host.url, nodes);
    const firstSync = await host.firstSync;
    const domRows = await page.locator('[role="row"][data-node-id]').count();

    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    const mainPid = host.process.pid!;
    const rssAfterRender = rssMiB(mainPid);
    // Let it poll for a while, then read RSS again: steady state, not just the first sync. Main's
    // CPU time over that spell is its idle share of a core.
    const cpuBefore = cpuSeconds(mainPid);
    await new Promise((r) => setTimeout(r, 15_000));
    const idleShare = ((cpuSeconds(mainPid) - cpuBefore) / 15) * 100;
    const rssAfterPolling = rssMiB(mainPid);
    const fresh: number[] = [];
    for (let k = 0; k < 3; k++) fresh.push(await freshness(page, lab, await anActiveMachine(lab, k)));
    const labRss = rssMiB(lab.process.pid!);
    return {
      labReadyMs: vs(labReadyMs, targets.labReadyMs),
      labRssMiBAtReady: vs(labRssAtReady, targets.labRssMiB),
      labRssMiBAfterServing: vs(labRss, targets.labRssMiB),
      hostReadyMs: round(hostReadyMs),
      pageLoadToFirstRowsMs: vs(firstRowsMs, targets.firstRowsMs),
      pageLoadToTableMs: vs(tableMs, targets.tableMs),
      firstSync: {
        ms: firstSync.ms,
        eventLoopP50Ms: firstSync.eventLoopP50Ms,
        eventLoopP99Ms: vs(firstSync.eventLoopP99Ms, targets.eventLoopP99Ms),
        eventLoopMaxMs: firstSync.eventLoopMaxMs,
      },
      rowsInDom: domRows,
      rendererJsHeapUsedMiB: round(metric('JSHeapUsedSize') / 2 ** 20),
      rendererJsHeapTotalMiB: round(metric('JSHeapTotalSize') / 2 ** 20),
      rendererDomNodes: metric('Nodes'),
      mainRssMiBAfterRender: vs(rssAfterRender, targets.mainRssMiB),
      mainRssMiBAfter15sPolling: vs(rssAfterPolling, targets.mainRssMiB),
      mainShareOfOneCoreIdlePercent: vs(idleShare, targets.shareOfOneCorePercent),
      // Power off in the lab → the row says "powering off", three nodes one after another.
      freshnessMs: { runs: fresh.map((ms) => round(ms)), ...vs(Math.max(...fresh), targets.freshnessMs) },
      warm: await (async () => {
        // A restart with the same data folder: the fleet cache the first launch wrote is shown
        // while the launch's first sync runs.
        const closing = host!;
        host = null;
        await closing.stop();
        const restarted = performance.now();
        host = await startHostProcess(dataDir, lab.readyLine, env, MAIN_NODE_ARGS);
        const warmHostReadyMs = performance.now() - restarted;
        const warmPage = await browser.context.newPage();
        const warmTable = await loadTable(warmPage, host.url, nodes);
        return {
          hostReadyMs: round(warmHostReadyMs),
          pageLoadToFirstRowsMs: round(warmTable.firstRowsMs),
          pageLoadToTableMs: vs(warmTable.tableMs, targets.warmTableMs),
        };
      })(),
    };
  } finally {
    await host?.stop();
    await lab.stop();
    await browser.close();
  }
}

async function refreshCost(nodes: number) {
  let bytes = 0;
  const lab = await startLab({ nodeCount: nodes, onExchange: (e) => (bytes += e.responseBytes) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-bench-'));
  const services = composeServices({
    host: { kind: 'web', version: 'bench', nativeDialogs: false },
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 's.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'k'))),
    log: quietLog,
    lab: { baseUrl: lab.baseUrl, token: lab.token, projectId: lab.projectId, nodeCount: nodes },
    pollIntervalMs: 3_600_000,
  });
  let patchBytes = 0;
  services.bus.on((event, payload) => event === 'fleet.changed' && (patchBytes += JSON.stringify(payload).length));
  const labSeedStart = performance.now();
  await services.start();
  await services.fleet.refresh();
  const firstSyncMs = performance.now() - labSeedStart;
  const firstPatchBytes = patchBytes;
  const provider = (await services.connections.provider('lab')) as MetalProvider;

  const measure = async (runs: number, mutate?: () => void) => {
    const total: number[] = [];
    const fetchMs: number[] = [];
    const diffMs: number[] = [];
    const wire: number[] = [];
    const patch: number[] = [];
    const kinds: string[] = [];
    for (let i = 0; i < runs; i++) {
      mutate?.();
      bytes = 0;
      patchBytes = 0;
      const t = performance.now();
      await services.fleet.refresh();
      total.push(performance.now() - t);
      fetchMs.push(services.fleet.lastPollCost.fetchMs);
      diffMs.push(services.fleet.lastPollCost.diffMs);
      wire.push(bytes);
      patch.push(patchBytes);
      kinds.push(`${provider.lastListKind.kind}${provider.lastListKind.followedUp ? `+${provider.lastListKind.followedUp}` : ''}`);
    }
    return {
      medianMs: round(median(total)),
      medianFetchAndNormaliseMs: round(median(fetchMs)),
      medianDiffMs: round(median(diffMs)),
      wireBytesPerPoll: median(wire),
      patchBytesPerPoll: median(patch),
      lists: kinds.join(' '),
      runs,
    };
  };

  const idle = await measure(5);
  const machines = lab.fleet.list();
  let cursor = 0;
  const changeSome = (count: number) => {
    for (let k = 0; k < count; k++) {
      const m = machines[cursor++ % machines.length]!;
      const action = m.state === 'active' ? 'power_off' : m.state === 'inactive' ? 'power_on' : null;
      if (action) lab.fleet.action(m.id, { type: action });
    }
  };
  // 1 % of the fleet changes state between polls (power off / power on).
  const changing = await measure(5, () => changeSome(nodes / 100));
  // Between lists the fleet reads the project's event log (MetalProvider.listChanged): idle, and
  // with 20 nodes changed since the last look.
  const delta = async (changed: number) => {
    await provider.listChanged();
    changeSome(changed);
    bytes = 0;
    const t = performance.now();
    const nodesRead = await provider.listChanged();
    return { ms: round(performance.now() - t), wireBytes: bytes, nodesFetched: nodesRead?.length ?? 'a full list' };
  };
  const deltaIdle = await delta(0);
  const deltaTwenty = await delta(20);
  services.stop();
  await lab.stop();
  const loopWaitMs = (pollMs: number) => Math.max(5_000, FULL_SYNC_COST_FACTOR * pollMs);
  return {
    firstSyncMs: round(firstSyncMs),
    firstPatchBytes,
    pagesReadOffMain: Boolean((globalThis as { __METAL_PAGE_READER__?: string }).__METAL_PAGE_READER__),
    listPollIdle: idle,
    listPollWithOnePercentChanging: changing,
    ratioChangingToIdle: round(changing.medianMs / idle.medianMs, 2),
    // The loop waits FULL_SYNC_COST_FACTOR × a poll's cost (at least the 5 s steady interval).
    listShareOfOneCorePercent: round((100 * idle.medianMs) / (loopWaitMs(idle.medianMs) + idle.medianMs), 1),
    deltaPollIdle: deltaIdle,
    deltaPollTwentyChanged: deltaTwenty,
    ratioListToDelta: round(idle.medianMs / Math.max(0.1, deltaIdle.ms), 0),
  };
}

export async function fleetBench(sizes = process.env.BENCH_NODES ?? '10000,50000') {
  const results = [];
  for (const nodes of sizes.split(',').map(Number)) {
    results.push({ nodes, targets: targetsFor(nodes), startup: await startupInChromium(nodes), refresh: await refreshCost(nodes) });
  }
  return results;
}
