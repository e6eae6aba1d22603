/**
 * One authenticated WebSocket of the web host: requests in, replies and events out, with bounds so
 * one client can never grow main's memory without limit or take the process down.
 *
 * - Every socket error is handled here (invalid UTF-8, unmasked frames, reserved opcodes, oversize
 *   messages…): `ws` has already answered the peer with the right close code; we only log it.
 * - At most `maxInFlight` requests are handled at once; above that the connection stops reading
 *   (TCP pushes back on the client) until replies go out.
 * - Unsent bytes above `pauseAboveBytes` also stop reading; if they stay there for `stallMs`, or
 *   ever pass `closeAboveBytes`, the client is not draining and the connection is closed with 1008
 *   and a reason that says so.
 */
import type { WebSocket } from 'ws';
import { RpcRequestSchema, type RpcRequest } from '../../../shared/contract';
import type { Router } from '../../rpc/router';
import type { Logger } from '../../services/ports';

export interface ConnectionLimits {
  maxInFlight: number;
  pauseAboveBytes: number;
  closeAboveBytes: number;
  stallMs: number;
  /** After the close frame is queued, how long a client gets to read up to it before the socket is cut. */
  closeGraceMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxInFlight: 64,
  pauseAboveBytes: 4 * 1024 * 1024,
  // A 10,000-node fleet snapshot is ~10 MB: leave room for one plus the events behind it.
  closeAboveBytes: 64 * 1024 * 1024,
  stallMs: 30_000,
  closeGraceMs: 10_000,
};

/** RFC 6455 §7.4.1: 1008 is a policy violation; the reason must fit in 123 bytes. */
export const CLOSE_NOT_DRAINING = 1008;
const CLOSE_MALFORMED = 1007;
const CLOSE_TEXT_ONLY = 1003;

export class Connection {
  private inFlight = 0;
  private paused = false;
  private stallTimer: NodeJS.Timeout | null = null;
  private closing = false;
  /** Requests already read off the socket while paused: at most what one read brought in. */
  private readonly waiting: RpcRequest[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly router: Router,
    private readonly log: Logger,
    private readonly limits: ConnectionLimits,
  ) {
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already sent the matching close code (1002, 1007, 1009…) and will destroy the socket.
      log.info('websocket closed on a protocol error', { code: error.code, message: error.message });
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
  }

  /** Sends a reply or an event, unless the client has stopped draining what it was sent. */
  send(data: string | Uint8Array, binary: boolean): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (this.ws.bufferedAmount + size > this.limits.closeAboveBytes) {
      return this.closeNotDraining(`${Math.round(this.ws.bufferedAmount / 1048576)} MiB unsent`);
    }
    this.ws.send(data, { binary }, () => this.update());
    this.update();
  }

  terminate(): void {
    this.dispose();
    this.ws.terminate();
  }

  dispose(): void {
    this.closing = true;
    this.waiting.length = 0;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    if (isBinary) return this.closeWith(CLOSE_TEXT_ONLY, 'Requests are JSON text frames');
    const request = parseRequest(data);
    if (!request) return this.closeWith(CLOSE_MALFORMED, 'Malformed request: expected {id, method, input}');
    // One read can bring in thousands of small requests at once; pausing the socket stops the next
    // read, not this one, so the ones over the limit wait here.
    if (this.paused || this.waiting.length > 0) this.waiting.push(request);
    else this.dispatch(request);
  }

  private dispatch(request: RpcRequest): void {
    this.inFlight++;
    this.update();
    void this.router.call(request.method, request.input).then((result) => {
      this.inFlight--;
      this.send(JSON.stringify({ id: request.id, result }), false);
      this.update();
    });
  }

  /** Pauses reading while too much is in flight or unsent; resumes once both are low again. */
  private update(): void {
    if (this.closing) return;
    const backlogged = this.ws.bufferedAmount > this.limits.pauseAboveBytes;
    const shouldPause = backlogged || this.inFlight >= this.limits.maxInFlight;
    if (shouldPause && !this.paused) {
      this.paused = true;
      this.ws.pause();
    } else if (!shouldPause && this.paused) {
      this.paused = false;
      while (!this.paused && this.waiting.length > 0) this.dispatch(this.waiting.shift()!);
      if (!this.paused) this.ws.resume();
    }
    if (backlogged && !this.stallTimer) {
      this.stallTimer = setTimeout(() => {
        this.stallTimer = null;
        if (this.ws.bufferedAmount > this.limits.pauseAboveBytes) this.closeNotDraining(`no progress for ${Math.round(this.limits.stallMs / 1000)} s`);
      }, this.limits.stallMs);
      this.stallTimer.unref();
    } else if (!backlogged && this.stallTimer) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
  }

  private closeNotDraining(why: string): void {
    if (this.closing) return;
    this.log.warn('closing a web client that stopped reading', { why, unsentBytes: this.ws.bufferedAmount });
    this.closeWith(CLOSE_NOT_DRAINING, `Client stopped reading replies (${why})`);
  }

  /** Queues a close frame, then cuts the socket if the peer has not finished the handshake in time. */
  private closeWith(code: number, reason: string): void {
    this.dispose();
    this.ws.close(code, reason.slice(0, 123));
    // The close frame may sit behind unread data; do not wait for a reader that is not there.
    setTimeout(() => this.ws.terminate(), this.limits.closeGraceMs).unref();
  }
}

function parseRequest(data: Buffer): RpcRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = RpcRequestSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
