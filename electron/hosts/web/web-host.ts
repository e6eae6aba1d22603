/**
 * The loopback web host: serves the built renderer and carries the router over one WebSocket.
 * Never packaged into the desktop app. Security (docs/architecture.md#web-host-hardening):
 * - binds 127.0.0.1 only; refuses any `Host` but 127.0.0.1:<port> / localhost:<port> (DNS rebinding);
 * - a 32-byte random token per launch is mandatory; it travels in the URL fragment, then as a
 *   WebSocket subprotocol, and is compared in constant time;
 * - the upgrade is refused from a foreign `Origin`; static files are the only thing served without
 *   the token.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { forWindow, type EventPayload } from '../../../shared/contract';
import { MAX_RPC_MESSAGE_BYTES } from '../../../shared/limits';
import { encodeConsoleFrame } from '../../../shared/console-frame';
import { contentSecurityPolicy, WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/security';
import type { EventBus } from '../../rpc/event-bus';
import type { Router } from '../../rpc/router';
import type { Logger } from '../../services/ports';
import { tokensMatch } from '../../services/vault/tokens';
import { Connection, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection';

export interface WebHostOptions {
  router: Router;
  bus: EventBus;
  staticDir: string;
  log: Logger;
  port?: number;
  /** Supplied by tests only; a launch makes its own. */
  token?: string;
  /** Per-connection bounds; tests shrink them. */
  limits?: Partial<ConnectionLimits>;
}

export interface RunningWebHost {
  url: string;
  /** `url` with the token in the fragment: what a person opens. */
  launchUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIN_TOKEN_LENGTH = 32;

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/**
 * The built renderer, kept in memory once read and re-read when a file's size or mtime changes (a
 * rebuild while the host runs). Served in one turn of the event loop, synchronously: a stream takes a
 * turn per 64 KiB, and during a 10,000-node first sync each turn waited behind a page of devices, so
 * the page took 3.7 s to load. The files are the app's own few megabytes, read from local disk.
 */
class StaticFiles {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; body: Buffer }>();

  read(file: string, stat: Stats): Buffer {
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.body;
    const body = readFileSync(file);
    this.cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, body });
    return body;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export async function startWebHost(options: WebHostOptions): Promise<RunningWebHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (token.length < MIN_TOKEN_LENGTH) throw new Error('The web host refuses to start without a token of at least 32 characters.');
  const staticDir = path.resolve(options.staticDir);
  const staticFiles = new StaticFiles();
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    void serveStatic(req, res).catch((error: unknown) => {
      options.log.error('static file failed', { cause: error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) return plain(res, 421, 'This console only answers on 127.0.0.1 or localhost.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed.');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname);
    } catch {
      return plain(res, 400, 'Bad path.');
    }
    if (relative.includes('\0')) return plain(res, 400, 'Bad path.');
    let file = path.resolve(staticDir, `.${relative}`);
    if (file !== staticDir && !file.startsWith(`${staticDir}${path.sep}`)) return plain(res, 404, 'Not found.');
    let stat = statOrNull(file);
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = statOrNull(file);
    }
    if (!stat?.isFile()) return plain(res, 404, 'Not found.');
    const body = staticFiles.read(file, stat);
    const ext = path.extname(file);
    res.writeHead(200, {
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Content-Security-Policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': ext === '.html' ? 'no-store' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_RPC_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  // Never expected with noServer, but an EventEmitter 'error' without a listener kills the process.
  wss.on('error', (error) => options.log.warn('websocket server error', { cause: error }));

  // A malformed request line or headers: answer 400 if the socket still takes writes, else drop it.
  // Without this listener Node writes the 400 itself, but a reset during that write is unhandled.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    socket.on('error', () => undefined);
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Before anything else: a peer that resets while we write a refusal raises ECONNRESET on this
    // socket, and an 'error' with no listener takes the whole process down.
    socket.on('error', (error) => {
      options.log.info('upgrade socket error', { code: (error as NodeJS.ErrnoException).code });
      socket.destroy();
    });
    const refuse = (status: number, reason: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      // A peer that never reads cannot hold the socket open.
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return refuse(403, 'Forbidden');
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (pathname !== '/rpc') return refuse(404, 'Not Found');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const presented = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length) ?? '';
    if (!tokensMatch(token, presented)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const connections = new Set<Connection>();
  const detachBus = options.bus.on((event, payload) => {
    if (connections.size === 0) return;
    if (event === 'console.data') {
      const { sessionId, data } = payload as EventPayload<'console.data'>;
      const frame = encodeConsoleFrame(sessionId, data);
      for (const connection of connections) connection.send(frame, true);
      return;
    }
    const text = JSON.stringify({ event, payload: forWindow(event, payload) });
    for (const connection of connections) connection.send(text, false);
  });

  function attach(ws: WebSocket): void {
    const connection = new Connection(ws, options.router, options.log, limits);
    connections.add(connection);
    ws.on('close', () => {
      connections.delete(connection);
      connection.dispose();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  server.on('error', (error) => options.log.error('web host server error', { cause: error }));
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    launchUrl: `${url}#t=${token}`,
    port,
    token,
    async close() {
      detachBus();
      for (const connection of connections) connection.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
