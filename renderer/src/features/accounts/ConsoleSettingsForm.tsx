/**
 * Per-account console settings: keepalive (0 = off, for BMCs that never answer), legacy SSH
 * algorithms (old iLO/iDRAC), and jump hosts to reach the serial gateway (`user@host[:port]`, in order).
 */
import { useState, type FormEvent } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import type { Account } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { toast } from '../../stores/toasts';

export function ConsoleSettingsForm({ account }: { account: Account }) {
  const client = useClient();
  const [keepalive, setKeepalive] = useState(String(account.console.keepaliveSeconds));
  const [legacy, setLegacy] = useState(account.console.legacyAlgorithms);
  const [jumps, setJumps] = useState(account.console.jumpHosts.join(', '));
  const [error, setError] = useState<AppErrorData | null>(null);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await client.call('accounts.setConsoleSettings', {
        accountId: account.id,
        settings: {
          keepaliveSeconds: Number(keepalive),
          legacyAlgorithms: legacy,
          jumpHosts: jumps.split(/[\s,]+/).filter(Boolean),
        },
      });
      toast('success', `Saved console settings for ${account.name}`, 'They apply to consoles opened or reconnected from now on.');
    } catch (e) {
      setError(errorData(e));
    }
  };

  return (
    <details className="console-settings">
      <summary>Console settings</summary>
      <form onSubmit={(e) => void save(e)} aria-label={`Console settings for ${account.name}`}>
        <label className="field inline">
          <span>Keepalive every (s, 0 = off)</span>
          <input type="number" min={0} max={3600} value={keepalive} onChange={(e) => setKeepalive(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={legacy} onChange={(e) => setLegacy(e.target.checked)} />
          Allow legacy SSH algorithms (old BMCs: SHA-1 key exchange, ssh-rsa, CBC)
        </label>
        <label className="field">
          <span>Jump hosts, in order (user@host[:port], comma-separated)</span>
          <input className="mono" value={jumps} placeholder="ops@bastion.example:22" onChange={(e) => setJumps(e.target.value)} autoComplete="off" />
        </label>
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        <button type="submit">Save console settings</button>
      </form>
    </details>
  );
}
