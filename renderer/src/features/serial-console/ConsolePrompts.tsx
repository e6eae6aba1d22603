/**
 * Questions main asks while connecting: an unknown host key (shown with its SHA256 fingerprint;
 * focus starts on Cancel and nothing is trusted by default) and keyboard-interactive prompts.
 */
import { useEffect, useRef, useState } from 'react';
import { useClient } from '../../app/client-context';
import { dropAuthPrompt, dropHostKeyPrompt, useConsoles } from '../../stores/consoles';

export function ConsolePrompts() {
  const client = useClient();
  const hostKey = useConsoles((s) => s.hostKeyPrompts[0]);
  const auth = useConsoles((s) => s.authPrompts[0]);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [answers, setAnswers] = useState<string[]>([]);

  useEffect(() => cancelRef.current?.focus(), [hostKey?.promptId]);

  if (hostKey) {
    const answer = (accept: boolean) => {
      dropHostKeyPrompt(hostKey.promptId);
      void client.call('console.answerHostKey', { promptId: hostKey.promptId, accept }).catch(() => undefined);
    };
    return (
      <div className="modal-backdrop">
        <div className="modal wide" role="alertdialog" aria-modal="true" aria-labelledby="hostkey-title" onKeyDown={(e) => e.key === 'Escape' && answer(false)}>
          <h2 id="hostkey-title">
            Unknown host key for {hostKey.host}:{hostKey.port}
          </h2>
          <p>Ironpane has not connected to this serial gateway before. Trust it only if this fingerprint matches the one your provider publishes.</p>
          <dl className="fields">
            <dt>Key type</dt>
            <dd className="mono">{hostKey.keyType}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono" data-testid="host-key-fingerprint">
              {hostKey.fingerprint}
            </dd>
            <dt>Saved to</dt>
            <dd className="mono">{hostKey.knownHostsFile}</dd>
          </dl>
          <div className="modal-actions">
            <button ref={cancelRef} type="button" onClick={() => answer(false)}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => answer(true)}>
              Trust and connect
            </button>
          </div>
        </div>
      </div>
    );
  }

  if (auth) {
    const finish = (responses: string[] | null) => {
      dropAuthPrompt(auth.promptId);
      setAnswers([]);
      void client.call('console.answerAuth', { promptId: auth.promptId, responses }).catch(() => undefined);
    };
    return (
      <div className="modal-backdrop">
        <form
          className="modal"
          role="dialog"
          aria-modal="true"
          aria-labelledby="auth-title"
          onSubmit={(e) => {
            e.preventDefault();
            finish(auth.prompts.map((_, i) => answers[i] ?? ''));
          }}
        >
          <h2 id="auth-title">{auth.name || `${auth.host} asks`}</h2>
          {auth.instructions && <p>{auth.instructions}</p>}
          {auth.prompts.map((p, i) => (
            <label key={i} className="field">
              <span>{p.prompt}</span>
              <input
                type={p.echo ? 'text' : 'password'}
                autoComplete="off"
                value={answers[i] ?? ''}
                onChange={(e) => setAnswers((a) => Object.assign([...a], { [i]: e.target.value }))}
              />
            </label>
          ))}
          <div className="modal-actions">
            <button type="button" onClick={() => finish(null)}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Continue
            </button>
          </div>
        </form>
      </div>
    );
  }
  return null;
}
