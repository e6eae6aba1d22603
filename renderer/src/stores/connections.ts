/**
 * Connections and their sync status, as main reports them (never any token), and the kinds of
 * connection main knows: their add forms and why-not texts, as data (shared/connection-kinds.ts).
 */
import { create } from 'zustand';
import { registerWhyNot } from '../../../shared/capabilities';
import type { ConnectionKindInfo } from '../../../shared/connection-kinds';
import type { Connection } from '../../../shared/model';
import type { RpcClient } from '../bridge/client';

export const useConnections = create<{ connections: Connection[]; kinds: ConnectionKindInfo[] }>(() => ({ connections: [], kinds: [] }));

function setKinds(kinds: ConnectionKindInfo[]): void {
  // Why a node cannot do something is its kind's own words: known here once main has said them.
  registerWhyNot(kinds);
  useConnections.setState({ kinds });
}

export function startConnectionsSync(client: RpcClient): () => void {
  const offEvent = client.on('connections.changed', (connections) => useConnections.setState({ connections }));
  const offLink = client.onLinkState((state) => {
    if (state !== 'open') return;
    void client.call('connections.list', {}).then(
      (connections) => useConnections.setState({ connections }),
      () => undefined,
    );
    void client.call('connections.kinds', {}).then(setKinds, () => undefined);
  });
  return () => {
    offEvent();
    offLink();
  };
}

/** A kind's label ("Redfish BMC"), or its id until main has said. */
export const kindLabel = (kinds: readonly ConnectionKindInfo[], kind: string): string => kinds.find((k) => k.kind === kind)?.label ?? kind;
