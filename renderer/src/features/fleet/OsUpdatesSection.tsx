/**
 * A node's OS & updates: what booted, the slot diagram, update_engine's state, the update server's
 * view (group, channel, status, last check-in) and the node's update history.
 */
import { useEffect, useState } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import type { FleetNode, UpdateHistoryEntry } from '../../../../shared/model';
import { updateAlarms } from '../../../../shared/updates/alarms';
import { INSTANCE_STATUS_LABELS } from '../../../../shared/updates/nebraska-rules';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { useUpdates } from '../../stores/updates';
import { showScreen, useRollouts } from '../../stores/ui';
import { SlotDiagram } from '../../ui/SlotDiagram';
import { UpdateBadge, VersionArrow } from '../../ui/UpdateBadge';
import { dateTime, relativeTime } from '../../util/format';

const ENGINE_LABEL: Record<string, string> = {
  UPDATE_STATUS_IDLE: 'idle',
  UPDATE_STATUS_CHECKING_FOR_UPDATE: 'checking for an update',
  UPDATE_STATUS_UPDATE_AVAILABLE: 'update available',
  UPDATE_STATUS_DOWNLOADING: 'downloading',
  UPDATE_STATUS_VERIFYING: 'verifying',
  UPDATE_STATUS_FINALIZING: 'finalizing (writing the passive slot)',
  UPDATE_STATUS_UPDATED_NEED_REBOOT: 'updated, needs a reboot',
  UPDATE_STATUS_REPORTING_ERROR_EVENT: 'reporting an error',
};

export function OsUpdatesSection({ node }: { node: FleetNode }) {
  const client = useClient();
  const update = useUpdates((s) => s.byNode.get(node.id));
  const alarms = updateAlarms(node.osState, update);
  const [history, setHistory] = useState<UpdateHistoryEntry[] | null>(null);
  const [error, setError] = useState<AppErrorData | null>(null);
  useEffect(() => {
    if (!update) return;
    let cancelled = false;
    client.call('updates.nodeHistory', { nodeId: node.id }).then(
      (list) => !cancelled && (setHistory(list), setError(null)),
      (e: unknown) => !cancelled && setError(errorData(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [client, node.id, update?.status, update?.lastCheckIn, update]);

  const engine = node.osState?.updateEngine;
  return (
    <section aria-label="OS & updates" className="os-updates">
      <h3>
        OS &amp; updates <UpdateBadge alarms={alarms} />
      </h3>
      <dl className="fields">
        <dt>Booted</dt>
        <dd>
          <VersionArrow alarms={alarms} fallback={node.os.version} />
        </dd>
        {engine && (
          <>
            <dt>update_engine</dt>
            <dd>
              {ENGINE_LABEL[engine.status] ?? engine.status}
              {engine.status === 'UPDATE_STATUS_DOWNLOADING' && ` ${Math.round(engine.progress * 100)} %`}
              {engine.lastCheckedAt && <span className="muted"> · checked {relativeTime(engine.lastCheckedAt)}</span>}
            </dd>
          </>
        )}
        {node.osState?.rebootStrategy && (
          <>
            <dt>Reboots</dt>
            <dd>{node.osState.rebootStrategy === 'off' ? 'left to an operator (REBOOT_STRATEGY=off)' : `locksmithd (${node.osState.rebootStrategy})`}</dd>
          </>
        )}
        {update && (
          <>
            <dt>Update group</dt>
            <dd>
              <button
                type="button"
                className="link"
                onClick={() => (useRollouts.setState({ groupKey: `${update.serverId}:${update.groupId}` }), showScreen('rollouts'))}
              >
                {update.groupName}
              </button>
              {update.channel && (
                <span className="muted">
                  {' '}
                  · {update.channel} channel → {update.targetVersion ?? 'no package'}
                </span>
              )}
            </dd>
            <dt>Update status</dt>
            <dd>
              {INSTANCE_STATUS_LABELS[update.status]}
              {update.lastErrorCode && update.status === 'error' && (
                <span className="error">
                  {' '}
                  · error {update.lastErrorCode}
                  {update.rolledBack ? ' (rolled back)' : ''}
                </span>
              )}
              {update.lastCheckIn && <span className="muted"> · checked in {relativeTime(update.lastCheckIn)}</span>}
            </dd>
          </>
        )}
      </dl>
      {alarms.bootedNotIntended && update?.lastUpdateVersion && (
        <p className="note error" role="status">
          Booted {alarms.bootedVersion}, but the update server last gave this node {update.lastUpdateVersion}: it fell back to its old slot. Ironpane does not
          retry on its own; resume the group once the cause is understood.
        </p>
      )}
      {node.osState ? <SlotDiagram os={node.osState} /> : <p className="muted">This node does not report its slots.</p>}
      {update && (
        <>
          <h4>Update history</h4>
          {error && (
            <p className="error" role="alert">
              {error.message}
            </p>
          )}
          {history && history.length === 0 && <p className="muted">No update events yet.</p>}
          {history && history.length > 0 && (
            <ol className="events update-history">
              {history.map((h, i) => (
                <li key={`${h.at}-${i}`} className={`event ${h.status === 'error' ? 'event-failed' : ''}`}>
                  <time dateTime={h.at} title={dateTime(h.at)}>
                    {relativeTime(h.at)}
                  </time>
                  <span>
                    {INSTANCE_STATUS_LABELS[h.status]} <span className="mono">{h.version}</span>
                    {h.errorCode && h.status === 'error' ? ` · error ${h.errorCode}${h.errorCode === '44' ? ' (rolled back)' : ''}` : ''}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
