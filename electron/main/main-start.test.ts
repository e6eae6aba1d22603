/**
 * The desktop's start with `electron` mocked: a second launch whose single-instance lock is refused
 * quits and returns before anything else starts (it used to call app.quit() and run on).
 */
import { describe, expect, it, vi } from 'vitest';

const app = {
  requestSingleInstanceLock: vi.fn(() => false),
  quit: vi.fn(),
  exit: vi.fn(),
  on: vi.fn(),
  whenReady: vi.fn(() => new Promise(() => undefined)),
  setAsDefaultProtocolClient: vi.fn(),
  getPath: vi.fn(() => '/nonexistent'),
};
vi.mock('electron', () => ({
  app,
  BrowserWindow: vi.fn(),
  dialog: { showErrorBox: vi.fn() },
  ipcMain: { handle: vi.fn() },
  Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn() },
  Notification: vi.fn(),
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  safeStorage: {},
  screen: { getAllDisplays: vi.fn(() => []) },
  session: {},
  shell: { openExternal: vi.fn() },
}));
vi.mock('electron-updater', () => ({ autoUpdater: {} }));

describe('desktop start', () => {
  it('quits and starts nothing when another instance holds the lock', async () => {
    await import('./main');
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.whenReady).not.toHaveBeenCalled();
    expect(app.on).not.toHaveBeenCalled();
    expect(app.setAsDefaultProtocolClient).not.toHaveBeenCalled();
  });
});
