/** Loopback ports nothing listens on now, for peers the tests start themselves. */
import net from 'node:net';

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Random ports in 20000–49999 (a peer that takes its port on the command line cannot be given 0). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (!ports.includes(port) && (await portFree(port))) ports.push(port);
  }
  return ports;
}
