/** The IPC transport: one invoke channel into the router, one event channel out. */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { forWindow } from '../../shared/contract';
import { IPC_CHANNELS } from '../../shared/contract/names';
import type { Result } from '../../shared/errors';
import type { EventBus } from '../rpc/event-bus';
import type { Router } from '../rpc/router';
import { isAppUrl } from './security';

/** Only the main window's top frame, showing our own app:// page, may call the router. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, trusted: WebContents | null): boolean {
  const frame = event.senderFrame;
  if (!trusted || !frame || event.sender !== trusted) return false;
  if (frame !== event.sender.mainFrame) return false;
  return isAppUrl(frame.url);
}

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, router: Router, trustedContents: () => WebContents | null): void {
  ipcMain.handle(IPC_CHANNELS.invoke, async (event, method: unknown, input: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event, trustedContents())) {
      return { ok: false, error: { code: 'auth', message: 'This frame may not talk to Ironpane.', retryable: false } };
    }
    return router.call(method, input);
  });
}

export function forwardEvents(bus: EventBus, target: () => WebContents | null): () => void {
  return bus.on((event, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(IPC_CHANNELS.event, { event, payload: forWindow(event, payload) });
  });
}
