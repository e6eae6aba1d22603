/**
 * Config drift of managed nodes, as main derives it. Nodes not in the map are unmanaged. Refetched
 * when main says drift may have changed (user data read, a config saved or assigned).
 */
import { create } from 'zustand';
import type { NodeDrift } from '../../../shared/config/drift';
import type { RpcClient } from '../bridge/client';

export const useDrift = create<{ byNode: ReadonlyMap<string, NodeDrift> }>(() => ({ byNode: new Map() }));

export function startDriftSync(client: RpcClient): () => void {
  let pending = false;
  const load = () => {
    if (pending) return;
    pending = true;
    void client
      .call('config.drift', {})
      .then((list) => useDrift.setState({ byNode: new Map(list.map((d) => [d.nodeId, d])) }))
      .catch(() => undefined)
      .finally(() => (pending = false));
  };
  const offs = [client.on('config.driftChanged', load), client.on('config.changed', load), client.onLinkState((state) => state === 'open' && load())];
  return () => offs.forEach((off) => off());
}
