/** `npm run serve`: the console in any browser on this machine, against the embedded lab. */
import { fileURLToPath } from 'node:url';
import { LabConnectionSchema, labOptionsFromEnv, type LabConnection } from '../../lab/lab';
import { tuneMainHeap } from '../../services/heap-tuning';
import { postgresLabel } from '../../services/store/store-backend';
import { defaultWebDataDir, launchWeb } from './launch';

async function main(): Promise<void> {
  tuneMainHeap();
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
  const stop = () => {
    void launch.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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
