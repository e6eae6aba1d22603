/**
 * What the update servers know: each node's update state (a snapshot, then patches from main), the
 * groups with their rollout progress, and the servers themselves. Groups are refetched when main
 * says a server's groups changed; nothing here is derived (alarms come from shared/updates/alarms).
 */
import { create } from 'zustand';
import type { NodeUpdate, UpdateGroup, UpdateServer } from '../../../shared/model';
import type { RpcClient } from '../bridge/client';

export interface UpdatesState {
  byNode: ReadonlyMap<string, NodeUpdate>;
  groups: UpdateGroup[];
  servers: UpdateServer[];
  loaded: boolean;
}

export const useUpdates = create<UpdatesState>(() => ({ byNode: new Map(), groups: [], servers: [], loaded: false }));

export function startUpdatesSync(client: RpcClient): () => void {
  let loadingGroups = false;
  let again = false;
  const loadGroups = () => {
    if (loadingGroups) {
      again = true;
      return;
    }
    loadingGroups = true;
    void client
      .call('updates.groups', {})
      .then((groups) => useUpdates.setState({ groups, loaded: true }))
      .catch(() => undefined)
      .finally(() => {
        loadingGroups = false;
        if (again) {
          again = false;
          loadGroups();
        }
      });
  };
  const loadAll = () => {
    void client
      .call('updates.nodes', {})
      .then((list) => useUpdates.setState({ byNode: new Map(list.map((u) => [u.nodeId, u])) }))
      .catch(() => undefined);
    void client
      .call('updates.servers', {})
      .then((servers) => useUpdates.setState({ servers }))
      .catch(() => undefined);
    loadGroups();
  };
  const offs = [
    client.on('updates.changed', (patch) => {
      const next = new Map(useUpdates.getState().byNode);
      for (const u of patch.upserts) next.set(u.nodeId, u);
      for (const id of patch.removed) next.delete(id);
      useUpdates.setState({ byNode: next });
    }),
    client.on('updates.groupsChanged', loadGroups),
    client.on('updates.serversChanged', (servers) => useUpdates.setState({ servers })),
    client.onLinkState((state) => state === 'open' && loadAll()),
  ];
  return () => offs.forEach((off) => off());
}
