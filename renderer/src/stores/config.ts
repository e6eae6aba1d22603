/** Config profiles as main reports them; the open profile's draft lives in the screen, not here. */
import { create } from 'zustand';
import type { ConfigProfile } from '../../../shared/model';
import type { RpcClient } from '../bridge/client';

export const useConfigProfiles = create<{ profiles: ConfigProfile[]; loaded: boolean; selectedId: string | null }>(() => ({ profiles: [], loaded: false, selectedId: null }));

export const selectProfile = (selectedId: string | null) => useConfigProfiles.setState({ selectedId });

export async function loadProfiles(client: RpcClient): Promise<void> {
  const profiles = await client.call('config.profiles', {});
  useConfigProfiles.setState((s) => ({ profiles, loaded: true, selectedId: s.selectedId ?? profiles[0]?.id ?? null }));
}

export function startConfigSync(client: RpcClient): () => void {
  const reload = () => void loadProfiles(client).catch(() => undefined);
  const offChanged = client.on('config.changed', reload);
  const offLink = client.onLinkState((state) => state === 'open' && reload());
  return () => {
    offChanged();
    offLink();
  };
}
