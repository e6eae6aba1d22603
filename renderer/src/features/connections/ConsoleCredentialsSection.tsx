/**
 * Console credentials: the logins runbooks type on serial consoles (docs/architecture.md#runbooks).
 * The list shows names and users only; a password goes to main's vault once and never comes back.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { TextField } from '../../ui/TextField';
import { CONSOLE_CREDENTIAL_NAME } from '../../../../shared/forms';

interface Draft {
  name: string;
  username: string;
  password: string;
}
const EMPTY: Draft = { name: 'console', username: '', password: '' };

function problems(d: Draft): Partial<Record<keyof Draft, string>> {
  return {
    name: CONSOLE_CREDENTIAL_NAME.test(d.name)
      ? undefined
      : 'Use 1–40 lower-case letters, digits, dots, dashes or underscores (runbooks name it, e.g. console).',
    username: d.username.trim() && !/\s/.test(d.username.trim()) ? undefined : 'Enter the login name the console asks for (no spaces).',
    password: d.password ? undefined : 'Enter the password for that login.',
  };
}

export function ConsoleCredentialsSection() {
  const client = useClient();
  const [list, setList] = useState<{ name: string; username: string }[] | null>(null);
  const [form, setForm] = useState<Draft>(EMPTY);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = problems(form);

  useEffect(() => {
    client.call('runbooks.credentials', {}).then(setList, (e: unknown) => setError(errorData(e).message));
  }, [client]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    const invalid = (Object.keys(errors) as (keyof Draft)[]).filter((k) => errors[k]);
    if (invalid.length > 0) {
      formRef.current?.querySelector<HTMLInputElement>(`[name="${invalid[0]}"]`)?.focus();
      return;
    }
    try {
      setList(await client.call('runbooks.setCredential', { name: form.name, username: form.username.trim(), password: form.password }));
      toast('success', `Saved the console credential “${form.name}”`, 'The password is in the vault; runbooks that name it log in with it.');
      setForm(EMPTY);
      setTouched(false);
      setError(null);
    } catch (e) {
      setError(errorData(e).message);
    }
  };

  const remove = async (name: string) => {
    const ok = await confirm({
      title: `Delete the console credential “${name}”?`,
      body: 'Runbooks that name it can no longer log in until it is added again.',
      confirmLabel: `Delete ${name}`,
      tone: 'danger',
    });
    if (!ok) return;
    try {
      setList(await client.call('runbooks.deleteCredential', { name }));
    } catch (e) {
      setError(errorData(e).message);
    }
  };

  const input = (key: keyof Draft, label: string, props: Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'> = {}) => (
    <TextField
      id={`credential-${key}`}
      name={key}
      label={label}
      value={form[key]}
      problem={touched ? errors[key] : undefined}
      onChange={(value) => setForm((f) => ({ ...f, [key]: value }))}
      {...props}
    />
  );

  return (
    <section aria-label="Console credentials">
      <h2>Console credentials</h2>
      <p className="muted">What runbooks log in with on a serial console. Passwords stay in the vault and are never written to a transcript.</p>
      {list && list.length === 0 && <p className="muted">None yet. Runbooks log in with the one named “console” unless they name another.</p>}
      {list && list.length > 0 && (
        <table className="credentials-table" aria-label="Saved console credentials">
          <thead>
            <tr>
              <th>Name</th>
              <th>User</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.name}>
                <td className="mono">{c.name}</td>
                <td className="mono">{c.username}</td>
                <td>
                  <button type="button" className="link" onClick={() => void remove(c.name)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form ref={formRef} className="card form" noValidate onSubmit={(e) => void submit(e)} aria-label="Save a console credential">
        <h3>Save a console credential</h3>
        {input('name', 'Credential name', { autoComplete: 'off', className: 'mono' })}
        {input('username', 'Login user', { autoComplete: 'off', className: 'mono', placeholder: 'core' })}
        {input('password', 'Login password', { type: 'password', autoComplete: 'new-password' })}
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="primary">
          Save credential
        </button>
      </form>
    </section>
  );
}
