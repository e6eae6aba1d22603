/**
 * Adding a connection that is not a Metal API: an inventory file, a Redfish BMC, an IPMI BMC. Each
 * form checks what was typed before anything is sent and names the field; main then checks the
 * connection itself before keeping it. A Redfish BMC over https whose certificate Ironpane has not
 * seen is shown with its fingerprint to accept (trust on first use, like an SSH host key).
 * Passwords go to main once and are cleared from the form as soon as main has them.
 */
import { useRef, useState, type FormEvent } from 'react';
import type { AddAccountInput } from '../../../../shared/contract';
import { baseUrlProblem } from '../../../../shared/endpoint';
import { isAbsolutePath } from '../../../../shared/forms';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { TextField } from '../../ui/TextField';

type OtherKind = 'inventory' | 'redfish' | 'ipmi';
type Draft = Record<string, string>;

const EMPTY: Record<OtherKind, Draft> = {
  inventory: { name: '', path: '' },
  redfish: { name: '', baseUrl: 'https://', username: '', password: '', auth: 'session' },
  ipmi: { name: '', host: '', port: '623', username: '', password: '', cipherSuite: '3', hostname: '' },
};

const TITLE: Record<OtherKind, string> = { inventory: 'Add an inventory file', redfish: 'Add a Redfish BMC', ipmi: 'Add an IPMI BMC' };

function problems(kind: OtherKind, d: Draft): Record<string, string | undefined> {
  const name = d.name!.trim() ? (d.name!.trim().length > 80 ? 'The name can be at most 80 characters.' : undefined) : 'Give the connection a name.';
  if (kind === 'inventory') {
    const path = d.path!.trim();
    return { name, path: !path ? 'Enter the path of the inventory file.' : isAbsolutePath(path) ? undefined : 'Write the full path of the file, e.g. /home/ops/fleet.yaml.' };
  }
  const username = d.username!.trim() ? undefined : 'Enter the BMC user name.';
  const password = d.password ? undefined : 'Enter the BMC password.';
  if (kind === 'redfish') {
    return { name, baseUrl: baseUrlProblem(d.baseUrl!.trim())?.replace('API token', 'BMC password') ?? undefined, username, password };
  }
  const port = Number(d.port);
  const suite = Number(d.cipherSuite);
  return {
    name,
    host: /^[A-Za-z0-9.:_-]+$/.test(d.host!.trim()) ? undefined : 'Enter the BMC address (a host name or an IP address).',
    port: Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'The port is a number from 1 to 65535 (IPMI uses 623).',
    cipherSuite: Number.isInteger(suite) && suite >= 0 && suite <= 17 ? undefined : 'The cipher suite is a number from 0 to 17 (3 works with most BMCs).',
    hostname: d.hostname!.trim() ? undefined : 'Name the machine this BMC controls.',
    username,
    password: password ?? (d.password!.length > 20 ? 'IPMI passwords are at most 20 characters.' : undefined),
  };
}

function toInput(kind: OtherKind, d: Draft, fingerprint?: string): AddAccountInput {
  if (kind === 'inventory') return { kind, name: d.name!.trim(), path: d.path!.trim() };
  if (kind === 'redfish') {
    return { kind, name: d.name!.trim(), baseUrl: d.baseUrl!.trim(), username: d.username!.trim(), password: d.password!, auth: d.auth === 'basic' ? 'basic' : 'session', ...(fingerprint ? { certificateFingerprint: fingerprint } : {}) };
  }
  return { kind, name: d.name!.trim(), host: d.host!.trim(), port: Number(d.port), username: d.username!.trim(), password: d.password!, cipherSuite: Number(d.cipherSuite), hostname: d.hostname!.trim() };
}

