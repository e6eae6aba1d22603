/**
 * The web host transport: one WebSocket to `/rpc`, the launch token offered as a subprotocol.
 * The token arrives in the URL fragment (never sent in a request line or Referer), is removed from
 * the address bar at once and kept in memory only. Reconnects with backoff; calls made while the
 * link is down wait for it.
 */
import type { Result } from '../../../shared/errors';
import { decodeConsoleFrame } from '../../../shared/console-frame';
import { MAX_RPC_MESSAGE_BYTES } from '../../../shared/limits';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/security';
import type { LinkState, Transport, TransportEventListener } from './transport';

export function takeTokenFromLocation(location: Location, history: History): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('t');
  if (token) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

interface Pending {
  resolve: (result: Result<unknown>) => void;
}

export class WebSocketTransport implements Transport {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: string[] = [];
  private readonly listeners = new Set<TransportEventListener>();
  private readonly linkListeners = new Set<(state: LinkState) => void>();
  private state: LinkState = 'connecting';
  private attempt = 0;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {
    this.connect();
  }

  invoke(method: string, input: unknown): Promise<Result<unknown>> {
    const id = this.nextId++;
    const text = JSON.stringify({ id, method, input });
    // The host closes a connection that sends more than its message cap; refuse here instead.
    if (text.length * 3 > MAX_RPC_MESSAGE_BYTES && new TextEncoder().encode(text).byteLength > MAX_RPC_MESSAGE_BYTES) {
      const mib = (new TextEncoder().encode(text).byteLength / 1048576).toFixed(1);
      return Promise.resolve({
        ok: false,
        error: { code: 'invalid', message: `This request is too large to send (${mib} MiB; the limit is 1 MiB).`, retryable: false },
      });
    }
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
      else this.queue.push(text);
    });
  }

  subscribe(listener: TransportEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    listener(this.state);
    return () => this.linkListeners.delete(listener);
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.linkListeners) listener(state);
  }

  private connect(): void {
    const socket = new WebSocket(this.url, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${this.token}`]);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const text of this.queue.splice(0)) socket.send(text);
    };
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (message) => {
      if (message.data instanceof ArrayBuffer) {
        const payload = decodeConsoleFrame(new Uint8Array(message.data));
        for (const listener of this.listeners) listener('console.data', payload);
        return;
      }
      const data = JSON.parse(String(message.data)) as { id?: number; result?: Result<unknown>; event?: string; payload?: unknown };
      if (typeof data.id === 'number' && data.result) {
        this.pending.get(data.id)?.resolve(data.result);
        this.pending.delete(data.id);
      } else if (typeof data.event === 'string') {
        for (const listener of this.listeners) listener(data.event, data.payload);
      }
    };
    socket.onclose = () => {
      this.socket = null;
      this.setState('closed');
      // Calls in flight when the link dropped cannot be answered; say so instead of hanging.
      for (const [id, pending] of this.pending) {
        pending.resolve({ ok: false, error: { code: 'unreachable', message: 'Lost the connection to the Ironpane host. Reconnecting…', retryable: true } });
        this.pending.delete(id);
      }
      const delay = Math.min(10_000, 250 * 2 ** this.attempt++);
      setTimeout(() => {
        this.setState('connecting');
        this.connect();
      }, delay);
    };
  }
}
