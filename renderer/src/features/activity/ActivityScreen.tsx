/** The audit trail: every action taken from this console, newest first, live. */
import { useEffect, useState } from 'react';
import type { AuditEntry } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { dateTime } from '../../util/format';
import { OperationsPanel } from './OperationsPanel';

// 'accepted': sent and still running (an operation step audits its outcome again when it settles).
const OUTCOME_LABEL = { accepted: 'started', succeeded: '✓ done', failed: '✗ failed' } as const;

export function ActivityScreen() {
  const client = useClient();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.call('audit.list', { limit: 500 }).then(setEntries, (e: unknown) => setError(errorData(e).message));
    return client.on('audit.appended', (entry) => setEntries((list) => [entry, ...(list ?? [])]));
  }, [client]);

  return (
    <div className="page">
      <h1>Activity</h1>
      <OperationsPanel />
      <h2>Audit log</h2>
      <p className="muted">An append-only record of every action taken from this console.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {entries && entries.length === 0 && <p className="empty">Nothing yet. Actions you take on nodes are recorded here.</p>}
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
                <td>{e.actor}</td>
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
