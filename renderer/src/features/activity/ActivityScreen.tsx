/** The audit trail: every action taken from every console on this store, newest first, live. */
import { useEffect, useState } from 'react';
import type { MethodOutput, StoreStatusView } from '../../../../shared/contract';
import type { AuditEntry } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { dateTime } from '../../util/format';
import { OperationsPanel } from './OperationsPanel';

// 'accepted': sent and still running (an operation step audits its outcome again when it settles).
const OUTCOME_LABEL = { accepted: 'started', succeeded: '✓ done', failed: '✗ failed' } as const;
const EVERYONE = '';
const SHOWN = 500;

export function ActivityScreen() {
  const client = useClient();
  // The rows read for one filter: shown only while that filter is chosen (a new choice reads again).
  const [shown, setShown] = useState<{ actor: string; entries: AuditEntry[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [who, setWho] = useState<MethodOutput<'audit.actors'> | null>(null);
  const [actor, setActor] = useState(EVERYONE);

  const [store, setStore] = useState<StoreStatusView | null>(null);

  useEffect(() => {
    client.call('audit.actors', {}).then(setWho, () => undefined);
    client.call('store.status', {}).then(setStore, () => undefined);
  }, [client]);

  useEffect(() => {
    client.call('audit.list', actor ? { limit: SHOWN, actor } : { limit: SHOWN }).then(
      (entries) => setShown({ actor, entries }),
      (e: unknown) => setError(errorData(e).message),
    );
    return client.on('audit.appended', (entry) => {
      setWho((w) => (w && !w.actors.includes(entry.actor) ? { ...w, actors: [...w.actors, entry.actor].sort() } : w));
      if (actor && entry.actor !== actor) return;
      setShown((s) => (s && s.actor === actor ? { actor, entries: [entry, ...s.entries].slice(0, SHOWN) } : s));
    });
  }, [client, actor]);
  const entries = shown?.actor === actor ? shown.entries : null;

  const actors = who ? [...new Set([...who.actors, who.you])].sort() : [];
  return (
    <div className="page">
      <h1>Activity</h1>
      <OperationsPanel />
      <h2>Audit log</h2>
      <p className="muted">
        An append-only record of every action taken from {store?.shared ? `every console on the shared store ${store.label}` : 'this console'}.
        {who && (
          <>
            {' '}
            You act as <strong>{who.you}</strong> from console <span className="mono">{who.console}</span>.
          </>
        )}
      </p>
      <div className="audit-filter">
        <label className="filter">
          <span>Operator</span>
          <select value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value={EVERYONE}>Everyone</option>
            {actors.map((a) => (
              <option key={a} value={a}>
                {a === who?.you ? `${a} (you)` : a}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {entries && entries.length === 0 && (
        <p className="empty">{actor ? `Nothing from ${actor} yet.` : 'Nothing yet. Actions you take on nodes are recorded here.'}</p>
      )}
      {entries && entries.length > 0 && (
        <table className="simple audit">
          <colgroup>
            <col className="when" />
            <col className="who" />
            <col className="action" />
            <col className="node" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Node</th>
              <th>Result</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{dateTime(e.at)}</td>
                <td className="who">
                  {e.actor}
                  {e.console && <span className="muted console-name">{e.console}</span>}
                </td>
                <td className="mono">{e.action}</td>
                <td>{e.targetName}</td>
                <td className={e.outcome === 'failed' ? 'error' : ''}>
                  <span className={`badge outcome-${e.outcome}`}>{OUTCOME_LABEL[e.outcome]}</span> {e.message}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
