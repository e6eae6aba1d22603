/**
 * Per-account console settings: keepalive (0 = off, for BMCs that never answer), legacy SSH
 * algorithms (old iLO/iDRAC), how BREAK is sent, and jump hosts to reach the serial gateway (`user@host[:port]`, in order).
 */
import { useState, type FormEvent } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import { MAX_KEEPALIVE_SECONDS, validateConsoleSettingsDraft } from '../../../../shared/forms';
import { BREAK_METHODS, type Connection, type BreakMethod } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { toast } from '../../stores/toasts';

export function ConsoleSettingsForm({ account }: { account: Connection }) {
  const client = useClient();
  const [keepalive, setKeepalive] = useState(String(account.console.keepaliveSeconds));
  const [legacy, setLegacy] = useState(account.console.legacyAlgorithms);
  const [breakMethod, setBreakMethod] = useState<BreakMethod>(account.console.breakMethod ?? 'ssh');
  const [jumps, setJumps] = useState(account.console.jumpHosts.join(', '));
  const [error, setError] = useState<AppErrorData | null>(null);

  const draft = { keepalive, jumpHosts: jumps };
  const checked = validateConsoleSettingsDraft(draft);
  const [showErrors, setShowErrors] = useState(false);
  const problems = showErrors ? checked.errors : {};

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setShowErrors(true);
    if (!checked.settings) return;
    try {
      await client.call('connections.setConsoleSettings', { accountId: account.id, settings: { ...checked.settings, legacyAlgorithms: legacy, breakMethod } });
      toast('success', `Saved console settings for ${account.name}`, 'They apply to consoles opened or reconnected from now on.');
    } catch (e) {
      setError(errorData(e));
    }
  };

  return (
    <details className="console-settings">
      <summary>Console settings</summary>
      <form noValidate onSubmit={(e) => void save(e)} aria-label={`Console settings for ${account.name}`}>
        <label className="field inline">
          <span>Keepalive every (s, 0 = off)</span>
          <input
            type="number"
            min={0}
            max={MAX_KEEPALIVE_SECONDS}
            value={keepalive}
            onChange={(e) => setKeepalive(e.target.value)}
            onBlur={() => setShowErrors(true)}
            aria-invalid={problems.keepalive ? true : undefined}
            aria-describedby={problems.keepalive ? `keepalive-error-${account.id}` : undefined}
          />
        </label>
        {problems.keepalive && (
          <span className="field-error" id={`keepalive-error-${account.id}`}>
            {problems.keepalive}
          </span>
        )}
        <label className="check">
          <input type="checkbox" checked={legacy} onChange={(e) => setLegacy(e.target.checked)} />
          Allow legacy SSH algorithms (old BMCs: SHA-1 key exchange, ssh-rsa, CBC)
        </label>
        <label className="field">
          <span>Send BREAK (and SysRq) as</span>
          <select value={breakMethod} onChange={(e) => setBreakMethod(e.target.value as BreakMethod)} aria-describedby={`break-hint-${account.id}`}>
            {(Object.keys(BREAK_METHODS) as BreakMethod[]).map((method) => (
              <option key={method} value={method}>
                {BREAK_METHODS[method].label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" id={`break-hint-${account.id}`}>
          A gateway that is OpenSSH with a serial bridge drops the SSH break request: pick the bytes its serial server reads as BREAK.
        </span>
        <label className="field">
          <span>Jump hosts, in order (user@host[:port], comma-separated)</span>
          <input
            className="mono"
            value={jumps}
            placeholder="ops@bastion.example:22"
            onChange={(e) => setJumps(e.target.value)}
            onBlur={() => setShowErrors(true)}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problems.jumpHosts ? true : undefined}
            aria-describedby={problems.jumpHosts ? `jumps-error-${account.id}` : undefined}
          />
        </label>
        {problems.jumpHosts && (
          <span className="field-error" id={`jumps-error-${account.id}`}>
            {problems.jumpHosts}
          </span>
        )}
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
