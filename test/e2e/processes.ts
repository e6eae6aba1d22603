/**
 * The lab and the web host as processes of their own (the built `out/lab/lab.mjs` and
 * `out/web/serve.mjs`), for tests and benches that kill the host (SIGKILL) or measure it apart from
 * the lab. Each is started on 127.0.0.1 with ephemeral ports, read until it says it is ready, and
 * stopped by PID; whatever it printed to stderr is kept for the failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { LabConnectionSchema } from '../../electron/lab/lab';
import { ensureLabKeys } from '../../electron/lab/lab-keys';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../../electron/services/vault/encrypted-file-store';
import { ROOT } from './helpers';

export interface Child {
  process: ChildProcess;
  stderr(): string;
  /** The last lines it printed (its log), for a failure to carry. */
  stdout(): string;
  /** SIGKILL: no shutdown path runs, as when the OS kills it. */
  kill(): void;
  stop(): Promise<void>;
}

function start(script: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void, nodeArgs: string[] = []): Child {
  const file = path.join(ROOT, script);
  if (!existsSync(file)) throw new Error(`${script} is missing: run \`npm run build\` first (npm test does).`);
  const child = spawn(process.execPath, [...nodeArgs, file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
    onLine(line);
  });
  return {
    process: child,
    stderr: () => stderr,
    stdout: () => lines.join('\n'),
    kill: () => void child.kill('SIGKILL'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

function ready<T>(child: Child, wait: Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms: ${child.stderr()}`)), timeoutMs);
    child.process.once('exit', (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before it was ready: ${child.stderr()}`)));
    wait.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e as Error)),
    );
  });
}

/** The lab the kill-and-resume tests run: 52 nodes, fast (a reinstall in about a second), nothing failing by chance. */
export function startCrashLab() {
  return startLabProcess({
    IRONPANE_LAB_NODES: '52',
    IRONPANE_LAB_TIME_SCALE: '0.005',
    IRONPANE_LAB_FAILURE_RATE: '0',
    IRONPANE_LAB_UPDATE_FAILURE_RATE: '0',
  });
}

/** `npm run lab` in its own process; counts the device actions its API accepted, per device (and, if asked, every request). */
export async function startLabProcess(env: Record<string, string>) {
  let onReady: (line: string) => void = () => undefined;
  const readyLine = new Promise<string>((resolve) => (onReady = resolve));
  const actions = new Map<string, Map<string, number>>();
  const requests: { status: number; at: number }[] = [];
  const child = start('out/lab/lab.mjs', { IRONPANE_LAB_LOG_ACTIONS: '1', ...env }, (line) => {
    if (line.startsWith('{"ready"')) return onReady(line);
    if (line.startsWith('{"request"')) {
      const { request, at } = JSON.parse(line) as { request: number; at: number };
      return void requests.push({ status: request, at });
    }
    if (!line.startsWith('{"action"')) return;
    const { action, deviceId } = JSON.parse(line) as { action: string; deviceId: string };
    const perDevice = actions.get(action) ?? new Map<string, number>();
    perDevice.set(deviceId, (perDevice.get(deviceId) ?? 0) + 1);
    actions.set(action, perDevice);
  });
  const line = await ready(child, readyLine, 'The lab');
  return { ...child, readyLine: line, ready: LabConnectionSchema.parse((JSON.parse(line) as { ready: unknown }).ready), actions, requests };
}

/**
 * `npm run lab` with its serial gateway, keyed to the vault a host will open in `dataDir` (the
 * files launchWeb uses), so that host can log in to the lab's consoles.
 */
export async function startLabProcessForVault(dataDir: string, env: Record<string, string>) {
  const secrets = new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key')));
  const keys = await ensureLabKeys(secrets);
  return startLabProcess({ ...env, IRONPANE_LAB_HOST_KEY: keys.hostPrivateKey, IRONPANE_LAB_AUTHORIZED_KEY: keys.userPublicKey });
}

/**
 * `npm run serve` against a lab in another process; resolves with the launch URL it printed.
 * `nodeArgs` go to node itself (the bench passes `--cpu-prof` there: NODE_OPTIONS refuses it).
 */
export async function startHostProcess(dataDir: string, labReadyLine: string, env: Record<string, string> = {}, nodeArgs: string[] = []) {
  let onUrl: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (onUrl = resolve));
  let onFirstSync: (report: FirstSyncReport) => void = () => undefined;
  // With IRONPANE_REPORT_FIRST_SYNC=1 in env, the host prints how its event loop kept up through the first sync.
  const firstSync = new Promise<FirstSyncReport>((resolve) => (onFirstSync = resolve));
  const child = start(
    'out/web/serve.mjs',
    { IRONPANE_DATA_DIR: dataDir, IRONPANE_LAB_EXTERNAL: labReadyLine, IRONPANE_PORT: '0', ...env },
    (line) => {
      const match = /Open: (\S+)/.exec(line);
      if (match) onUrl(match[1]!);
      if (line.startsWith('{"firstSync"')) onFirstSync((JSON.parse(line) as { firstSync: FirstSyncReport }).firstSync);
    },
    nodeArgs,
  );
  return { ...child, url: await ready(child, url, 'The web host'), firstSync };
}

/** What the web host prints of its first sync (electron/hosts/web/serve.ts). */
export interface FirstSyncReport {
  ms: number;
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}
