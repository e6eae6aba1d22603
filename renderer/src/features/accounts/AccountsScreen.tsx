/**
 * Accounts: the Metal-compatible endpoints Ironpane watches. The token field's value goes to main
 * once, in `accounts.add`, and is cleared from the form as soon as main has it.
 */
import { useState, type FormEvent } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { useAccounts } from '../../stores/accounts';
import { toast } from '../../stores/toasts';
import { relativeTime } from '../../util/format';
import { ConsoleSettingsForm } from './ConsoleSettingsForm';

const EMPTY = { name: '', baseUrl: 'https://api.equinix.com/metal/v1', projectId: '', token: '' };

export function AccountsScreen() {
  const client = useClient();
  const accounts = useAccounts((s) => s.accounts);
  const [form, setForm] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorData | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const account = await client.call('accounts.add', form);
      setForm(EMPTY);
      toast('success', `Added ${account.name}`, 'Its nodes appear in the fleet as soon as the first sync finishes.');
    } catch (e) {
      setError(errorData(e));
      // Never keep a rejected token around in the form either.
      setForm((f) => ({ ...f, token: '' }));
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

  const input = (key: keyof typeof EMPTY, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label className="field">
      <span>{label}</span>
      <input value={form[key]} onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))} required {...props} />
    </label>
  );

  return (
    <div className="page">
      <h1>Accounts</h1>
      <ul className="accounts" aria-label="Accounts">
        {accounts.map((a) => (
          <li key={a.id} className="card">
            <div className="card-head">
              <strong>{a.name}</strong>
              <span className={`badge sync-${a.sync.status}`}>{a.sync.status === 'ok' ? 'synced' : a.sync.status}</span>
            </div>
            <div className="muted mono">{a.baseUrl}</div>
            <div className="muted">
              Project <span className="mono">{a.projectId}</span> · {a.sync.nodeCount} nodes · last sync {relativeTime(a.sync.lastSyncAt)}
            </div>
            {a.sync.error && (
              <p className="error" role="alert">
                {a.sync.error.message}
              </p>
            )}
            <ConsoleSettingsForm account={a} />
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

      <form className="card form" onSubmit={(e) => void submit(e)} aria-label="Add a Metal account">
        <h2>Add a Metal-compatible account</h2>
        <p className="muted">
          Ironpane checks the token and project before saving. The token is encrypted in the main process and never shown again.
        </p>
        {input('name', 'Name', { placeholder: 'Production', autoComplete: 'off' })}
        {input('baseUrl', 'API base URL', { type: 'url', autoComplete: 'off' })}
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
    </div>
  );
}
