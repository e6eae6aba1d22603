/** What the renderer needs from a host: call a method, hear events, know when the link is back. */
import type { Result } from '../../../shared/errors';

export type TransportEventListener = (event: string, payload: unknown) => void;
export type LinkState = 'connecting' | 'open' | 'closed';

export interface Transport {
  invoke(method: string, input: unknown): Promise<Result<unknown>>;
  subscribe(listener: TransportEventListener): () => void;
  /** Called with the link state now and whenever it changes (IPC is always open). */
  onLinkState(listener: (state: LinkState) => void): () => void;
}

/** The object the desktop preload exposes as `window.ironpane`. */
export interface DesktopBridge {
  invoke(method: string, input: unknown): Promise<Result<unknown>>;
  subscribe(listener: TransportEventListener): () => void;
}
