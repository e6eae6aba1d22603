/**
 * Small misbehaving HTTP(S) servers on 127.0.0.1 for the "what main trusts" tests
 * (docs/architecture.md#what-ironpane-trusts): each records every request it got, so a test can
 * say "0 requests with a secret reached this origin".
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HostilePeer {
  url: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export type PeerHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export async function hostilePeer(handler: PeerHandler, tls?: { cert: string | Buffer; key: string | Buffer }): Promise<HostilePeer> {
  const seen: SeenRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Peers a test file starts and closes together: `serve` starts one, `closeAll` (in afterEach) stops them.
 */
export function peerPool(): { serve(handler: PeerHandler): Promise<HostilePeer>; closeAll(): Promise<void> } {
  const peers: HostilePeer[] = [];
  return {
    async serve(handler) {
      const peer = await hostilePeer(handler);
      peers.push(peer);
      return peer;
    },
    closeAll: async () => void (await Promise.all(peers.splice(0).map((p) => p.close()))),
  };
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** Streams `totalBytes` of a JSON string body without holding it: `{"x":"aaaa…"}`, in 1 MiB writes with backpressure. */
export function streamHugeJson(res: http.ServerResponse, totalBytes: number, status = 200): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  let sent = 0;
  res.write('{"x":"');
  const pump = () => {
    while (sent < totalBytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}');
  };
  res.on('error', () => undefined);
  res.socket?.on('error', () => undefined);
  pump();
}

/** Answers one byte every `everyMs`, for ever (until the client goes). */
export function drip(res: http.ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('{');
  const timer = setInterval(() => res.write(' '), everyMs);
  res.on('close', () => clearInterval(timer));
}

/** JSON nested `depth` levels deep: `[[[[…]]]]`. */
export function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

export const rssMiB = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
