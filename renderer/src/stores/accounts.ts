/** Accounts and their sync status, as main reports them (never any token). */
import { create } from 'zustand';
import type { Account } from '../../../shared/model';
import type { RpcClient } from '../bridge/client';

export const useAccounts = create<{ accounts: Account[] }>(() => ({ accounts: [] }));

export function startAccountsSync(client: RpcClient): () => void {
  const offEvent = client.on('accounts.changed', (accounts) => useAccounts.setState({ accounts }));
  const offLink = client.onLinkState((state) => {
    if (state === 'open') void client.call('accounts.list', {}).then((accounts) => useAccounts.setState({ accounts }), () => undefined);
  });
  return () => {
    offEvent();
    offLink();
  };
}
