/** `npm run serve`: the console in any browser on this machine, against the embedded lab. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LabConnectionSchema, labOptionsFromEnv, type LabConnection } from '../../lab/lab';
import { tuneMainHeap } from '../../services/heap-tuning';
import { postgresLabel } from '../../services/store/store-backend';
import type { IntervalHistogram } from 'node:perf_hooks';
import { defaultWebDataDir, launchWeb, type WebLaunch } from './launch';

async function main(): Promise<void> {
  tuneMainHeap();
  // IRONPANE_REPORT_FIRST_SYNC=1 (the bench): how main's event loop kept up from launch until every
  // connection's first sync answered, printed as one `{"firstSync": …}` line.
  const loopDelay = process.env.IRONPANE_REPORT_FIRST_SYNC === '1' ? monitorEventLoopDelay({ resolution: 5 }) : null;
  loopDelay?.enable();
  const launchedAt = performance.now();
  const lab = labOptionsFromEnv();
  const staticDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  const port = process.env.IRONPANE_PORT ? Number(process.env.IRONPANE_PORT) : 0;
  // IRONPANE_LAB_EXTERNAL: the `{"ready": …}` line of `npm run lab` (or its value), to use a lab in its own process.
  const externalLab = process.env.IRONPANE_LAB_EXTERNAL ? parseExternalLab(process.env.IRONPANE_LAB_EXTERNAL) : null;
  // IRONPANE_STORE: a team's PostgreSQL (README: Running Ironpane for a team); IRONPANE_OPERATOR: the name audit rows carry.
  // IRONPANE_LEASE_MS: how soon another console takes over from one that died (default 30 s; tests shorten it).
  const leaseMs = Number(process.env.IRONPANE_LEASE_MS);
  const compose = {
    store: process.env.IRONPANE_STORE,
    operator: process.env.IRONPANE_OPERATOR,
    leaseMs: Number.isFinite(leaseMs) && leaseMs >= 1_000 ? leaseMs : undefined,
  };
  const launch = await launchWeb({ staticDir, dataDir: defaultWebDataDir(), lab, externalLab, port, compose });
  const labLine = externalLab
    ? `lab fleet: ${externalLab.nodeCount} nodes in another process (${externalLab.baseUrl})`
    : launch.lab
      ? `lab fleet: ${launch.lab.nodeCount} nodes (IRONPANE_LAB_NODES), time scale ${lab.timeScale}`
      : 'lab fleet: off';
  process.stdout.write(
    [
      '',
      '  Ironpane web host is running.',
      `  Open: ${launch.host.launchUrl}`,
      `  (${labLine}; the token in the link is required and changes every launch)`,
      `  store: ${compose.store?.trim() ? `shared, ${postgresLabel(compose.store)}` : 'this data folder (ironpane.db)'}`,
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n') + '\n',
  );
  if (loopDelay) reportFirstSync(launch.services, loopDelay, launchedAt);
  const stop = () => {
    void launch.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function reportFirstSync(services: WebLaunch['services'], loopDelay: IntervalHistogram, launchedAt: number): void {
  const timer = setInterval(() => {
    const ids = services.connections.ids();
    if (ids.length === 0 || ids.some((id) => services.fleet.syncOf(id).status !== 'ok')) return;
    clearInterval(timer);
    loopDelay.disable();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const firstSync = {
      ms: Math.round(performance.now() - launchedAt),
      eventLoopP50Ms: ms(loopDelay.percentile(50)),
      eventLoopP99Ms: ms(loopDelay.percentile(99)),
      eventLoopMaxMs: ms(loopDelay.max),
    };
    process.stdout.write(`${JSON.stringify({ firstSync })}\n`);
  }, 50);
  timer.unref();
}

function parseExternalLab(text: string): LabConnection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('IRONPANE_LAB_EXTERNAL must be the JSON line `npm run lab` printed');
  }
  const parsed = LabConnectionSchema.safeParse((value as { ready?: unknown } | null)?.ready ?? value);
  if (!parsed.success)
    throw new Error(`IRONPANE_LAB_EXTERNAL: ${parsed.error.issues[0]?.path.join('.') || 'value'} ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
  return parsed.data;
}

main().catch((error: unknown) => {
  process.stderr.write(`Ironpane web host failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
