/**
 * The only bridge between the sandboxed renderer and main: `window.ironpane` with `invoke` (names
 * checked against the contract's allow-list) and `subscribe` (the IPC event object never reaches
 * the page). Bundled to one CommonJS file, as sandboxed preloads require.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, isEventName, isMethodName } from '../../shared/contract/names';

type Listener = (event: string, payload: unknown) => void;

export function createBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>) {
  return {
    invoke(method: string, input: unknown) {
      if (!isMethodName(method)) {
        return Promise.resolve({ ok: false, error: { code: 'invalid', message: `Unknown method ${method}.`, retryable: false } });
      }
      return ipc.invoke(IPC_CHANNELS.invoke, method, input);
    },
    subscribe(listener: Listener) {
      const handler = (_event: IpcRendererEvent, message: { event?: unknown; payload?: unknown }) => {
        if (isEventName(message?.event)) listener(message.event, message.payload);
      };
      ipc.on(IPC_CHANNELS.event, handler);
      return () => {
        ipc.removeListener(IPC_CHANNELS.event, handler);
      };
    },
  };
}

contextBridge.exposeInMainWorld('ironpane', createBridge(ipcRenderer));
