/**
 * Everything a web-host launch needs: the lab, the services with a key-file vault, the host. Used
 * by the `serve` CLI, the end-to-end tests and the bench, so all three run the same wiring.
 */
import os from 'node:os';
import path from 'node:path';
import { labAccount, startLab, type LabConnection, type LabOptions, type RunningLab } from '../../lab/lab';
import { ensureLabKeys } from '../../lab/lab-keys';
import { composeServices, type ComposeOptions, type Services } from '../../services/compose';
import { consoleLogger, type Logger } from '../../services/ports';
import { lockDataFolder, type FolderLock } from '../../services/store/folder-lock';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore, ensurePrivateDir } from '../../services/vault/encrypted-file-store';
import { startWebHost, type RunningWebHost } from './web-host';

export interface WebLaunchOptions {
  staticDir: string;
  dataDir: string;
  lab: (LabOptions & { enabled: boolean }) | null;
  /** A lab running in another process (`npm run lab`), reached like the embedded one; `lab` is then ignored. */
  externalLab?: LabConnection | null;
  port?: number;
  token?: string;
  log?: Logger;
  version?: string;
  compose?: Pick<
    ComposeOptions,
    'pollIntervalMs' | 'busyPollIntervalMs' | 'clientDefaults' | 'console' | 'schemaSources' | 'updatesPollIntervalMs' | 'store' | 'operator' | 'leaseMs'
  >;
}

export interface WebLaunch {
  host: RunningWebHost;
  lab: RunningLab | null;
  services: Services;
  stop(): Promise<void>;
}

export async function launchWeb(options: WebLaunchOptions): Promise<WebLaunch> {
  const log = options.log ?? consoleLogger('web-host');
  await ensurePrivateDir(options.dataDir, log);
  // One writer per data folder, taken before anything in it is read or resumed.
  const folderLock = lockDataFolder(options.dataDir);
  try {
    return await launchLocked(options, log, folderLock);
  } catch (error) {
    folderLock.release();
    throw error;
  }
}

async function launchLocked(options: WebLaunchOptions, log: Logger, folderLock: FolderLock): Promise<WebLaunch> {
  const secrets = new EncryptedFileSecretStore(
    path.join(options.dataDir, 'secrets.json'),
    await aesGcmKeyFileCipher(path.join(options.dataDir, 'vault.key')),
    log,
  );
  const external = options.externalLab ?? null;
  const labKeys = options.lab?.enabled || external ? await ensureLabKeys(secrets) : null;
  const lab =
    !external && options.lab?.enabled && labKeys
      ? await startLab({ ...options.lab, log, serial: { hostKey: labKeys.hostPrivateKey, authorizedKeys: [labKeys.userPublicKey] } })
      : null;
  const labReach = external ?? lab;
  const services = composeServices({
    host: { kind: 'web', version: options.version ?? '0.1.0', nativeDialogs: false },
    paths: { dataDir: options.dataDir },
    secrets,
    log,
    lab: labReach && labKeys ? labAccount(labReach, labKeys) : null,
    ...options.compose,
  });
  await services.start();
  const host = await startWebHost({ router: services.router, bus: services.bus, staticDir: options.staticDir, log, port: options.port, token: options.token });
  return {
    host,
    lab,
    services,
    async stop() {
      services.stop();
      await host.close();
      await lab?.stop();
      folderLock.release();
    },
  };
}

/** Where the web host keeps its own settings and vault (separate from the desktop app's). */
export function defaultWebDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IRONPANE_DATA_DIR) return path.resolve(env.IRONPANE_DATA_DIR);
  const home = os.homedir();
  const base =
    process.platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : process.platform === 'win32'
        ? (env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
        : (env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'));
  return path.join(base, 'Ironpane', 'web-host');
}
