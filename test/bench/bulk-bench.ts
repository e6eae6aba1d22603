/**
 * A bulk reinstall of 1,000 lab nodes under the lab's 600 requests/minute limit (printed, never
 * asserted). The lab runs in its own process and logs every request; the services run here, so
 * this process's RSS is main's without the lab, and the lab's is read from /proc apart. With
 * `consoles: 2` (the `team-bulk` part) two consoles on one PostgreSQL store (started here) each
 * reinstall half the nodes at once, sharing the lab's limit through the store. Figures:
 * the request rate achieved while there was work to send, as a share of the limit (the client paces
 * itself to the limit instead of running into 429s), the 429s it still got, the journal's cost per
 * step, and RSS of both sides during the run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labAccount } from '../../electron/lab/lab';
import { ensureLabKeys } from '../../electron/lab/lab-keys';
import { composeServices } from '../../electron/services/compose';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../../electron/services/vault/encrypted-file-store';
import { startLabProcess } from '../e2e/processes';
import { postgresMissing, startPostgres, type PostgresServer } from '../support/postgres';

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const round = (n: number, d = 1) => Number(n.toFixed(d));

export async function bulkBench(nodes = Number(process.env.IRONPANE_BENCH_BULK_NODES ?? 1_000), limitPerMinute = 600, consoles: 1 | 2 = 1) {
  if (consoles === 2 && postgresMissing()) return { skipped: `two consoles need a PostgreSQL store: ${postgresMissing()}` };
  const postgres: PostgresServer | null = consoles === 2 ? await startPostgres() : null;
  const store = postgres ? await postgres.createDatabase('bench') : undefined;
  const lab = await startLabProcess({
    IRONPANE_LAB_NODES: String(nodes),
    IRONPANE_LAB_TIME_SCALE: '0.002',
    IRONPANE_LAB_FAILURE_RATE: '0',
    IRONPANE_LAB_UPDATE_FAILURE_RATE: '0',
    IRONPANE_LAB_RATE_LIMIT: `${limitPerMinute}/60`,
    IRONPANE_LAB_LOG_REQUESTS: '1',
  });
  const desk = async (operator: string) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-bulk-bench-'));
    const secrets = new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key')));
    return composeServices({
      host: { kind: 'web', version: 'bench', nativeDialogs: false },
      paths: { dataDir },
      secrets,
      log: { info() {}, warn() {}, error() {} },
      lab: labAccount(lab.ready, await ensureLabKeys(secrets)),
      store,
      operator,
    });
  };
  const desks = consoles === 2 ? [await desk('alice'), await desk('bob')] : [await desk('bench')];
  try {
    for (const services of desks) await services.start();
    for (const services of desks) await services.fleet.refresh();
    const eligible = desks[0]!.fleet.snapshot().nodes.filter((n) => ['active', 'inactive'].includes(n.state));
    const rss = { mainMiB: [] as number[], labMiB: [] as number[] };
    const sample = setInterval(() => {
      rss.mainMiB.push(process.memoryUsage().rss / 2 ** 20);
      rss.labMiB.push(rssMiB(lab.process.pid!));
    }, 1_000);
    const started = Date.now();
    // Each console takes its share of the nodes, as two operators splitting a fleet would.
    const operations = await Promise.all(
      desks.map(async (services, i) => {
        const result = (await services.router.call('actions.reprovisionBulk', {
          nodeIds: eligible.filter((_, n) => n % desks.length === i).map((n) => n.id),
          operatingSystem: null,
          config: 'keep',
          preserveData: true,
          policy: { maxParallel: 100, canary: true, stopAfterFailures: 0 },
        })) as { ok: true; value: { operationId: string } };
        return { services, operationId: result.value.operationId };
      }),
    );
    type Detail = { status: string; done: number; failed: number; total: number };
    let detail: Detail = { status: 'running', done: 0, failed: 0, total: eligible.length };
    let lastReport = Date.now();
    while (detail.status === 'running') {
      await new Promise((r) => setTimeout(r, 1_000));
      const each = await Promise.all(
        operations.map(
          async ({ services, operationId }) => ((await services.router.call('operations.get', { operationId })) as { ok: true; value: Detail }).value,
        ),
      );
      detail = {
        status: each.some((d) => d.status === 'running') ? 'running' : each.every((d) => d.status === 'succeeded') ? 'succeeded' : 'failed',
        done: each.reduce((n, d) => n + d.done, 0),
        failed: each.reduce((n, d) => n + d.failed, 0),
        total: each.reduce((n, d) => n + d.total, 0),
      };
      if (Date.now() - lastReport >= 15_000) {
        lastReport = Date.now();
        const sent = lab.requests.filter((r) => r.at >= started);
        process.stderr.write(
          `[bulk] ${Math.round((Date.now() - started) / 1000)} s: ${detail.done}/${detail.total} done, ${detail.failed} failed; ${sent.length} requests (${sent.filter((r) => r.status === 429).length} × 429), ${lab.actions.get('reinstall')?.size ?? 0} reinstalls sent\n`,
        );
      }
    }
    const finished = Date.now();
    // A failed step's own words (a few), so a failure in the figures says why.
    const failedSteps: string[] = [];
    for (const { services, operationId } of operations) {
      const got = (await services.router.call('operations.get', { operationId })) as {
        ok: true;
        value: { steps: { state: string; hostname: string; message: string }[] };
      };
      for (const step of got.value.steps) if (step.state === 'failed' && failedSteps.length < 5) failedSteps.push(`${step.hostname}: ${step.message}`);
    }
    clearInterval(sample);
    const during = lab.requests.filter((r) => r.at >= started && r.at <= finished);
    const reinstalls = lab.actions.get('reinstall');
    const lastSend = Math.max(...during.filter((r) => r.status === 202).map((r) => r.at));
    // Counted per whole minute of the limit's window from the start, over the minutes that ended while
    // reinstalls were still waiting to be sent (the budget was the bottleneck then). A part-minute would
    // count a burst at a window's start against a fraction of a window.
    const windowMs = 60_000;
    const fullWindows = Math.max(1, Math.floor((lastSend - started) / windowMs));
    const perWindow = Array.from(
      { length: fullWindows },
      (_, i) => during.filter((r) => r.status !== 429 && r.at >= started + i * windowMs && r.at < started + (i + 1) * windowMs).length,
    );
    const achievedPerMinute = perWindow.reduce((a, b) => a + b, 0) / fullWindows;
    return {
      consoles,
      nodes: eligible.length,
      limitPerMinute,
      status: detail.status,
      done: detail.done,
      failed: detail.failed,
      failedSteps,
      reinstallsAccepted: reinstalls?.size ?? 0,
      reinstallsSentTwice: [...(reinstalls?.values() ?? [])].filter((n) => n > 1).length,
      runSeconds: round((finished - started) / 1000),
      requests: during.length,
      requests429: during.filter((r) => r.status === 429).length,
      requestsPerMinute: perWindow,
      achievedPerMinuteWhileSending: round(achievedPerMinute),
      nodesPerMinute: round(detail.done / ((finished - started) / 60_000)),
      requestsPerNode: round(during.length / Math.max(1, detail.done), 2),
      achievedRatio: round(achievedPerMinute / limitPerMinute, 3),
      targetRatio: 0.95,
      mainRssMiB: { max: round(Math.max(...rss.mainMiB)), last: round(rss.mainMiB.at(-1) ?? 0) },
      labRssMiB: { max: round(Math.max(...rss.labMiB)), last: round(rss.labMiB.at(-1) ?? 0) },
      note:
        consoles === 2
          ? 'main = this process, both consoles (services, no lab); the lab and PostgreSQL are their own processes; the two consoles share the limit through the store.'
          : 'main = this process (services, no lab); the lab is its own process. Journal cost per step: see operations.perStepMs.',
    };
  } finally {
    for (const services of desks) services.stop();
    await lab.stop();
    await postgres?.stop();
  }
}
