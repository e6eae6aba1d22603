/**
 * Connections: what Ironpane watches — Metal-compatible APIs, inventory files, Redfish and IPMI BMCs,
 * update servers — each with what it can do. The token field's value goes to main once, in
 * `connections.add`, and is cleared from the form as soon as main has it.
 */
import { useEffect, useMemo, useState } from 'react';
import { RelativeTime } from '../../ui/RelativeTime';
import type { HostInfo } from '../../../../shared/contract';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { kindLabel, useConnections } from '../../stores/connections';
import { useFleet } from '../../stores/fleet';
import type { Connection, FleetNode } from '../../../../shared/model';
import { toast } from '../../stores/toasts';
import { ConsoleSettingsForm } from './ConsoleSettingsForm';
import { UpdateServersSection } from './UpdateServersSection';
import { ConsoleCredentialsSection } from './ConsoleCredentialsSection';
import { StoreSection } from './StoreSection';
import { ConnectionForm } from './ConnectionForms';
import { CredentialsForm } from './CredentialsForm';
import { UpdateChannelSetting } from '../../app/UpdateStatus';
import { CAPABILITIES, CAPABILITY_LABEL, type Capability } from '../../../../shared/capabilities';

const ADD_KIND_KEY = 'ironpane.connections.addKind';
/** How the fleet keeps up with a connection between full lists, in the card's words. */
const FOLLOWS: Record<NonNullable<Connection['sync']['follows']>, string> = {
  changes: 'follows changes as they happen',
  lists: 'listed in full at each poll',
};

