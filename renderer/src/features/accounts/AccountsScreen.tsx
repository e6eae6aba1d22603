/**
 * Connections: what Ironpane watches — Metal-compatible APIs, inventory files, Redfish and IPMI BMCs,
 * update servers — each with what it can do. The token field's value goes to main once, in
 * `accounts.add`, and is cleared from the form as soon as main has it.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { RelativeTime } from '../../ui/RelativeTime';
import type { HostInfo } from '../../../../shared/contract';
import { validateAccountDraft, type AccountDraft } from '../../../../shared/forms';
import type { AppErrorData } from '../../../../shared/errors';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { useAccounts } from '../../stores/accounts';
import { useFleet } from '../../stores/fleet';
import type { Account, FleetNode } from '../../../../shared/model';
import { toast } from '../../stores/toasts';
import { TextField } from '../../ui/TextField';
import { ConsoleSettingsForm } from './ConsoleSettingsForm';
import { UpdateServersSection } from './UpdateServersSection';
import { ConsoleCredentialsSection } from './ConsoleCredentialsSection';
import { ConnectionForm } from './ConnectionForms';
import { UpdateChannelSetting } from '../../app/UpdateStatus';
import { CAPABILITIES, CONNECTION_KIND_LABEL, type Capability } from '../../../../shared/capabilities';

const CAPABILITY_LABEL: Record<Capability, string> = {
  power: 'power',
  bootOverride: 'boot device',
  reinstall: 'reinstall',
  userdata: 'user data',
  serialConsole: 'serial console',
  events: 'events',
};
const ADDABLE = ['metal', 'inventory', 'redfish', 'ipmi'] as const;
type Addable = (typeof ADDABLE)[number];
const ADD_KIND_KEY = 'ironpane.connections.addKind';

const EMPTY: AccountDraft = { name: '', baseUrl: 'https://api.equinix.com/metal/v1', projectId: '', token: '' };

export function AccountsScreen() {
  const nodes = useFleet((st) => st.nodes);
  const client = useClient();
  const accounts = useAccounts((s) => s.accounts);
  const [form, setForm] = useState<AccountDraft>(EMPTY);
  // Which kind of connection the add form is for, kept across a reload.
  const [addKind, setAddKindState] = useState<Addable>(() => {
    const saved = globalThis.localStorage?.getItem(ADD_KIND_KEY);
    return (ADDABLE as readonly string[]).includes(saved ?? '') ? (saved as Addable) : 'metal';
  });
  const setAddKind = (kind: Addable) => {
    setAddKindState(kind);
    globalThis.localStorage?.setItem(ADD_KIND_KEY, kind);
  };
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorData | null>(null);
  // Errors show once a field has been left, or after a submit: not while the first word is typed.
  const [touched, setTouched] = useState<Partial<Record<keyof AccountDraft, boolean>>>({});
  const fieldErrors = validateAccountDraft(form);
  // After a refused token the emptied field says why it is empty, not "Enter the API token."
  const [refusedToken, setRefusedToken] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [host, setHost] = useState<HostInfo | null>(null);
  useEffect(() => {
    void client.call('app.describeHost', {}).then(setHost, () => undefined);
  }, [client]);
  // On the desktop the OS keychain is expected; when main fell back to a key file, say so plainly.
  const weakVault = host?.kind === 'desktop' && !host.capabilities.encryptedSecrets.startsWith('OS keychain');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    const invalid = (Object.keys(EMPTY) as Array<keyof AccountDraft>).filter((key) => fieldErrors[key]);
    if (invalid.length > 0) {
      setTouched({ name: true, baseUrl: true, projectId: true, token: true });
      formRef.current?.querySelector<HTMLInputElement>(`[name="${invalid[0]}"]`)?.focus();
      return;
    }
    setBusy(true);
    setRefusedToken(false);
    try {
      const account = await client.call('accounts.add', { kind: 'metal', ...form });
      setForm(EMPTY);
      setTouched({});
      toast('success', `Added ${account.name}`, 'Its nodes appear in the fleet as soon as the first sync finishes.');
    } catch (e) {
      const data = errorData(e);
      setError(data);
      // A token the endpoint rejected is cleared so the next paste replaces it; any other error keeps what was typed.
      if (data.code === 'auth') {
        setForm((f) => ({ ...f, token: '' }));
        setRefusedToken(true);
      }
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string, name: string) => {
    const ok = await confirm({
      title: `Remove ${name}?`,
      body: 'Its nodes leave the fleet view and its stored API token is deleted. The machines themselves are not touched.',
      confirmLabel: `Remove ${name}`,
      tone: 'danger',
    });
    if (!ok) return;
    try {
      await client.call('accounts.remove', { accountId: id });
      toast('info', `Removed ${name}`);
    } catch (e) {
      toast('error', `Could not remove ${name}`, errorData(e).message);
    }
  };

  const input = (key: keyof AccountDraft, label: string, props: Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'> = {}) => (
    <TextField
      id={`account-${key}`}
      name={key}
      label={label}
      value={form[key]}
      problem={key === 'token' && refusedToken && !form.token ? 'The endpoint refused that token, so the field was cleared: paste a valid API token.' : touched[key] ? fieldErrors[key] : undefined}
      onChange={(value) => setForm((f) => ({ ...f, [key]: value }))}
      onBlur={() => setTouched((t) => ({ ...t, [key]: true }))}
      {...props}
    />
  );

  return (
    <div className="page">
      <h1>Connections</h1>
      {host && (
        <p className={weakVault ? 'notice warn' : 'muted'} data-testid="vault-protection">
          Tokens and keys are encrypted at rest in the main process: {host.capabilities.encryptedSecrets}.
          {weakVault && ' Anyone who can read your data folder can read them; install or unlock a keyring (GNOME Keyring, KWallet) and restart Ironpane.'}
        </p>
      )}
      <ul className="accounts" aria-label="Connections">
        {accounts.map((a) => (
          <li key={a.id} className="card">
            <div className="card-head">
              <strong>{a.name}</strong>
              {a.kind !== 'lab' && (
                <span className="badge" data-kind={a.kind}>
                  {CONNECTION_KIND_LABEL[a.kind]}
                </span>
              )}
              <span className={`badge sync-${a.sync.status}`}>{a.sync.status === 'ok' ? 'synced' : a.sync.status}</span>
            </div>
            <div className="muted mono">{a.baseUrl}</div>
            <div className="muted">
              {a.projectId && (
                <>
                  Project <span className="mono">{a.projectId}</span> ·{' '}
                </>
              )}
              {a.sync.nodeCount} nodes · last sync <RelativeTime iso={a.sync.lastSyncAt} />
            </div>
            <div className="muted" data-testid="connection-capabilities">
              Offers: {offeredText(a, nodes)}
            </div>
            {a.sync.error && (
              <p className="error" role="alert">
                {a.sync.error.message}
              </p>
            )}
            {a.capabilities.includes('serialConsole') && <ConsoleSettingsForm account={a} />}
            {a.kind === 'lab' ? (
              <p className="muted">The embedded lab fleet runs inside Ironpane on this machine.</p>
            ) : (
              <button type="button" className="danger-outline" onClick={() => void remove(a.id, a.name)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>

      <div className="segmented" role="radiogroup" aria-label="Kind of connection to add">
        {ADDABLE.map((kind) => (
          <label key={kind} className={addKind === kind ? 'active' : undefined}>
            <input type="radio" name="add-kind" value={kind} checked={addKind === kind} onChange={() => setAddKind(kind)} />
            {CONNECTION_KIND_LABEL[kind]}
          </label>
        ))}
      </div>
      {addKind !== 'metal' && <ConnectionForm key={addKind} kind={addKind} />}
      {addKind === 'metal' && (
      <form ref={formRef} className="card form" noValidate onSubmit={(e) => void submit(e)} aria-label="Add a Metal account">
        <h2>Add a Metal-compatible account</h2>
        <p className="muted">
          Ironpane checks the token and project before saving. The token is encrypted in the main process and never shown again.
        </p>
        {input('name', 'Name', { placeholder: 'Production', autoComplete: 'off' })}
        {input('baseUrl', 'API base URL', { type: 'url', autoComplete: 'off', spellCheck: false })}
        {input('projectId', 'Project id', { placeholder: '00000000-0000-0000-0000-000000000000', autoComplete: 'off', className: 'mono' })}
        {input('token', 'API token', { type: 'password', autoComplete: 'off' })}
        {error && (
          <div className="error" role="alert">
            <strong>Could not add the account.</strong> {error.message}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Add account'}
        </button>
      </form>
      )}
      <UpdateServersSection />
      <ConsoleCredentialsSection />
      <UpdateChannelSetting />
    </div>
  );
}

/**
 * What a connection offers, as its nodes have it: a kind may offer power, but an inventory's nodes
 * without a BMC do not, and a console the connection turned off is not offered. A capability some
 * nodes lack says how many have it.
 */
function offeredText(account: Account, nodes: ReadonlyMap<string, FleetNode>): string {
  const mine = [...nodes.values()].filter((n) => n.accountId === account.id);
  const parts = CAPABILITIES.filter((c) => account.capabilities.includes(c)).flatMap((c) => {
    if (mine.length === 0) return [CAPABILITY_LABEL[c]];
    const having = mine.filter((n) => n.capabilities.includes(c)).length;
    if (having === 0) return [];
    return [having === mine.length ? CAPABILITY_LABEL[c] : `${CAPABILITY_LABEL[c]} (${having} of ${mine.length} nodes)`];
  });
  return parts.join(', ') || 'nothing yet (its nodes have no BMC or console configured)';
}
