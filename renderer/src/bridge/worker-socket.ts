/**
 * A WebSocket whose socket lives in a dedicated worker (socket-worker.ts), for the web host's
 * console stream. Chromium hands a page's WebSocket its data a little at a time, and asks the
 * page's main thread for more only between its tasks: while xterm renders a frame, nothing comes
 * in. A worker's thread is idle, so it keeps taking data, and the page finds every message that
 * arrived queued after each frame (the console bench: docs/architecture.md#console-fast-path).
 *
 * It offers the part of the WebSocket interface the transport uses, so the transport runs the same
 * over either; where workers are missing (a test DOM), `openSocket` returns a plain WebSocket.
 */

export type WorkerSocketCommand = { type: 'open'; url: string; protocols: string[] } | { type: 'send'; text: string } | { type: 'close' };
export type WorkerSocketEvent = { type: 'open' } | { type: 'message'; data: ArrayBuffer | string } | { type: 'close'; code: number; reason: string };

/** What the transport needs of a socket. */
export interface SocketLike {
  readonly readyState: number;
  onopen: (() => void) | null;
  onmessage: ((message: { data: ArrayBuffer | string }) => void) | null;
  onclose: (() => void) | null;
  send(text: string): void;
}

class WorkerSocket implements SocketLike {
  readyState: number = WebSocket.CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: ArrayBuffer | string }) => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(
    private readonly worker: Worker,
    url: string,
    protocols: string[],
  ) {
    worker.onmessage = ({ data: event }: MessageEvent<WorkerSocketEvent>) => {
      if (event.type === 'open') {
        this.readyState = WebSocket.OPEN;
        this.onopen?.();
      } else if (event.type === 'message') {
        this.onmessage?.({ data: event.data });
      } else {
        this.closed();
      }
    };
    // A worker that fails to load or throws is a socket that closed: the transport reconnects.
    worker.onerror = () => this.closed();
    this.post({ type: 'open', url, protocols });
  }

  send(text: string): void {
    if (this.readyState === WebSocket.OPEN) this.post({ type: 'send', text });
  }

  private post(command: WorkerSocketCommand): void {
    this.worker.postMessage(command);
  }

  private closed(): void {
    if (this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSED;
    this.worker.terminate();
    this.onclose?.();
  }
}

/** A socket to `url`, in a worker where the browser has them. */
export function openSocket(url: string, protocols: string[]): SocketLike {
  if (typeof Worker === 'undefined') {
    const socket = new WebSocket(url, protocols);
    socket.binaryType = 'arraybuffer';
    return socket as unknown as SocketLike;
  }
  const worker = new Worker(new URL('./socket-worker.ts', import.meta.url), { type: 'module', name: 'ironpane-socket' });
  return new WorkerSocket(worker, url, protocols);
}
