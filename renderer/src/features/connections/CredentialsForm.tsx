/**
 * A team's connection this console has no secrets for (added on another console: a team shares its
 * connections, never their secrets). Says so, and takes this console's own: main connects with them
 * before it keeps them in this console's vault, so a wrong one is refused here, naming the field.
 * The values go to main once and are cleared from the form as soon as main has them.
 */
import { useState, type FormEvent } from 'react';
import type { ConnectionKindInfo } from '../../../../shared/connection-kinds';
import type { Connection } from '../../../../shared/model';
import { useClient } from '../../app/client-context';
import { toast } from '../../stores/toasts';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/TextField';
import { useMutation } from '../../ui/use-mutation';
import { inSentence } from './ConnectionForms';

export function CredentialsForm({ connection, info }: { connection: Connection; info: ConnectionKindInfo | undefined }) {
  const client = useClient();
  const fields = info?.fields.filter((f) => f.secret) ?? [];
  const [values, setValues] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<string | null>(null);
  const save = useMutation((secrets: Record<string, string>) => client.call('connections.setCredentials', { accountId: connection.id, secrets }), {
    failure: null, // shown in the form
    onSuccess: () => {
      setValues({});
      toast('success', `${connection.name} is ready on this console`, 'Your credentials are in this console’s vault; its nodes appear with the next sync.');
    },
    onError: () => setValues({}),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (save.busy) return;
    const empty = fields.find((f) => f.required && !(values[f.key] ?? '').trim());
    if (empty) {
      setMissing(empty.key);
      document.getElementById(`credentials-${connection.id}-${empty.key}`)?.focus();
      return;
    }
    setMissing(null);
    await save.run(Object.fromEntries(fields.map((f) => [f.key, values[f.key] ?? ''])));
  };

  const title = `Your credentials for ${connection.name}`;
  return (
    <form className="credentials-form" noValidate onSubmit={(e) => void submit(e)} aria-label={title}>
      <p className="notice warn" role="status">
        <strong>Needs your credentials.</strong> Your team shares this connection, not its secrets: enter your own{' '}
        {connection.needsCredentials.map(inSentence).join(' and ')} to use it from this console. Nothing runs on it until then.
      </p>
      {fields.map((field) => (
        <TextField
          key={field.key}
          id={`credentials-${connection.id}-${field.key}`}
          name={field.key}
          label={field.label}
          type="password"
          value={values[field.key] ?? ''}
          problem={
            missing === field.key
              ? `Enter your ${inSentence(field.label)}.`
              : save.error?.detail === field.key || (save.error?.code === 'auth' && fields[0]?.key === field.key)
                ? save.error.message
                : undefined
          }
          hint={field.hint}
          onChange={(value) => setValues((v) => ({ ...v, [field.key]: value }))}
          autoComplete="off"
        />
      ))}
      {save.error && save.error.code !== 'auth' && !save.error.detail && (
        <p className="error" role="alert">
          <strong>Could not use those credentials.</strong> {save.error.message}
        </p>
      )}
      <Button type="submit" className="primary" busy={save.busy}>
        {save.busy ? 'Checking…' : 'Use these credentials'}
      </Button>
    </form>
  );
}
