/**
 * Where this console keeps its journal, audit log and leases: its own data folder, or the store a
 * team shares (README: Running Ironpane for a team). Read-only: the store is chosen at start.
 */
import { useEffect, useState } from 'react';
import type { MethodOutput, StoreStatusView } from '../../../../shared/contract';
import { useClient } from '../../app/client-context';

export function StoreSection() {
  const client = useClient();
  const [store, setStore] = useState<StoreStatusView | null>(null);
  const [who, setWho] = useState<MethodOutput<'audit.actors'> | null>(null);
  useEffect(() => {
    client.call('store.status', {}).then(setStore, () => undefined);
    client.call('audit.actors', {}).then(setWho, () => undefined);
    return client.on('store.statusChanged', setStore);
  }, [client]);
  if (!store) return null;
  return (
    <section aria-label="Store">
      <h2>Store</h2>
      {store.shared ? (
        <p>
          Shared with a team: <span className="mono">{store.label}</span>{' '}
          {store.reachable ? (
            <span className="muted">(answering)</span>
          ) : (
            <span className="error">
              (not answering since {store.since ? new Date(store.since).toLocaleTimeString() : 'a moment ago'}; actions are refused)
            </span>
          )}
          . The audit log and which console acts on which node are shared; secrets stay in this console’s vault.
        </p>
      ) : (
        <p>
          This console’s own: <span className="mono">{store.label}</span>. To share the audit log and node leases with a team, start Ironpane with{' '}
          <span className="mono">IRONPANE_STORE=postgres://user:password@host:5432/database</span>.
        </p>
      )}
      {who && (
        <p className="muted">
          You act as <strong>{who.you}</strong> from console <span className="mono">{who.console}</span> (set the name with{' '}
          <span className="mono">IRONPANE_OPERATOR</span>).
        </p>
      )}
    </section>
  );
}
