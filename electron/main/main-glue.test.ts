/** The desktop shell with `electron` mocked: window options, guards, IPC sender checks, app://, preload. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: { invoke: vi.fn(async () => ({ ok: true, value: 'from-main' })), on: vi.fn(), removeListener: vi.fn() },
}));

import { IPC_CHANNELS } from '../../shared/contract/names';
import { createAppProtocolHandler } from './app-protocol';
import { isTrustedSender, registerIpc } from './ipc';
import { denyAllPermissions, guardWebContents, isAppUrl, mainWindowOptions } from './security';

describe('window security', () => {
  it('uses an isolated, sandboxed renderer without Node', () => {
    const prefs = mainWindowOptions('/app/preload.cjs').webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(prefs.preload).toBe('/app/preload.cjs');
  });

  it('recognises only app://console as the app', () => {
    expect(isAppUrl('app://console/index.html')).toBe(true);
    expect(isAppUrl('app://console.evil/index.html')).toBe(false);
    expect(isAppUrl('https://console/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('blocks navigation away, webviews and new windows; hands https links to the system browser', () => {
    const handlers: Record<string, (event: { preventDefault(): void }, url: string) => void> = {};
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, fn: (event: { preventDefault(): void }, url: string) => void) => (handlers[name] = fn),
      setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn),
    };
    const openExternal = vi.fn();
    guardWebContents(contents as never, openExternal);
    const prevented = (name: string, url: string) => {
      const event = { preventDefault: vi.fn() };
      handlers[name]!(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(prevented('will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented('will-navigate', 'app://console/index.html')).toBe(false);
    expect(prevented('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(prevented('will-attach-webview', '')).toBe(true);
    expect(openHandler!({ url: 'https://docs.example/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://docs.example/');
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('denies every permission request and check', () => {
    let request: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (fn: typeof request) => (request = fn),
      setPermissionCheckHandler: (fn: typeof check) => (check = fn),
    } as never);
    const answer = vi.fn();
    request!(null, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(check!()).toBe(false);
  });
});

describe('IPC', () => {
  const mainFrame = { url: 'app://console/index.html' };
  const trusted = { mainFrame } as never;

  it('accepts only the main window’s top frame showing app://console', () => {
    expect(isTrustedSender({ sender: trusted, senderFrame: mainFrame } as never, trusted)).toBe(true);
    expect(isTrustedSender({ sender: trusted, senderFrame: null } as never, trusted)).toBe(false);
    expect(isTrustedSender({ sender: trusted, senderFrame: { url: 'app://console/' } } as never, trusted)).toBe(false);
    const other = { mainFrame: { url: 'app://console/' } };
    expect(isTrustedSender({ sender: other, senderFrame: other.mainFrame } as never, trusted)).toBe(false);
    const navigated = { mainFrame: { url: 'https://evil.example/' } };
    expect(isTrustedSender({ sender: navigated, senderFrame: navigated.mainFrame } as never, navigated as never)).toBe(false);
  });

  it('routes trusted calls and refuses others without reaching the router', async () => {
    let handler: ((event: unknown, method: unknown, input: unknown) => Promise<unknown>) | undefined;
    const router = { call: vi.fn(async () => ({ ok: true as const, value: 1 })) };
    registerIpc({ handle: (channel: string, fn: typeof handler) => channel === IPC_CHANNELS.invoke && (handler = fn) } as never, router, () => trusted);
    expect(await handler!({ sender: trusted, senderFrame: mainFrame }, 'fleet.snapshot', {})).toEqual({ ok: true, value: 1 });
    expect(await handler!({ sender: {}, senderFrame: mainFrame }, 'fleet.snapshot', {})).toMatchObject({ ok: false, error: { code: 'auth' } });
    expect(router.call).toHaveBeenCalledTimes(1);
  });
});

describe('app:// protocol', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-app-'));
  writeFileSync(path.join(dir, 'index.html'), '<title>Ironpane</title>');
  const handle = createAppProtocolHandler(dir);

  it('serves the renderer with the CSP header', async () => {
    const res = await handle(new Request('app://console/'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Ironpane');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('serves nothing outside the renderer folder or for another host', async () => {
    expect((await handle(new Request('app://console/%2e%2e/%2e%2e/etc/passwd'))).status).toBe(404);
    expect((await handle(new Request('app://other/index.html'))).status).toBe(404);
    expect((await handle(new Request('app://console/missing.js'))).status).toBe(404);
  });
});

describe('preload bridge', () => {
  it('exposes invoke with the contract allow-list and subscribe without the IPC event', async () => {
    const { createBridge } = await import('../preload/preload');
    expect(exposed.ironpane).toBeDefined();
    const ipc = { invoke: vi.fn(async () => ({ ok: true, value: 2 })), on: vi.fn(), removeListener: vi.fn() };
    const bridge = createBridge(ipc as never);
    expect(await bridge.invoke('fleet.snapshot', {})).toEqual({ ok: true, value: 2 });
    expect(ipc.invoke).toHaveBeenCalledWith(IPC_CHANNELS.invoke, 'fleet.snapshot', {});
    expect(await bridge.invoke('shell.exec', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(ipc.invoke).toHaveBeenCalledTimes(1);

    const listener = vi.fn();
    const off = bridge.subscribe(listener);
    const handler = ipc.on.mock.calls[0]![1] as (event: unknown, message: unknown) => void;
    handler({ sender: 'secret ipc object' }, { event: 'fleet.changed', payload: { version: 1 } });
    handler({}, { event: 'not.an.event', payload: {} });
    expect(listener.mock.calls).toEqual([['fleet.changed', { version: 1 }]]);
    off();
    expect(ipc.removeListener).toHaveBeenCalledWith(IPC_CHANNELS.event, handler);
  });
});
