/**
 * Update servers (Nebraska): each connection with its sync state, how many instances matched fleet
 * nodes and which did not, and a form to add one. The bearer token goes to main once and is cleared.
 */
import { useRef, useState, type FormEvent } from 'react';
import { baseUrlProblem } from '../../../../shared/endpoint';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { useUpdates } from '../../stores/updates';
import { relativeTime } from '../../util/format';
import { TextField } from '../../ui/TextField';

interface Draft {
  name: string;
  baseUrl: string;
  app: string;
  token: string;
}
const EMPTY: Draft = { name: '', baseUrl: 'https://', app: 'io.kinvolk.Flatcar', token: '' };

function problems(d: Draft): Partial<Record<keyof Draft, string>> {
  return {
    name: d.name.trim() ? undefined : 'Give the update server a name.',
    baseUrl: baseUrlProblem(d.baseUrl.trim(), 'https://nebraska.example.com') ?? undefined,
    app: d.app.trim() ? undefined : 'Enter the application id or product id (Flatcar: io.kinvolk.Flatcar).',
  };
}

export function UpdateServersSection() {
  const client = useClient();
  const servers = useUpdates((s) => s.servers);
  const [form, setForm] = useState<Draft>(EMPTY);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = problems(form);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setTouched(true);
    const invalid = (Object.keys(errors) as (keyof Draft)[]).filter((k) => errors[k]);
    if (invalid.length > 0) {
      formRef.current?.querySelector<HTMLInputElement>(`[name="${invalid[0]}"]`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const server = await client.call('updates.addServer', {
        name: form.name.trim(),
        baseUrl: form.baseUrl.trim(),
        app: form.app.trim(),
        token: form.token.trim(),
      });
      setForm(EMPTY);
      setTouched(false);
      toast('success', `Added ${server.name}`, `${server.sync.instanceCount} instances, ${server.sync.matchedCount} matched to fleet nodes.`);
    } catch (e) {
      const data = errorData(e);
      setError(data.message);
      if (data.code === 'auth') setForm((f) => ({ ...f, token: '' }));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string, name: string) => {
    const ok = await confirm({
      title: `Remove ${name}?`,
      body: 'Its update state leaves the fleet view and its stored token is deleted. The update server is not touched.',
      confirmLabel: `Remove ${name}`,
      tone: 'danger',
    });
    if (!ok) return;
    try {
      await client.call('updates.removeServer', { serverId: id });
    } catch (e) {
      toast('error', `Could not remove ${name}`, errorData(e).message);
    }
  };

  const input = (key: keyof Draft, label: string, props: Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'> = {}) => (
    <TextField
      id={`server-${key}`}
      name={key}
      label={label}
      value={form[key]}
      problem={touched ? errors[key] : undefined}
      onChange={(value) => setForm((f) => ({ ...f, [key]: value }))}
      {...props}
    />
  );

  return (
    <section aria-label="Update servers">
      <h2>Update servers</h2>
      <ul className="connections" aria-label="Update servers">
        {servers.map((s) => (
          <li key={s.id} className="card">
            <div className="card-head">
              <strong>{s.name}</strong>
              <span className={`badge sync-${s.sync.status}`}>{s.sync.status === 'ok' ? 'synced' : s.sync.status}</span>
            </div>
            <div className="muted mono">{s.baseUrl}</div>
            <div className="muted">
              App <span className="mono">{s.app}</span> · {s.sync.instanceCount} instances · {s.sync.matchedCount} matched to fleet nodes · last sync{' '}
              {relativeTime(s.sync.lastSyncAt)}
            </div>
            {s.sync.error && (
              <p className="error" role="alert">
                {s.sync.error.message}
              </p>
            )}
            {s.unmatched.length > 0 && (
              <details>
                <summary>
                  {s.sync.instanceCount - s.sync.matchedCount} instance{s.sync.instanceCount - s.sync.matchedCount === 1 ? '' : 's'} match no fleet node
                </summary>
                <ul className="plain mono small">
                  {s.unmatched.map((u) => (
                    <li key={u.instanceId}>
                      {u.alias || '(no alias)'} · {u.ip} · {u.version} · {u.groupName} · {u.instanceId}
                    </li>
                  ))}
                </ul>
              </details>
            )}
            {s.kind === 'lab' ? (
              <p className="muted">The lab's update server (Nebraska API and Omaha) runs inside Ironpane with the lab fleet.</p>
            ) : (
              <button type="button" className="danger-outline" onClick={() => void remove(s.id, s.name)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <form ref={formRef} className="card form" noValidate onSubmit={(e) => void submit(e)} aria-label="Add a Nebraska update server">
        <h2>Add a Nebraska update server</h2>
        <p className="muted">
          Ironpane checks the address, token and application before saving. Instances are matched to fleet nodes by machine id, hostname or address.
        </p>
        {input('name', 'Server name', { placeholder: 'Flatcar updates', autoComplete: 'off' })}
        {input('baseUrl', 'Base URL', { type: 'url', autoComplete: 'off', spellCheck: false, placeholder: 'https://nebraska.example.com' })}
        {input('app', 'Application', { autoComplete: 'off', className: 'mono' })}
        {input('token', 'Bearer token (optional)', { type: 'password', autoComplete: 'off' })}
        {error && (
          <div className="error" role="alert">
            <strong>Could not add the update server.</strong> {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Add update server'}
        </button>
      </form>
    </section>
  );
}
