/** `npm run serve`: the console in any browser on this machine, against the embedded lab. */
import { fileURLToPath } from 'node:url';
import { labOptionsFromEnv } from '../../lab/lab';
import { defaultWebDataDir, launchWeb } from './launch';

async function main(): Promise<void> {
  const lab = labOptionsFromEnv();
  const staticDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  const port = process.env.IRONPANE_PORT ? Number(process.env.IRONPANE_PORT) : 0;
  const launch = await launchWeb({ staticDir, dataDir: defaultWebDataDir(), lab, port });
  const labLine = launch.lab ? `lab fleet: ${launch.lab.nodeCount} nodes (IRONPANE_LAB_NODES), time scale ${lab.timeScale}` : 'lab fleet: off';
  process.stdout.write(
    [
      '',
      '  Ironpane web host is running.',
      `  Open: ${launch.host.launchUrl}`,
      `  (${labLine}; the token in the link is required and changes every launch)`,
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

main().catch((error: unknown) => {
  process.stderr.write(`Ironpane web host failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
