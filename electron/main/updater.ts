/**
 * Auto-update with electron-updater (docs/architecture.md#desktop-app): the feed (`latest-linux.yml`,
 * `latest-mac.yml`, `latest.yml`; `beta-*.yml` on the beta channel) is read on start and on demand,
 * the download is checked against the feed's sha512 by electron-updater before it is kept, progress
 * goes to the window, and "restart to update" waits while an operation runs or a console writes its
 * log. Imports only electron-updater's types: the updater object is passed in, so tests drive a real
 * electron-updater against a loopback feed with `electron` mocked.
 */
import type { AppUpdater, ProgressInfo, UpdateInfo } from 'electron-updater';
import type { UpdateChannel, UpdateState } from '../../shared/app-updates';
import { restartBlockedReason } from './desktop';

export interface UpdateControllerOptions {
  updater: AppUpdater;
  channel: UpdateChannel;
  /** Told every change, for the window. */
  onChange(state: UpdateState): void;
  /** What is going on now, for "may we restart?". */
  busy(): { runningOperations: number; loggingConsoles: number };
  log: { warn(message: string, fields?: Record<string, unknown>): void };
}

export class UpdateController {
  private current: UpdateState;

  constructor(private readonly options: UpdateControllerOptions) {
    const { updater } = options;
    this.current = {
      status: 'idle',
      channel: options.channel,
      currentVersion: updater.currentVersion.version,
      version: null,
      progress: null,
      error: null,
      restartBlockedReason: null,
      checkedAt: null,
    };
    updater.autoDownload = true;
    // Installing silently on quit would restart into a version nobody asked for mid-task; the user chooses.
    updater.autoInstallOnAppQuit = false;
    updater.allowDowngrade = false;
    this.applyChannel(options.channel);
    updater.on('checking-for-update', () => this.set({ status: 'checking', error: null }));
    updater.on('update-not-available', () => this.set({ status: 'current', version: null, progress: null, checkedAt: new Date().toISOString() }));
    updater.on('update-available', (info: UpdateInfo) =>
      this.set({ status: 'downloading', version: info.version, progress: 0, checkedAt: new Date().toISOString() }),
    );
    updater.on('download-progress', (progress: ProgressInfo) => this.set({ status: 'downloading', progress: Math.min(1, progress.percent / 100) }));
    updater.on('update-downloaded', (info: UpdateInfo) => this.set({ status: 'ready', version: info.version, progress: 1 }));
    updater.on('error', (error: Error) => {
      options.log.warn('update failed', { cause: error.message });
      this.set({ status: 'error', progress: null, error: plainUpdateError(error) });
    });
  }

  state(): UpdateState {
    return { ...this.current, restartBlockedReason: this.current.status === 'ready' ? restartBlockedReason(this.options.busy()) : null };
  }

  /** Reads the feed now; a found update downloads by itself. Resolves when the check (not the download) is done. */
  async check(): Promise<UpdateState> {
    if (this.current.status === 'checking' || this.current.status === 'downloading') return this.state();
    try {
      const result = await this.options.updater.checkForUpdates();
      // A failed download (a checksum mismatch) is reported through the 'error' event.
      void result?.downloadPromise?.catch(() => undefined);
    } catch (error) {
      // Also reported through the 'error' event; the state already says so.
      if (this.current.status !== 'error') this.set({ status: 'error', error: plainUpdateError(error as Error) });
    }
    return this.state();
  }

  setChannel(channel: UpdateChannel): UpdateState {
    this.applyChannel(channel);
    this.set({ channel, status: 'idle', version: null, progress: null, error: null });
    return this.state();
  }

  /** Restarts into the downloaded update, unless something running would be cut off. */
  install(): UpdateState {
    const state = this.state();
    if (state.status !== 'ready') return { ...state, error: 'There is no downloaded update to install.' };
    if (state.restartBlockedReason) return state;
    this.options.updater.quitAndInstall(false, true);
    return state;
  }

  private applyChannel(channel: UpdateChannel): void {
    // "beta" reads beta-*.yml and also accepts newer stable releases (electron-updater's channel rule).
    this.options.updater.channel = channel === 'beta' ? 'beta' : 'latest';
    this.options.updater.allowPrerelease = channel === 'beta';
  }

  private set(next: Partial<UpdateState>): void {
    this.current = { ...this.current, ...next };
    this.options.onChange(this.state());
  }
}

/** electron-updater's errors carry codes; say what they mean. */
export function plainUpdateError(error: Error & { code?: string }): string {
  const message = error.message ?? String(error);
  if (/sha512 checksum mismatch/i.test(message) || error.code === 'ERR_CHECKSUM_MISMATCH') {
    return 'The downloaded update did not match the checksum its feed published, so it was thrown away. Nothing was installed; try again later.';
  }
  if (error.code === 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND' || /Cannot find channel/i.test(message))
    return 'The update feed has no release for this platform and channel yet.';
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|net::ERR/i.test(message)) return 'The update server could not be reached; Ironpane will check again later.';
  return `The update failed: ${message.split('\n')[0]!.slice(0, 300)}`;
}
