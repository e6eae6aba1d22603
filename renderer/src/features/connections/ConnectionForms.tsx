/**
 * Adding a connection of any kind, drawn from the kind's description (shared/connection-kinds.ts):
 * its fields, labels, hints and rules come from main, so a new kind needs nothing here. The form
 * checks what was typed before anything is sent and names the field; main checks the same rules and
 * then the connection itself before keeping it. A BMC over https whose certificate Ironpane has not
 * seen is shown with its fingerprint to accept (trust on first use, like an SSH host key). Secrets go
 * to main once and are cleared from the form as soon as main has them.
 */
import { useRef, useState, type FormEvent } from 'react';
import {
  emptyDraft,
  settingsOf,
  settingsProblems,
  type ConnectionField,
  type ConnectionKindInfo,
  type SettingsDraft,
} from '../../../../shared/connection-kinds';
import type { AppErrorData } from '../../../../shared/errors';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/TextField';
import { useMutation } from '../../ui/use-mutation';

/** A label inside a sentence: "Password" → "password", "API token" stays. */
export const inSentence = (label: string) => (/^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label);

const NAME_FIELD: ConnectionField = { key: 'name', label: 'Name', type: 'text', required: 'Give the connection a name.', maxLength: 80 };

export function ConnectionForm({ info }: { info: ConnectionKindInfo }) {
  const client = useClient();
  const [form, setForm] = useState<SettingsDraft>(() => ({ name: '', ...emptyDraft(info) }));
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  /** A secret the endpoint refused: its emptied field says why it is empty. */
  const [refused, setRefused] = useState<string | null>(null);
  const [serverField, setServerField] = useState<{ key: string; message: string } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const fields = [NAME_FIELD, ...info.fields.filter((f) => !f.hidden)];
  const problems = { ...settingsProblems({ ...info, fields: [NAME_FIELD] }, form), ...settingsProblems(info, form) };
  const secrets = info.fields.filter((f) => f.secret).map((f) => f.key);

  /** The last failure, read by submit once the call has settled. */
  const failure = useRef<AppErrorData | null>(null);
  const add = useMutation(
    (draft: SettingsDraft) => {
      const settings = Object.fromEntries(Object.entries(settingsOf(info, draft)).map(([k, v]) => [k, String(v)]));
      return client.call('connections.add', { kind: info.kind, name: draft.name!.trim(), settings });
    },
    {
      failure: null, // shown in the form, beside what was typed
      onSuccess: (account) => {
        setForm({ name: '', ...emptyDraft(info) });
        setTouched({});
        toast('success', `Added ${account.name}`, 'Its nodes appear in the fleet as soon as the first sync finishes.');
      },
      onError: (error) => {
        failure.current = error;
      },
    },
  );

  const send = async (draft: SettingsDraft): Promise<void> => {
    failure.current = null;
    setRefused(null);
    setServerField(null);
    if (await add.run(draft)) return;
    const error = failure.current as AppErrorData | null;
    if (!error) return;
    if (error.code === 'host_key_unknown' && error.detail && info.fields.some((f) => f.key === 'certificateFingerprint') && !draft.certificateFingerprint) {
      const trusted = await confirm({
        title: `Trust the certificate of ${draft.baseUrl ?? 'this BMC'}?`,
        body: `Ironpane has not seen this BMC before. Its certificate's SHA-256 fingerprint is\n${error.detail}\nCompare it with the one the BMC shows (its web interface or its console) before trusting it. A different certificate later will be refused.`,
        confirmLabel: 'Trust and add',
        tone: 'normal',
      });
      if (trusted) await send({ ...draft, certificateFingerprint: error.detail });
      else add.clearError();
      return;
    }
    // A secret the endpoint refused is cleared so the next paste replaces it; anything else keeps what was typed.
    if (error.code === 'auth' && secrets.length > 0) {
      setForm((f) => ({ ...f, ...Object.fromEntries(secrets.map((k) => [k, ''])) }));
      setRefused(secrets[0]!);
    }
    // Main named a field: show it there too.
    if (error.code === 'invalid' && error.detail && fields.some((f) => f.key === error.detail)) setServerField({ key: error.detail, message: error.message });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (add.busy) return;
    const invalid = fields.filter((f) => problems[f.key]);
    if (invalid.length > 0) {
      setTouched(Object.fromEntries(fields.map((f) => [f.key, true])));
      formRef.current?.querySelector<HTMLElement>(`[name="${invalid[0]!.key}"]`)?.focus();
      return;
    }
    await send(form);
  };

  const problemOf = (field: ConnectionField): string | undefined => {
    if (field.secret && refused === field.key && !form[field.key])
      return `The endpoint refused that ${inSentence(field.label)}, so the field was cleared: enter it again.`;
    if (serverField?.key === field.key) return serverField.message;
    return touched[field.key] ? problems[field.key] : undefined;
  };

  const input = (field: ConnectionField) => {
    if (field.type === 'select') {
      return (
        <label className="field" key={field.key}>
          <span>{field.label}</span>
          <select name={field.key} value={form[field.key] ?? ''} onChange={(e) => setForm((f) => ({ ...f, [field.key]: e.target.value }))}>
            {field.options?.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      );
    }
    return (
      <TextField
        key={field.key}
        id={`${info.kind}-${field.key}`}
        name={field.key}
        label={field.label}
        value={form[field.key] ?? ''}
        problem={problemOf(field)}
        hint={field.hint}
        onChange={(value) => setForm((f) => ({ ...f, [field.key]: value }))}
        onBlur={(event) => {
          // Leaving the field for the submit button: the submit shows every problem at once. Showing
          // this one now would push the button down between mouse-down and mouse-up, losing the click.
          if ((event.relatedTarget as HTMLElement | null)?.getAttribute('type') === 'submit') return;
          setTouched((t) => ({ ...t, [field.key]: true }));
        }}
        type={field.type === 'password' ? 'password' : field.type === 'url' ? 'url' : 'text'}
        inputMode={field.type === 'number' ? 'numeric' : undefined}
        placeholder={field.placeholder}
        className={field.mono || field.type === 'path' ? 'mono' : undefined}
        spellCheck={field.type === 'text' || field.type === 'password' ? undefined : false}
        autoComplete="off"
      />
    );
  };

  return (
    <form ref={formRef} className="card form" noValidate onSubmit={(e) => void submit(e)} aria-label={info.title}>
      <h2>{info.title}</h2>
      <p className="muted">{info.intro}</p>
      {fields.map(input)}
      {add.error && add.error.code !== 'host_key_unknown' && (
        <div className="error" role="alert">
          <strong>Could not add the connection.</strong> {add.error.message}
        </div>
      )}
      <Button type="submit" className="primary" busy={add.busy}>
        {add.busy ? 'Checking…' : 'Add connection'}
      </Button>
    </form>
  );
}
