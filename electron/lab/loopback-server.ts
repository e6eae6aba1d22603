/**
 * An HTTP server on 127.0.0.1 for the lab's APIs, with the error paths every one needs: a client
 * that goes away mid-request, a malformed request line, and a server error after listening, none
 * of which may become an uncaught exception in main.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

export async function serveOnLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { port?: number; onError?: (message: string, error: unknown) => void } = {},
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    handle(req, res).catch((error: unknown) => {
      options.onError?.('lab request aborted', error);
      res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (_error, socket) => {
    socket.on('error', () => undefined);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', (error) => options.onError?.('lab server error', error));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
