/**
 * The habits of a desktop app, as decisions free of Electron's objects so they can be tested with
 * `electron` mocked (docs/architecture.md#desktop-app): `ironpane://` links, where the window opens,
 * the native menu, when to notify, and when an update may restart the app.
 */
import type { MenuItemConstructorOptions, Rectangle } from 'electron';
import type { AppCommand } from '../../shared/contract';
import type { OperationSummary } from '../../shared/model';

// ---- ironpane:// links -------------------------------------------------------------------------

export const LINK_SCHEME = 'ironpane';
const MAX_LINK_LENGTH = 2048;

/**
 * `ironpane://node/<node id>` opens that node. Anything else is ignored: a link comes from outside
 * (a browser, a chat message), so it can only navigate, never act.
 */
export function parseDeepLink(text: string): AppCommand | null {
  if (text.length > MAX_LINK_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== `${LINK_SCHEME}:` || url.username || url.password) return null;
  const segments = url.pathname.split('/').filter(Boolean);
  if (url.hostname === 'node' && segments.length === 1) {
    let nodeId: string;
    try {
      nodeId = decodeURIComponent(segments[0]!);
    } catch {
      return null;
    }
    const printable = [...nodeId].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);
    return nodeId && nodeId.length <= 300 && printable ? { command: 'openNode', nodeId } : null;
  }
  return null;
}

/** Windows and Linux pass a link as a command-line argument (to the first launch or, via `second-instance`, to the running one). */
export function deepLinkFromArgv(argv: readonly string[]): AppCommand | null {
  for (const arg of argv) {
    if (arg.startsWith(`${LINK_SCHEME}://`)) return parseDeepLink(arg);
  }
  return null;
}

// ---- window placement --------------------------------------------------------------------------

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1440, height: 900 };
const MIN_VISIBLE = 100;

/**
 * Where the window opens: where it was, if that is still on a screen (a monitor may have been
 * unplugged since), shrunk to fit the screen it is on; otherwise centred on the primary screen.
 */
export function restoreBounds(saved: WindowState | null, workAreas: readonly Rectangle[]): WindowState {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  const centred = (area: Rectangle, width: number, height: number): Rectangle => ({
    width,
    height,
    x: Math.round(area.x + (area.width - width) / 2),
    y: Math.round(area.y + (area.height - height) / 2),
  });
  if (saved) {
    const { bounds } = saved;
    const area = workAreas.find(
      (a) =>
        bounds.x + bounds.width - MIN_VISIBLE >= a.x &&
        bounds.x + MIN_VISIBLE <= a.x + a.width &&
        bounds.y >= a.y - 10 &&
        bounds.y + MIN_VISIBLE <= a.y + a.height,
    );
    if (area) {
      const width = Math.min(Math.max(bounds.width, 800), area.width);
      const height = Math.min(Math.max(bounds.height, 560), area.height);
      const x = Math.min(Math.max(bounds.x, area.x), area.x + area.width - width);
      const y = Math.min(Math.max(bounds.y, area.y), area.y + area.height - height);
      return { bounds: { x, y, width, height }, maximized: saved.maximized };
    }
  }
  const width = Math.min(DEFAULT_SIZE.width, primary.width);
  const height = Math.min(DEFAULT_SIZE.height, primary.height);
  return { bounds: centred(primary, width, height), maximized: saved?.maximized ?? false };
}

/** A window-state.json that is not one (hand-edited, truncated) counts as none. */
export function readWindowState(value: unknown): WindowState | null {
  const v = value as WindowState | null;
  const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
  if (!v || typeof v !== 'object' || !v.bounds || typeof v.maximized !== 'boolean') return null;
  const { x, y, width, height } = v.bounds;
  if (![x, y, width, height].every(finite) || width <= 0 || height <= 0) return null;
  return { bounds: { x, y, width, height }, maximized: v.maximized };
}

// ---- menu ---------------------------------------------------------------------------------------

export const SCREEN_MENU: { screen: Extract<AppCommand, { command: 'navigate' }>['screen']; label: string }[] = [
  { screen: 'fleet', label: 'Fleet' },
  { screen: 'topology', label: 'Topology' },
  { screen: 'config', label: 'Config' },
  { screen: 'rollouts', label: 'Rollouts' },
  { screen: 'consoles', label: 'Consoles' },
  { screen: 'activity', label: 'Activity' },
  { screen: 'connections', label: 'Connections' },
];

/**
 * The native menu: the platform's usual menus and accelerators (roles do the right thing on each
 * OS), plus Ironpane's own — screens on Alt+1…7 as in the window, search, and the console's find and
 * copy. Commands go to the window as `app.command`.
 */
export function menuTemplate(
  platform: NodeJS.Platform,
  appName: string,
  send: (command: AppCommand) => void,
  actions: { checkForUpdates(): void },
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const go: MenuItemConstructorOptions[] = SCREEN_MENU.map((item, index) => ({
    label: item.label,
    accelerator: `Alt+${index + 1}`,
    click: () => send({ command: 'navigate', screen: item.screen }),
  }));
  return [
    ...(mac
      ? [
          {
            label: appName,
            submenu: [
              { role: 'about' },
              { label: 'Check for Updates…', click: () => actions.checkForUpdates() },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    { label: '&File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
        { type: 'separator' },
        { label: 'Search Nodes', accelerator: 'CmdOrCtrl+K', click: () => send({ command: 'focusSearch' }) },
        { label: 'Find in Console', accelerator: 'CmdOrCtrl+Shift+F', click: () => send({ command: 'find' }) },
        { label: 'Copy Console Selection', accelerator: 'CmdOrCtrl+Shift+C', click: () => send({ command: 'copy' }) },
      ],
    },
    { label: '&View', submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { label: '&Go', submenu: go },
    { role: 'windowMenu' },
    { role: 'help', submenu: mac ? [] : [{ label: 'Check for Updates…', click: () => actions.checkForUpdates() }, { role: 'about' }] },
  ];
}

// ---- notifications ------------------------------------------------------------------------------

/**
 * A notification when an operation finishes while the window is in the background: a long bulk
 * reinstall should not need watching. Only on the change to finished, and never for one the
 * operator is looking at.
 */
export function finishedNotification(
  previous: OperationSummary['status'] | undefined,
  now: OperationSummary,
  windowFocused: boolean,
): { title: string; body: string } | null {
  if (windowFocused || now.status === 'running' || previous !== 'running') return null;
  const failed = now.failed > 0 || now.status === 'failed';
  return {
    title: failed ? `${now.label}: ${now.failed} of ${now.total} failed` : `${now.label}: done`,
    body: failed ? 'Open Activity in Ironpane to see which nodes failed and retry them.' : `${now.done} of ${now.total} verified.`,
  };
}

// ---- updates --------------------------------------------------------------------------------------

/**
 * Why "restart to update" must wait, or null: never in the middle of an operation (it would resume,
 * but a person started it and expects it to finish), nor while a console is writing its log.
 */
export function restartBlockedReason(state: { runningOperations: number; loggingConsoles: number }): string | null {
  if (state.runningOperations > 0)
    return `${state.runningOperations} operation${state.runningOperations === 1 ? ' is' : 's are'} running; restart when ${state.runningOperations === 1 ? 'it finishes' : 'they finish'}.`;
  if (state.loggingConsoles > 0)
    return `${state.loggingConsoles} console${state.loggingConsoles === 1 ? ' is' : 's are'} logging to a file; close ${state.loggingConsoles === 1 ? 'it' : 'them'} first.`;
  return null;
}
