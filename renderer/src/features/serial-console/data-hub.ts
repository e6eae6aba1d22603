/**
 * Routes console bytes from the transport straight to the terminal that shows them, bypassing
 * every store. Bytes for a session with no terminal yet (e.g. while it mounts) are acknowledged at
 * once so main's stream keeps flowing; main's backlog keeps them for the replay on attach.
 */
import type { RpcClient } from '../../bridge/client';

type Sink = (data: Uint8Array) => void;

const sinks = new Map<string, Sink>();

export function installConsoleDataHub(client: RpcClient): () => void {
  const off = client.on('console.data', ({ sessionId, data }) => {
    const sink = sinks.get(sessionId);
    if (sink) sink(data);
    else void client.call('console.ack', { sessionId, bytes: data.byteLength }).catch(() => undefined);
  });
  return off;
}

export function registerConsoleSink(sessionId: string, sink: Sink): () => void {
  sinks.set(sessionId, sink);
  return () => {
    if (sinks.get(sessionId) === sink) sinks.delete(sessionId);
  };
}
