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

const NODES = Number(process.env.BENCH_NODES ?? 10_000);
const quietLog = { info() {}, warn() {}, error() {} };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

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
    host = await startHostProcess(dataDir, lab.readyLine);
    const hostReadyMs = performance.now() - started;
    await page.goto(host.url);
    await page.locator('[role="row"][data-node-id]').first().waitFor({ timeout: 120_000 });
    const firstRowsMs = performance.now() - started;
    await page.getByRole('search').getByText(`${NODES} nodes`, { exact: true }).waitFor({ timeout: 120_000 });
    const renderedMs = performance.now() - started;
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
      firstRowsVisibleMs: round(firstRowsMs),
      tableRenderedMs: round(renderedMs),
      pageLoadToTableMs: round(renderedMs - hostReadyMs),
      targetPageLoadToTableMs: 1_500,
      rowsInDom: domRows,
      rendererJsHeapUsedMiB: round(metric('JSHeapUsedSize') / 2 ** 20),
      rendererJsHeapTotalMiB: round(metric('JSHeapTotalSize') / 2 ** 20),
      rendererDomNodes: metric('Nodes'),
      mainRssMiBAfterRender: round(rssAfterRender),
      mainRssMiBAfter15sPolling: round(rssMiB(mainPid)),
      targetMainRssMiB: 250,
      labRssMiB: round(rssMiB(lab.process.pid!)),
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
    const provider = (await services.accounts.provider('lab')) as MetalProvider;
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
  return { firstSyncMs: round(firstSyncMs), firstPatchBytes, idlePoll: idle, pollWithOnePercentChanging: changing, ratioChangingToIdle: round(changing.medianMs / idle.medianMs, 2) };
}

export async function fleetBench() {
  return { nodes: NODES, startup: await startupInChromium(), refresh: await refreshCost() };
}
