/** Picks the transport for this host: the preload's bridge on desktop, else the WebSocket. */
import { RpcClient } from './client';
import { IpcTransport } from './ipc-transport';
import type { DesktopBridge } from './transport';
import { takeTokenFromLocation, WebSocketTransport } from './ws-transport';

declare global {
  interface Window {
    ironpane?: DesktopBridge;
  }
}

const TOKEN_KEY = 'ironpane.launchToken';

export function connect(): RpcClient | { error: string } {
  if (window.ironpane) return new RpcClient(new IpcTransport(window.ironpane));
  // sessionStorage keeps the token across a reload of this tab only; it dies with the tab.
  const token = takeTokenFromLocation(window.location, window.history) ?? window.sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    return { error: 'This page needs the link printed by `npm start` (or `npm run serve`), which carries a one-time token. Open that link again.' };
  }
  window.sessionStorage.setItem(TOKEN_KEY, token);
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/rpc`;
  return new RpcClient(new WebSocketTransport(url, token));
}
