/**
 * `npm run bench`: figures for a 10,000-node lab, printed as JSON (not asserted).
 * - startup: spawn of the built web host → URL printed → fleet table rendered in Debian's Chromium
 * - renderer JS heap after the table is up (after a forced GC)
 * - main-process RSS of the web host, with the lab in its own process (`npm run lab`) and its RSS
 *   reported beside it
 * - refresh cost per poll: fetch + normalise + diff for 10,000 nodes, idle and with 1 % changing
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

const NODES = Number(process.env.BENCH_NODES ?? 10_000);
const quietLog = { info() {}, warn() {}, error() {} };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** `BENCH_MAIN_PROFILE=<dir>`: the web host's CPU profiles (one per launch) land there. */
const MAIN_NODE_ARGS = process.env.BENCH_MAIN_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_MAIN_PROFILE}`] : [];

/**
 * Opens the console and waits for the first row, then for the whole fleet in the count. The times
 * are taken in the page (ms since its navigation started, by a MutationObserver), not when
 * Playwright notices: while the page is busy, Playwright's polling noticed the first row up to 2 s late.
 */
async function loadTable(page: Page, url: string) {
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
  }, `${NODES} nodes`);
  await page.goto(url);
  await page.locator('[role="row"][data-node-id]').first().waitFor({ timeout: 120_000 });
  await page.getByRole('search').getByText(`${NODES} nodes`, { exact: true }).waitFor({ timeout: 120_000 });
  const marks = await page.evaluate(() => (window as unknown as { __benchMarks: { firstRow?: number; table?: number } }).__benchMarks);
  if (marks.firstRow === undefined || marks.table === undefined) throw new Error(`The page did not record its own marks: ${JSON.stringify(marks)}`);
  return { firstRowsMs: marks.firstRow, tableMs: marks.table };
}

async function startupInChromium() {
  if (!chromiumAvailable) return { skipped: `no browser at ${CHROMIUM_PATH}` };
  // The lab in its own process, as `npm run lab`: main's memory and startup are measured without it.
  const labStarted = performance.now();
  const lab = await startLabProcess({ IRONPANE_LAB_NODES: String(NODES), IRONPANE_LAB_TIME_SCALE: '1', IRONPANE_LAB_LOG_ACTIONS: '' });
  const labReadyMs = performance.now() - labStarted;
  const browser = await launchChromium({ width: 1440, height: 900 });
  const page = await browser.context.newPage();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-bench-'));
  const started = performance.now();
  let host: Awaited<ReturnType<typeof startHostProcess>> | null = null;
  try {
    host = await startHostProcess(dataDir, lab.readyLine, {}, MAIN_NODE_ARGS);
    const hostReadyMs = performance.now() - started;
    const { firstRowsMs, tableMs } = await loadTable(page, host.url);
    const domRows = await page.locator('[role="row"][data-node-id]').count();

    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    const mainPid = host.process.pid!;
    const rssAfterRender = rssMiB(mainPid);
    // Let it poll for a while, then read RSS again: steady state, not just the first sync.
    await new Promise((r) => setTimeout(r, 15_000));
    return {
      labReadyMs: round(labReadyMs),
      hostReadyMs: round(hostReadyMs),
      pageLoadToFirstRowsMs: round(firstRowsMs),
      pageLoadToTableMs: round(tableMs),
      targetPageLoadToTableMs: 1_500,
      rowsInDom: domRows,
      rendererJsHeapUsedMiB: round(metric('JSHeapUsedSize') / 2 ** 20),
      rendererJsHeapTotalMiB: round(metric('JSHeapTotalSize') / 2 ** 20),
      rendererDomNodes: metric('Nodes'),
      mainRssMiBAfterRender: round(rssAfterRender),
      mainRssMiBAfter15sPolling: round(rssMiB(mainPid)),
      targetMainRssMiB: 250,
      labRssMiB: round(rssMiB(lab.process.pid!)),
      warm: await (async () => {
        // A restart with the same data folder: the fleet cache the first launch wrote is shown
        // while the launch's first sync runs.
        const closing = host!;
        host = null;
        await closing.stop();
        const restarted = performance.now();
        host = await startHostProcess(dataDir, lab.readyLine, {}, MAIN_NODE_ARGS);
        const warmHostReadyMs = performance.now() - restarted;
        const warmPage = await browser.context.newPage();
        const warmTable = await loadTable(warmPage, host.url);
        return {
          hostReadyMs: round(warmHostReadyMs),
          pageLoadToFirstRowsMs: round(warmTable.firstRowsMs),
          pageLoadToTableMs: round(warmTable.tableMs),
          targetPageLoadToTableMs: 1_500,
        };
      })(),
    };
  } finally {
    await host?.stop();
    await lab.stop();
    await browser.close();
  }
}

async function refreshCost() {
  let bytes = 0;
  const lab = await startLab({ nodeCount: NODES, onExchange: (e) => (bytes += e.responseBytes) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-bench-'));
  const services = composeServices({
    host: { kind: 'web', version: 'bench', nativeDialogs: false },
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 's.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'k'))),
    log: quietLog,
    lab: { baseUrl: lab.baseUrl, token: lab.token, projectId: lab.projectId, nodeCount: NODES },
    pollIntervalMs: 3_600_000,
  });
  let patchBytes = 0;
  services.bus.on((event, payload) => event === 'fleet.changed' && (patchBytes += JSON.stringify(payload).length));
  const labSeedStart = performance.now();
  await services.start();
  await services.fleet.refresh();
  const firstSyncMs = performance.now() - labSeedStart;
  const firstPatchBytes = patchBytes;

  const measure = async (runs: number, mutate?: () => void) => {
    const total: number[] = [];
    const fetchMs: number[] = [];
    const diffMs: number[] = [];
    const wire: number[] = [];
    const patch: number[] = [];
    const kinds: string[] = [];
    const provider = (await services.connections.provider('lab')) as MetalProvider;
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
      // The loop waits FULL_SYNC_COST_FACTOR × a poll's cost (at least the 5 s steady interval).
      shareOfOneCorePercent: round((100 * median(total)) / Math.max(5_000, FULL_SYNC_COST_FACTOR * median(total) + median(total)), 1),
      targetShareOfOneCorePercent: 5,
      runs,
    };
  };

  const idle = await measure(7);
  const machines = lab.fleet.list();
  let cursor = 0;
  const changing = await measure(7, () => {
    // 1 % of the fleet changes state between polls (power off / power on).
    for (let k = 0; k < NODES / 100; k++) {
      const m = machines[cursor++ % machines.length]!;
      const action = m.state === 'active' ? 'power_off' : m.state === 'inactive' ? 'power_on' : null;
      if (action) lab.fleet.action(m.id, { type: action });
    }
  });
  services.stop();
  await lab.stop();
  return {
    firstSyncMs: round(firstSyncMs),
    firstPatchBytes,
    idlePoll: idle,
    pollWithOnePercentChanging: changing,
    ratioChangingToIdle: round(changing.medianMs / idle.medianMs, 2),
  };
}

export async function fleetBench() {
  return { nodes: NODES, startup: await startupInChromium(), refresh: await refreshCost() };
}
