/**
 * What the desktop shell asks the window to do (a native menu item, an `ironpane://` link), free of
 * schema code so the renderer can use it without bundling the validators. Navigation only: a link
 * comes from outside and must never start an action.
 */
export const APP_SCREENS = ['fleet', 'topology', 'config', 'rollouts', 'consoles', 'activity', 'connections'] as const;
export type AppScreen = (typeof APP_SCREENS)[number];

export type AppCommand =
  { command: 'navigate'; screen: AppScreen } | { command: 'openNode'; nodeId: string } | { command: 'focusSearch' } | { command: 'find' } | { command: 'copy' };
