/** The desktop app: lifecycle, the hardened window, app:// and IPC. Everything else is services. */
import path from 'node:path';
import { app, BrowserWindow, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { labAccount, labOptionsFromEnv, startLab, type RunningLab } from '../lab/lab';
import { ensureLabKeys } from '../lab/lab-keys';
import { composeServices, type Services } from '../services/compose';
import { consoleLogger } from '../services/ports';
import { EncryptedFileSecretStore, ensurePrivateDir } from '../services/vault/encrypted-file-store';
import { desktopVault } from './adapters/safe-storage-cipher';
import { createAppProtocolHandler } from './app-protocol';
import { forwardEvents, registerIpc } from './ipc';
import { APP_ORIGIN, denyAllPermissions, guardWebContents, mainWindowOptions } from './security';

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const log = consoleLogger('main');
let mainWindow: BrowserWindow | null = null;
let services: Services | null = null;
let lab: RunningLab | null = null;

if (!app.requestSingleInstanceLock()) app.quit();

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (url) => void shell.openExternal(url)));

async function start(): Promise<void> {
  const outDir = path.join(__dirname, '..');
  const labOptions = labOptionsFromEnv();
  const dataDir = app.getPath('userData');
  await ensurePrivateDir(dataDir, log);
  const vault = await desktopVault(safeStorage, dataDir);
  const secrets = new EncryptedFileSecretStore(vault.file, vault.cipher, log);
  const labKeys = labOptions.enabled ? await ensureLabKeys(secrets) : null;
  lab = labKeys ? await startLab({ ...labOptions, serial: { hostKey: labKeys.hostPrivateKey, authorizedKeys: [labKeys.userPublicKey] } }) : null;
  services = composeServices({
    host: { kind: 'desktop', version: app.getVersion(), nativeDialogs: true },
    paths: { dataDir },
    secrets,
    log,
    lab: lab && labKeys ? labAccount(lab, labKeys) : null,
    openExternal: (url) => shell.openExternal(url),
  });
  await services.start();

  denyAllPermissions(session.defaultSession);
  protocol.handle('app', createAppProtocolHandler(path.join(outDir, 'renderer')));
  registerIpc(ipcMain, services.router, () => mainWindow?.webContents ?? null);
  forwardEvents(services.bus, () => mainWindow?.webContents ?? null);

  mainWindow = new BrowserWindow(mainWindowOptions(path.join(outDir, 'preload', 'preload.cjs')));
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  await mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
}

app.whenReady().then(start, (error: unknown) => log.error('startup failed', { cause: error }));

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => {
  services?.stop();
  void lab?.stop();
});
