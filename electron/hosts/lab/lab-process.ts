/**
 * `npm run lab`: the embedded lab in a process of its own, so a host can be killed (SIGKILL) and
 * started again against the same fleet, and its memory is measured apart from the host's. Settings
 * come from the same IRONPANE_LAB_* variables as the embedded lab; the serial gateway's host key
 * and the one user key it accepts come from IRONPANE_LAB_HOST_KEY and IRONPANE_LAB_AUTHORIZED_KEY
 * (without them there is no gateway). It prints one JSON line, `{"ready": …}`, with everything a host
 * needs to reach it (IRONPANE_LAB_EXTERNAL for `npm run serve`), and with IRONPANE_LAB_LOG_ACTIONS=1
 * one line per device action the API accepted (`{"action": "reinstall", "deviceId": …}`); with
 * IRONPANE_LAB_LOG_REQUESTS=1 one line per request (`{"request": 200, "at": …}`, for the bench).
 */
import { labConnection, labOptionsFromEnv, startLab } from '../../lab/lab';
import { consoleLogger } from '../../services/ports';

async function main(): Promise<void> {
  const env = process.env;
  const options = labOptionsFromEnv(env);
  const hostKey = env.IRONPANE_LAB_HOST_KEY;
  const authorizedKey = env.IRONPANE_LAB_AUTHORIZED_KEY;
  const logActions = env.IRONPANE_LAB_LOG_ACTIONS === '1';
  const logRequests = env.IRONPANE_LAB_LOG_REQUESTS === '1';
  const lab = await startLab({
    ...options,
    port: env.IRONPANE_LAB_PORT ? Number(env.IRONPANE_LAB_PORT) : 0,
    log: consoleLogger('lab'),
    serial: hostKey && authorizedKey ? { hostKey, authorizedKeys: [authorizedKey] } : undefined,
    onExchange:
      logActions || logRequests
        ? (e) => {
            if (logRequests) process.stdout.write(`${JSON.stringify({ request: e.status, at: Date.now() })}\n`);
            if (!logActions) return;
            const match = /\/devices\/([^/]+)\/actions$/.exec(e.path);
            const type = (e.requestBody as { type?: unknown } | undefined)?.type;
            if (e.method === 'POST' && match && e.status === 202 && typeof type === 'string')
              process.stdout.write(`${JSON.stringify({ action: type, deviceId: match[1] })}\n`);
          }
        : undefined,
  });
  const ready = labConnection(lab);
  process.stdout.write(`${JSON.stringify({ ready })}\n`);
  const stop = () => void lab.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`The lab failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