export function ConnectionsScreen() {
  const nodes = useFleet((st) => st.nodes);
  // The fleet moves often; the counts are worked out once per change, not per card and capability.
  const offered = useMemo(() => offeredByConnection(nodes), [nodes]);
  const client = useClient();
  const connections = useConnections((s) => s.connections);
  const kinds = useConnections((s) => s.kinds);
  const addable = kinds.filter((k) => k.addable);
  // Which kind of connection the add form is for, kept across a reload.
  const [addKind, setAddKindState] = useState<string>(() => globalThis.localStorage?.getItem(ADD_KIND_KEY) ?? 'metal');
  const setAddKind = (kind: string) => {
    setAddKindState(kind);
    globalThis.localStorage?.setItem(ADD_KIND_KEY, kind);
  };
  const adding = addable.find((k) => k.kind === addKind) ?? addable[0];
  const [host, setHost] = useState<HostInfo | null>(null);
  // On a team's store a connection is the team's: removing it removes it for every console.
  const [sharedStore, setSharedStore] = useState(false);
  useEffect(() => {
    void client.call('app.describeHost', {}).then(setHost, () => undefined);
    void client.call('store.status', {}).then(
      (s) => setSharedStore(s.shared),
      () => undefined,
    );
  }, [client]);
  // On the desktop the OS keychain is expected; when main fell back to a key file, say so plainly.
  const weakVault = host?.kind === 'desktop' && !host.capabilities.encryptedSecrets.startsWith('OS keychain');

  const remove = async (id: string, name: string) => {
    const ok = await confirm({
      title: `Remove ${name}?`,
      body: sharedStore
        ? 'Your team shares this connection: it is removed for every console on the shared store, and its nodes leave their fleet views. Your stored token is deleted. The machines themselves are not touched.'
        : 'Its nodes leave the fleet view and its stored API token is deleted. The machines themselves are not touched.',
      confirmLabel: `Remove ${name}`,
      tone: 'danger',
    });
    if (!ok) return;
    try {
      await client.call('connections.remove', { accountId: id });
      toast('info', `Removed ${name}`);
    } catch (e) {
      toast('error', `Could not remove ${name}`, errorData(e).message);
    }
  };

  return (
    <div className="page">
      <h1>Connections</h1>
      {host && (
        <p className={weakVault ? 'notice warn' : 'muted'} data-testid="vault-protection">
          Tokens and keys are encrypted at rest in the main process: {host.capabilities.encryptedSecrets}.
          {weakVault && ' Anyone who can read your data folder can read them; install or unlock a keyring (GNOME Keyring, KWallet) and restart Ironpane.'}
        </p>
      )}
      <ul className="connections" aria-label="Connections">
        {connections.map((a) => {
          // A kind Ironpane registers itself (the embedded lab) is not added or removed by hand.
          const info = kinds.find((k) => k.kind === a.kind);
          const builtIn = info !== undefined && !info.addable;
          return (
            <li key={a.id} className="card">
              <div className="card-head">
                <strong>{a.name}</strong>
                {!builtIn && (
                  <span className="badge" data-kind={a.kind}>
                    {kindLabel(kinds, a.kind)}
                  </span>
                )}
                {a.needsCredentials.length > 0 ? (
                  <span className="badge sync-error">needs your credentials</span>
                ) : (
                  <span className={`badge sync-${a.sync.status}`}>{a.sync.status === 'ok' ? 'synced' : a.sync.status}</span>
                )}
              </div>
              <div className="muted mono">{a.baseUrl}</div>
              <div className="muted">
                {a.projectId && (
                  <>
                    Project <span className="mono">{a.projectId}</span> ·{' '}
                  </>
                )}
                {a.sync.nodeCount} nodes · last sync <RelativeTime iso={a.sync.lastSyncAt} />
                {a.sync.follows && <> · {FOLLOWS[a.sync.follows]}</>}
              </div>
              <div className="muted" data-testid="connection-capabilities">
                Offers: {offeredText(a, offered.get(a.id))}
              </div>
              {a.needsCredentials.length > 0 ? (
                <CredentialsForm connection={a} info={info} />
              ) : (
                a.sync.error && (
                  <p className="error" role="alert">
                    {a.sync.error.message}
                  </p>
                )
              )}
              {a.capabilities.includes('serialConsole') && <ConsoleSettingsForm account={a} />}
              {builtIn ? (
                <p className="muted">{info.intro}</p>
              ) : (
                <button type="button" className="danger-outline" onClick={() => void remove(a.id, a.name)}>
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>

      <div className="segmented" role="radiogroup" aria-label="Kind of connection to add">
        {addable.map((k) => (
          <label key={k.kind} className={adding?.kind === k.kind ? 'active' : undefined}>
            <input type="radio" name="add-kind" value={k.kind} checked={adding?.kind === k.kind} onChange={() => setAddKind(k.kind)} />
            {k.label}
          </label>
        ))}
      </div>
      {adding ? <ConnectionForm key={adding.kind} info={adding} /> : <p className="muted">Reading the kinds of connection…</p>}
      <UpdateServersSection />
      <ConsoleCredentialsSection />
      <StoreSection />
      <UpdateChannelSetting />
    </div>
  );
}

/**
 * What a connection offers, as its nodes have it: a kind may offer power, but an inventory's nodes
 * without a BMC do not, and a console the connection turned off is not offered. A capability some
 * nodes lack says how many have it.
 */
interface Offered {
  total: number;
  having: Partial<Record<Capability, number>>;
}

/** Per connection, how many nodes it has and how many of them have each capability: one pass over the fleet. */
function offeredByConnection(nodes: ReadonlyMap<string, FleetNode>): Map<string, Offered> {
  const out = new Map<string, Offered>();
  for (const node of nodes.values()) {
    const entry = out.get(node.accountId) ?? { total: 0, having: {} };
    entry.total++;
    for (const c of node.capabilities) entry.having[c] = (entry.having[c] ?? 0) + 1;
    out.set(node.accountId, entry);
  }
  return out;
}

function offeredText(account: Connection, offered: Offered | undefined): string {
  const total = offered?.total ?? 0;
  const parts = CAPABILITIES.filter((c) => account.capabilities.includes(c)).flatMap((c) => {
    if (total === 0) return [CAPABILITY_LABEL[c]];
    const having = offered?.having[c] ?? 0;
    if (having === 0) return [];
    return [having === total ? CAPABILITY_LABEL[c] : `${CAPABILITY_LABEL[c]} (${having} of ${total} nodes)`];
  });
  return parts.join(', ') || 'nothing yet (its nodes have no BMC or console configured)';
}
