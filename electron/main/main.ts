/** The desktop app: lifecycle, the hardened window, app:// and IPC. Everything else is services. */
import path from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, screen, session, shell } from 'electron';
import { autoUpdater } from 'electron-updater';
import type { AppCommand } from '../../shared/app-commands';
import type { UpdateChannel } from '../../shared/app-updates';
import type { OperationSummary } from '../../shared/model';
import { deepLinkFromArgv, finishedNotification, LINK_SCHEME, menuTemplate, parseDeepLink } from './desktop';
import { UpdateController } from './updater';
import { loadWindowState, trackWindowState } from './window-state';
import { labAccount, labOptionsFromEnv, startLab, type RunningLab } from '../lab/lab';
import { ensureLabKeys } from '../lab/lab-keys';
import { composeServices, type Services } from '../services/compose';
import { tuneMainHeap } from '../services/heap-tuning';
import { lockDataFolder, type FolderLock } from '../services/store/folder-lock';
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
let folderLock: FolderLock | null = null;

/** A link that arrived before the window could take it (the first launch, or macOS open-url early). */
let pendingCommand: AppCommand | null = deepLinkFromArgv(process.argv);

function sendCommand(command: AppCommand): void {
  if (!services || !mainWindow) {
    pendingCommand = command;
    return;
  }
  services.bus.emit('app.command', command);
}

function focusWindow(): void {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.show();
  mainWindow?.focus();
}

async function start(): Promise<void> {
  tuneMainHeap();
  const outDir = path.join(__dirname, '..');
  const labOptions = labOptionsFromEnv();
  const dataDir = app.getPath('userData');
  await ensurePrivateDir(dataDir, log);
  // One writer per data folder, before anything in it is read (electron's single-instance lock is
  // per user and app name; a second copy pointed at the same folder another way is refused here).
  folderLock = lockDataFolder(dataDir);
  const vault = await desktopVault(safeStorage, dataDir);
  const secrets = new EncryptedFileSecretStore(vault.file, vault.cipher, log);
  const labKeys = labOptions.enabled ? await ensureLabKeys(secrets) : null;
  lab = labKeys ? await startLab({ ...labOptions, serial: { hostKey: labKeys.hostPrivateKey, authorizedKeys: [labKeys.userPublicKey] } }) : null;
  // Self-update only where electron-builder published a feed (app-update.yml in the resources).
  const updates = app.isPackaged && existsSync(path.join(process.resourcesPath, 'app-update.yml')) ? createUpdates(dataDir) : null;
  services = composeServices({
    host: { kind: 'desktop', version: app.getVersion(), nativeDialogs: true },
    paths: { dataDir },
    secrets,
    log,
    lab: lab && labKeys ? labAccount(lab, labKeys) : null,
    openExternal: (url) => shell.openExternal(url),
    updates: updates ?? undefined,
    // A team's shared store and the operator's name (README: Running Ironpane for a team).
    store: process.env.IRONPANE_STORE,
    operator: process.env.IRONPANE_OPERATOR,
  });
  await services.start();
  notifyFinishedOperations(services);
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, app.name, sendCommand, { checkForUpdates: () => void updates?.check() })));

  denyAllPermissions(session.defaultSession);
  protocol.handle('app', createAppProtocolHandler(path.join(outDir, 'renderer')));
  registerIpc(ipcMain, services.router, () => mainWindow?.webContents ?? null);
  forwardEvents(services.bus, () => mainWindow?.webContents ?? null);

  const placement = await loadWindowState(
    dataDir,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  mainWindow = new BrowserWindow({ ...mainWindowOptions(path.join(outDir, 'preload', 'preload.cjs')), ...placement.bounds });
  trackWindowState(mainWindow, dataDir);
  mainWindow.once('ready-to-show', () => {
    if (placement.maximized) mainWindow?.maximize();
    mainWindow?.show();
  });
  mainWindow.webContents.once('did-finish-load', () => {
    if (pendingCommand) sendCommand(pendingCommand);
    pendingCommand = null;
    // A first check a little after start, so it never competes with the first fleet sync.
    setTimeout(() => void updates?.check(), 10_000).unref();
  });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  await mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
}

function createUpdates(dataDir: string): UpdateController {
  const channelFile = path.join(dataDir, 'update-channel');
  let channel: UpdateChannel = 'stable';
  try {
    channel = readFileSync(channelFile, 'utf8').trim() === 'beta' ? 'beta' : 'stable';
  } catch {
    // First start: stable.
  }
  const controller = new UpdateController({
    updater: autoUpdater,
    channel,
    onChange: (state) => {
      services?.bus.emit('app.updateChanged', state);
      writeFileSync(channelFile, state.channel);
    },
    busy: () => services?.busy() ?? { runningOperations: 0, loggingConsoles: 0 },
    log,
  });
  return controller;
}

/** A notification when an operation finishes while the window is in the background. */
function notifyFinishedOperations(running: Services): void {
  const last = new Map<string, OperationSummary['status']>();
  running.bus.on((event, payload) => {
    if (event !== 'operations.changed') return;
    const summary = payload as OperationSummary;
    const note = finishedNotification(last.get(summary.id), summary, mainWindow?.isFocused() ?? false);
    last.set(summary.id, summary.status);
    if (summary.status !== 'running') last.delete(summary.id);
    if (note && Notification.isSupported()) {
      const shown = new Notification({ title: note.title, body: note.body, silent: false });
      shown.on('click', () => {
        focusWindow();
        sendCommand({ command: 'navigate', screen: 'activity' });
      });
      shown.show();
    }
  });
}

/**
 * Everything the app does once it holds the single-instance lock. A second launch hands its link to
 * the first and returns here before anything else starts (it used to quit but run on, start-up and all).
 */
export function run(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.setAsDefaultProtocolClient(LINK_SCHEME);
  app.on('second-instance', (_event, argv) => {
    focusWindow();
    const command = deepLinkFromArgv(argv);
    if (command) sendCommand(command);
  });
  // macOS hands links to the running app.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    focusWindow();
    const command = parseDeepLink(url);
    if (command) sendCommand(command);
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (url) => void shell.openExternal(url)));
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // A refused start (another Ironpane on this folder, a damaged database) says why, then quits.
      log.error('startup failed', { cause: error });
      dialog.showErrorBox('Ironpane could not start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    services?.stop();
    void lab?.stop();
    folderLock?.release();
  });
}

run();
