/** The desktop transport: the preload's `window.ironpane` over Electron IPC. */
import type { DesktopBridge, LinkState, Transport, TransportEventListener } from './transport';

export class IpcTransport implements Transport {
  constructor(private readonly bridge: DesktopBridge) {}

  invoke(method: string, input: unknown) {
    return this.bridge.invoke(method, input);
  }

  subscribe(listener: TransportEventListener) {
    return this.bridge.subscribe(listener);
  }

  onLinkState(listener: (state: LinkState) => void) {
    listener('open');
    return () => undefined;
  }
}
