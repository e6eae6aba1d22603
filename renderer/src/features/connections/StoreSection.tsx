/**
 * Where this console keeps its journal, configs, audit log and leases: its own data folder, or the
 * store a team shares (README: Running Ironpane for a team). The store is opened once at start, so
 * choosing one here is checked by connecting to it now and takes effect at the next start;
 * `IRONPANE_STORE` wins over it. The password goes to main once and is cleared from the form.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { MethodOutput, StoreChoiceView, StoreStatusView } from '../../../../shared/contract';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/TextField';
import { useMutation } from '../../ui/use-mutation';

const ADDRESS = /^postgres(ql)?:\/\/[^@/\s]+@[^/\s]+\/\S+$/;

export function StoreSection() {
  const client = useClient();
  const [store, setStore] = useState<StoreStatusView | null>(null);
  const [choice, setChoice] = useState<StoreChoiceView | null>(null);
  const [who, setWho] = useState<MethodOutput<'audit.actors'> | null>(null);
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    client.call('store.status', {}).then(setStore, () => undefined);
    client.call('store.choice', {}).then(setChoice, () => undefined);
    client.call('audit.actors', {}).then(setWho, () => undefined);
    return client.on('store.statusChanged', setStore);
  }, [client]);
  const choose = useMutation((input: { url: string; password: string }) => client.call('store.choose', input), {
    failure: null, // shown beside the address
    onSuccess: (next) => {
      setChoice(next);
      setUrl('');
      setPassword('');
      setChecked(false);
      toast('success', `From the next start: ${next.chosen}`, 'It answered and its schema is up to date. Restart Ironpane to use it.');
    },
    onError: () => setPassword(''),
  });
  const useOwn = useMutation(() => client.call('store.useOwn', {}), {
    failure: 'Could not change the store',
    onSuccess: (next) => {
      setChoice(next);
      toast('info', 'From the next start: this console’s own store', 'The team’s store is not touched; restart Ironpane to switch.');
    },
  });
  if (!store) return null;

  const problem = checked && !ADDRESS.test(url.trim()) ? 'Write it as postgres://user@host:5432/database (the password goes in its own field).' : undefined;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (choose.busy || !ADDRESS.test(url.trim())) {
      document.getElementById('store-url')?.focus();
      return;
    }
    await choose.run({ url: url.trim(), password });
  };
  const backToOwn = async () => {
    const ok = await confirm({
      title: 'Use this console’s own store?',
      body: 'From the next start this console keeps its journal, configs and audit log in its own data folder again, and no longer sees the team’s. The team’s store is not changed.',
      confirmLabel: 'Use its own store',
      tone: 'normal',
    });
    if (ok) await useOwn.run();
  };
  const next = choice?.fromEnvironment ?? choice?.chosen ?? null;
  const changesAtNextStart = choice !== null && (store.shared ? next !== store.label : next !== null);

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
          . Operations, configs and runbooks, connections, the audit log, which console acts on which node and each account’s request limit are shared; secrets
          stay in this console’s vault.
        </p>
      ) : (
        <p>
          This console’s own: <span className="mono">{store.label}</span>.
        </p>
      )}
      {changesAtNextStart && (
        <p className="notice" role="status">
          From the next start: {next ? <span className="mono">{next}</span> : 'this console’s own store'}. Restart Ironpane to switch.
        </p>
      )}
      {choice?.fromEnvironment ? (
        <p className="muted">
          <span className="mono">IRONPANE_STORE</span> is set, so it decides which store this console uses; unset it to choose here.
        </p>
      ) : (
        <form className="card form" noValidate onSubmit={(e) => void submit(e)} aria-label="Use a team’s store">
          <p className="muted">
            Share operations, configs, connections and the audit log with a team on PostgreSQL. Ironpane connects to check it before keeping it; the password
            goes to this console’s vault.
          </p>
          <TextField
            id="store-url"
            name="url"
            label="Address"
            value={url}
            placeholder="postgres://ironpane_app@db.example:5432/ironpane"
            className="mono"
            spellCheck={false}
            autoComplete="off"
            problem={problem ?? (choose.error ? choose.error.message : undefined)}
            onChange={setUrl}
          />
          <TextField id="store-password" name="password" label="Password" type="password" value={password} autoComplete="off" onChange={setPassword} />
          <div className="actions">
            <Button type="submit" className="primary" busy={choose.busy}>
              {choose.busy ? 'Checking…' : 'Check and use from the next start'}
            </Button>
            {(store.shared || choice?.chosen) && (
              <Button type="button" busy={useOwn.busy} onClick={() => void backToOwn()}>
                Use this console’s own store
              </Button>
            )}
          </div>
        </form>
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
