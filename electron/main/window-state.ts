/**
 * Keeps the window's size, position and maximised state in window-state.json (userData) and
 * restores it on a screen that is still there (desktop.ts decides where).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BrowserWindow, Rectangle } from 'electron';
import { readWindowState, restoreBounds, type WindowState } from './desktop';
import { writeFileAtomic } from '../services/files/safe-files';

export async function loadWindowState(dataDir: string, workAreas: readonly Rectangle[]): Promise<WindowState> {
  const saved = await fs
    .readFile(path.join(dataDir, 'window-state.json'), 'utf8')
    .then((text) => readWindowState(JSON.parse(text)))
    .catch(() => null);
  return restoreBounds(saved, workAreas);
}

/** Saves on move, resize and maximise (debounced) and once more on close. */
export function trackWindowState(window: BrowserWindow, dataDir: string): void {
  let timer: NodeJS.Timeout | null = null;
  const save = () => {
    if (window.isDestroyed()) return;
    const state: WindowState = { bounds: window.getNormalBounds(), maximized: window.isMaximized() };
    void writeFileAtomic(path.join(dataDir, 'window-state.json'), JSON.stringify(state), 0o600).catch(() => undefined);
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(event as 'resize', later);
  window.on('close', () => {
    if (timer) clearTimeout(timer);
    save();
  });
}
