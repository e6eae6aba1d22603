/** Desktop habits with `electron` mocked: one instance, ironpane:// links, window placement, the menu, notifications. */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

const app = Object.assign(new EventEmitter(), {
  requestSingleInstanceLock: vi.fn(() => true),
  setAsDefaultProtocolClient: vi.fn(),
  quit: vi.fn(),
  whenReady: () => new Promise(() => undefined),
});
vi.mock('electron', () => ({
  app,
  protocol: { registerSchemesAsPrivileged: vi.fn() },
  BrowserWindow: class {},
  Menu: { buildFromTemplate: vi.fn(), setApplicationMenu: vi.fn() },
  Notification: class {},
  ipcMain: {},
  safeStorage: {},
  screen: {},
  session: {},
  shell: {},
  autoUpdater: {},
}));
vi.mock('electron-updater', () => ({ autoUpdater: {} }));

import type { MenuItemConstructorOptions } from 'electron';
import type { OperationSummary } from '../../shared/model';
import { deepLinkFromArgv, finishedNotification, menuTemplate, parseDeepLink, readWindowState, restoreBounds } from './desktop';

describe('ironpane:// links', () => {
  it('open a node, and nothing else', () => {
    expect(parseDeepLink('ironpane://node/lab%3Aabc-123')).toEqual({ command: 'openNode', nodeId: 'lab:abc-123' });
    expect(parseDeepLink('ironpane://node/lab:abc/extra')).toBeNull();
    expect(parseDeepLink('ironpane://power/lab:abc')).toBeNull();
    expect(parseDeepLink('https://node/lab:abc')).toBeNull();
    expect(parseDeepLink('ironpane://user:pw@node/x')).toBeNull();
    expect(parseDeepLink('ironpane://node/%E0%A4%A')).toBeNull();
    expect(parseDeepLink('ironpane://node/a%0Ab')).toBeNull();
    expect(parseDeepLink(`ironpane://node/${'a'.repeat(3000)}`)).toBeNull();
    expect(parseDeepLink('not a url')).toBeNull();
  });

  it('are found among the arguments a launch carries (Windows, Linux)', () => {
    expect(deepLinkFromArgv(['/opt/Ironpane/ironpane', '--no-sandbox', 'ironpane://node/lab%3Ax'])).toEqual({ command: 'openNode', nodeId: 'lab:x' });
    expect(deepLinkFromArgv(['/opt/Ironpane/ironpane'])).toBeNull();
  });
});

describe('single instance', () => {
  it('a second launch focuses the first and hands it its link', async () => {
    await import('./main');
    expect(app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(app.setAsDefaultProtocolClient).toHaveBeenCalledWith('ironpane');
    expect(app.quit).not.toHaveBeenCalled();
    expect(app.listenerCount('second-instance')).toBe(1);
    // Before the window exists, the link waits; nothing throws.
    expect(() => app.emit('second-instance', {}, ['ironpane', 'ironpane://node/lab%3Ax'])).not.toThrow();
    const event = { preventDefault: vi.fn() };
    app.emit('open-url', event, 'ironpane://node/lab%3Ay');
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('window placement', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 875 };
  const monitor = { x: 1440, y: 0, width: 2560, height: 1415 };

  it('opens where it was, when that screen is still there', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 1800, height: 1000 }, maximized: true };
    expect(restoreBounds(saved, [laptop, monitor])).toEqual(saved);
  });

  it('comes back onto a screen when its monitor was unplugged, and fits a smaller one', () => {
    const onMonitor = { bounds: { x: 1600, y: 100, width: 2400, height: 1300 }, maximized: false };
    const restored = restoreBounds(onMonitor, [laptop]);
    expect(restored.bounds).toEqual({ x: 0, y: 0, width: 1440, height: 875 });
    const tooBig = restoreBounds({ bounds: { x: 10, y: 10, width: 3000, height: 2000 }, maximized: false }, [laptop]);
    expect(tooBig.bounds).toEqual({ x: 0, y: 0, width: 1440, height: 875 });
  });

  it('centres a first start on the primary screen, and ignores a broken state file', () => {
    expect(restoreBounds(null, [{ x: 0, y: 0, width: 1920, height: 1080 }]).bounds).toEqual({ x: 240, y: 90, width: 1440, height: 900 });
    expect(readWindowState({ bounds: { x: 'a', y: 0, width: 1, height: 1 }, maximized: false })).toBeNull();
    expect(readWindowState({ bounds: { x: 0, y: 0, width: -5, height: 1 }, maximized: false })).toBeNull();
    expect(readWindowState(null)).toBeNull();
    expect(readWindowState({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: true })).toEqual({
      bounds: { x: 1, y: 2, width: 3, height: 4 },
      maximized: true,
    });
  });
});

describe('native menu', () => {
  const flatten = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
    items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);

  it('has the usual roles and accelerators, the screens on Alt+1…7, and console find/copy', () => {
    const sent: unknown[] = [];
    const check = vi.fn();
    const items = flatten(menuTemplate('linux', 'Ironpane', (c) => sent.push(c), { checkForUpdates: check }));
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit', 'togglefullscreen', 'zoomIn'])
      expect(items.some((i) => i.role === role)).toBe(true);
    const byLabel = (label: string) => items.find((i) => i.label === label)!;
    expect(byLabel('Fleet').accelerator).toBe('Alt+1');
    expect(byLabel('Connections').accelerator).toBe('Alt+7');
    expect(byLabel('Search Nodes').accelerator).toBe('CmdOrCtrl+K');
    expect(byLabel('Find in Console').accelerator).toBe('CmdOrCtrl+Shift+F');
    for (const label of ['Topology', 'Search Nodes', 'Find in Console', 'Copy Console Selection']) (byLabel(label).click as () => void)();
    expect(sent).toEqual([{ command: 'navigate', screen: 'topology' }, { command: 'focusSearch' }, { command: 'find' }, { command: 'copy' }]);
    (byLabel('Check for Updates…').click as () => void)();
    expect(check).toHaveBeenCalled();
  });

  it('puts the app menu first on macOS', () => {
    const [first] = menuTemplate('darwin', 'Ironpane', () => undefined, { checkForUpdates: () => undefined });
    expect(first!.label).toBe('Ironpane');
  });
});

describe('notifications', () => {
  const op = (status: OperationSummary['status'], failed = 0): OperationSummary => ({
    id: 'op1',
    kind: 'reinstall',
    label: 'Reprovision 40 nodes',
    actor: 'ops',
    createdAt: '',
    finishedAt: null,
    status,
    control: 'run',
    policy: null,
    total: 40,
    done: 40 - failed,
    failed,
    cancelled: 0,
    retriedBy: null,
    inFlight: 0,
    etaMs: null,
  });

  it('tells a person in another window when a long operation finishes, once', () => {
    expect(finishedNotification('running', op('succeeded'), false)).toEqual({ title: 'Reprovision 40 nodes: done', body: '40 of 40 verified.' });
    expect(finishedNotification('running', op('failed', 3), false)).toMatchObject({ title: 'Reprovision 40 nodes: 3 of 40 failed' });
    expect(finishedNotification('running', op('succeeded'), true)).toBeNull();
    expect(finishedNotification(undefined, op('succeeded'), false)).toBeNull();
    expect(finishedNotification('running', op('running'), false)).toBeNull();
  });
});