export function ConnectionForm({ kind }: { kind: OtherKind }) {
  const client = useClient();
  const [form, setForm] = useState<Draft>(EMPTY[kind]);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = problems(kind, form);

  const send = async (fingerprint?: string): Promise<void> => {
    try {
      const account = await client.call('accounts.add', toInput(kind, form, fingerprint));
      setForm(EMPTY[kind]);
      setTouched({});
      toast('success', `Added ${account.name}`, 'Its nodes appear in the fleet as soon as the first sync finishes.');
    } catch (e) {
      const data = errorData(e);
      if (data.code === 'host_key_unknown' && data.detail && !fingerprint) {
        const trusted = await confirm({
          title: `Trust the certificate of ${form.baseUrl!.trim()}?`,
          body: `Ironpane has not seen this BMC before. Its certificate's SHA-256 fingerprint is\n${data.detail}\nCompare it with the one the BMC shows (its web interface or its console) before trusting it. A different certificate later will be refused.`,
          confirmLabel: 'Trust and add',
          tone: 'normal',
        });
        if (trusted) return send(data.detail);
        setError('The certificate was not trusted, so nothing was saved.');
        return;
      }
      setError(data.message);
      if (data.code === 'auth') setForm((f) => ({ ...f, password: '' }));
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    const invalid = Object.keys(errors).filter((key) => errors[key]);
    if (invalid.length > 0) {
      setTouched(Object.fromEntries(Object.keys(form).map((k) => [k, true])));
      formRef.current?.querySelector<HTMLInputElement>(`[name="${invalid[0]}"]`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await send();
    } finally {
      setBusy(false);
    }
  };

  const field = (key: string, label: string, props: Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'> = {}) => (
    <TextField
      id={`${kind}-${key}`}
      name={key}
      label={label}
      value={form[key] ?? ''}
      problem={touched[key] ? errors[key] : undefined}
      onChange={(value) => setForm((f) => ({ ...f, [key]: value }))}
      onBlur={(event) => {
        // Leaving the field for the submit button: the submit shows every problem at once. Showing
        // this one now would push the button down between mouse-down and mouse-up, losing the click.
        if ((event.relatedTarget as HTMLElement | null)?.getAttribute('type') === 'submit') return;
        setTouched((t) => ({ ...t, [key]: true }));
      }}
      autoComplete="off"
      {...props}
    />
  );

  return (
    <form ref={formRef} className="card form" noValidate onSubmit={(e) => void submit(e)} aria-label={TITLE[kind]}>
      <h2>{TITLE[kind]}</h2>
      {kind === 'inventory' && (
        <>
          <p className="muted">
            A YAML file listing your machines: <span className="mono">nodes:</span> with <span className="mono">hostname</span>, <span className="mono">tags</span>,{' '}
            <span className="mono">place</span> (metro, facility, rack), <span className="mono">addresses</span>, a serial <span className="mono">console</span> reachable over SSH
            (host, port, user, auth: key, agent or password; jump hosts; a pinned host key) and an optional <span className="mono">bmc</span> (Redfish or IPMI, with a console
            credential). Ironpane watches the file: an edit shows within a second, and a broken edit keeps the last good fleet and says which line is wrong.
          </p>
          {field('name', 'Name', { placeholder: 'Rack 12' })}
          {field('path', 'Inventory file (full path)', { placeholder: '/home/ops/fleet.yaml', className: 'mono', spellCheck: false })}
        </>
      )}
      {kind === 'redfish' && (
        <>
          <p className="muted">
            A BMC (or Redfish aggregator) at its address; each system it manages becomes a node with power, boot override, events and, where the manager offers one, its
            serial console over SSH. Ironpane checks the login before saving; the password is encrypted in the main process and never shown again.
          </p>
          {field('name', 'Name', { placeholder: 'Rack 12 BMCs' })}
          {field('baseUrl', 'BMC address', { type: 'url', placeholder: 'https://10.0.0.9', spellCheck: false })}
          {field('username', 'User name')}
          {field('password', 'Password', { type: 'password' })}
          <label className="field">
            <span>Authentication</span>
            <select name="auth" value={form.auth} onChange={(e) => setForm((f) => ({ ...f, auth: e.target.value }))}>
              <option value="session">Redfish session (X-Auth-Token, logged out on close)</option>
              <option value="basic">HTTP Basic on every request</option>
            </select>
          </label>
        </>
      )}
      {kind === 'ipmi' && (
        <>
          <p className="muted">One machine&apos;s BMC over IPMI v2.0 (lanplus) through ipmitool: power status, on, off, cycle, and the boot device.</p>
          {field('name', 'Name', { placeholder: 'db-01 BMC' })}
          {field('hostname', 'Machine name', { placeholder: 'db-01' })}
          {field('host', 'BMC address', { placeholder: '10.0.0.10', spellCheck: false })}
          {field('port', 'Port', { inputMode: 'numeric' })}
          {field('username', 'User name')}
          {field('password', 'Password', { type: 'password' })}
          {field('cipherSuite', 'Cipher suite (many BMCs need 3)', { inputMode: 'numeric' })}
        </>
      )}
      {error && (
        <div className="error" role="alert">
          <strong>Could not add the connection.</strong> {error}
        </div>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Checking…' : 'Add connection'}
      </button>
    </form>
  );
}
