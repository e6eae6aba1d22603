/** Side panel for one node: identity, placement, network, OS, actions and its event history. */
import { UserDataDiff } from '../config/UserDataDiff';
import { Fragment, useEffect, useState } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import type { FleetNode, NodeEvent } from '../../../../shared/model';
import { POWER_ACTIONS, powerActionBlockedReason } from '../../../../shared/node-rules';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { DriftBadge } from '../../ui/DriftBadge';
import { Layer2Badge, StateBadge } from '../../ui/StateBadge';
import { useDrift } from '../../stores/drift';
import { toast } from '../../stores/toasts';
import { openConsole } from '../../stores/consoles';
import { openNode } from '../../stores/ui';
import { ACTION_LABELS, dateTime, relativeTime } from '../../util/format';
import { OsUpdatesSection } from './OsUpdatesSection';
import { ReprovisionDialog } from './ReprovisionDialog';
import { RollbackDialog } from './RollbackDialog';
import { RunbookDialog } from './RunbookDialog';
import { reinstallBlockedReason, runbookBlockedReason } from '../../../../shared/node-rules';
import { capabilityMissingReason } from '../../../../shared/capabilities';
import { BootOverrideControl } from './BootOverrideControl';
import { NodeBusyNote } from './NodeBusyNote';
import { ProviderActions, ProvisioningNotes } from './ProviderActions';
import { Button } from '../../ui/Button';
import { usePowerAction } from './use-power-action';

function useNodeEvents(node: FleetNode) {
  const client = useClient();
  const [events, setEvents] = useState<NodeEvent[] | null>(null);
  const [error, setError] = useState<AppErrorData | null>(null);
  // Reload when the node changes on the provider (updatedAt/state move with every event).
  useEffect(() => {
    let cancelled = false;
    client.call('fleet.nodeEvents', { nodeId: node.id }).then(
      (list) => {
        if (cancelled) return;
        setEvents(list);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(errorData(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [client, node.id, node.updatedAt, node.state]);
  return { events, error };
}

export function NodeDetail({ node }: { node: FleetNode }) {
  const client = useClient();
  const power = usePowerAction();
  const { events, error } = useNodeEvents(node);
  const [reprovisioning, setReprovisioning] = useState(false);
  const [lifecycle, setLifecycle] = useState<'rollback' | 'runbook' | null>(null);
  const reinstallBlocked = reinstallBlockedReason(node);
  const consoleMissing = capabilityMissingReason(node, 'serialConsole');

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !document.querySelector('[role="alertdialog"]')) openNode(null);
    };
    document.addEventListener('keydown', onKey);
    // When the panel closes, focus goes back to what opened it (the grid), not to <body>.
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    return () => {
      document.removeEventListener('keydown', onKey);
      requestAnimationFrame(() => {
        if (document.activeElement && document.activeElement !== document.body) return;
        (opener?.isConnected ? opener : document.querySelector<HTMLElement>('[data-fleet-grid]'))?.focus();
      });
    };
  }, []);

  const field = (label: string, value: React.ReactNode) => (
    <>
      <dt>{label}</dt>
      <dd>{value || <span className="muted">—</span>}</dd>
    </>
  );

  return (
    <aside className="detail" aria-label={`Details of ${node.hostname}`}>
      <header>
        <div>
          <h2>{node.hostname}</h2>
          <div className="detail-sub">
            <StateBadge state={node.state} percent={node.provisioningPercentage} />
            {node.layer2Only && <Layer2Badge />}
          </div>
        </div>
        <button type="button" className="icon" aria-label="Close details" onClick={() => openNode(null)}>
          ×
        </button>
      </header>

      <NodeBusyNote nodeId={node.id} />
      <ProvisioningNotes node={node} />
      <div className="actions" role="group" aria-label="Console">
        <Button className="primary" disabledReason={consoleMissing} onClick={() => void openConsole(client, node.id)} title="Serial console (C)">
          Open console
        </Button>
      </div>
      <div className="actions" role="group" aria-label="Power">
        {POWER_ACTIONS.map((action) => {
          return (
            <Button
              key={action}
              className={action === 'power_on' ? '' : 'danger-outline'}
              disabledReason={powerActionBlockedReason(node, action)}
              onClick={() => void power(node, action)}
            >
              {ACTION_LABELS[action]}
            </Button>
          );
        })}
      </div>
      <BootOverrideControl node={node} />
      <div className="actions" role="group" aria-label="Lifecycle">
        <Button
          className="danger-outline"
          disabledReason={reinstallBlocked}
          title="Reinstall with a chosen OS and config revision"
          onClick={() => setReprovisioning(true)}
        >
          Reprovision…
        </Button>
        <button
          type="button"
          className="danger-outline"
          title="Roll the OS or the config back, with what it will do said first"
          onClick={() => setLifecycle('rollback')}
        >
          Roll back…
        </button>
        <Button disabledReason={runbookBlockedReason(node)} title="Run a runbook on its serial console" onClick={() => setLifecycle('runbook')}>
          Run runbook…
        </Button>
      </div>
      <ProviderActions node={node} />
      {reprovisioning && <ReprovisionDialog node={node} onClose={() => setReprovisioning(false)} />}
      {lifecycle === 'rollback' && <RollbackDialog node={node} onClose={() => setLifecycle(null)} />}
      {lifecycle === 'runbook' && <RunbookDialog nodes={[node]} onClose={() => setLifecycle(null)} />}

      {node.layer2Only && (
        <p className="note">
          This node has no public or management address. Reach it over the serial console ({node.sosHost ?? 'SOS'}) or from a machine on VLAN{' '}
          {node.vlans.join(', ') || '—'}.
        </p>
      )}

      <dl className="fields">
        {field('Device id', <span className="mono">{node.deviceId}</span>)}
        {field('Metro', node.metro && `${node.metro.name} (${node.metro.code})`)}
        {field('Facility', node.facility && `${node.facility.name} (${node.facility.code})`)}
        {field('Switch', node.switchUuid && <span className="mono">{node.switchUuid}</span>)}
        {field('Plan', node.plan)}
        {node.hardware && (
          <>
            {field('Hardware', [node.hardware.manufacturer, node.hardware.model].filter(Boolean).join(' '))}
            {field('Serial number', node.hardware.serialNumber && <span className="mono">{node.hardware.serialNumber}</span>)}
            {field('BIOS', node.hardware.biosVersion)}
            {field(
              'CPUs · memory',
              [
                node.hardware.processors !== null ? `${node.hardware.processors} CPUs` : null,
                node.hardware.memoryGiB !== null ? `${node.hardware.memoryGiB} GiB` : null,
              ]
                .filter(Boolean)
                .join(' · '),
            )}
            {field('Health', node.hardware.health && <span className={`health health-${node.hardware.health.toLowerCase()}`}>{node.hardware.health}</span>)}
          </>
        )}
        {field(
          'OS',
          `${node.os.name}${node.os.name.includes(node.os.version) ? '' : ` ${node.os.version}`}${node.os.channel ? ` · ${node.os.channel} channel` : ''}`,
        )}
        {field('Config', <ConfigField nodeId={node.id} />)}
        {field('Network', node.networkType)}
        {field('VLANs', node.vlans.join(', '))}
        {field(
          'Addresses',
          node.ips.length > 0 && (
            <ul className="plain mono">
              {node.ips.map((ip) => (
                <li key={ip.address}>
                  {ip.address}{' '}
                  <span className="muted">
                    {ip.public ? 'public' : 'private'} v{ip.family}
                  </span>
                </li>
              ))}
            </ul>
          ),
        )}
        {field('Serial console', node.sosHost && <span className="mono">{`${node.consoleUser ?? node.deviceId}@${node.sosHost}`}</span>)}
        {field('Tags', node.tags.join(', '))}
        {node.facts
          ?.filter((f) => f.label !== 'Provision state')
          .map((f) => (
            <Fragment key={f.label}>{field(f.label, f.value)}</Fragment>
          ))}
        {field('Created', node.createdAt && dateTime(node.createdAt))}
        {field('Updated', node.updatedAt && relativeTime(node.updatedAt))}
      </dl>

      <OsUpdatesSection node={node} />

      <section aria-label="Events">
        <h3>Events</h3>
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        {!events && !error && <p className="muted">Loading events…</p>}
        {events && events.length === 0 && <p className="muted">No events recorded.</p>}
        {events && events.length > 0 && (
          <ol className="events">
            {events.map((e) => (
              <li key={e.id} className={`event event-${e.state}`}>
                <time dateTime={e.createdAt} title={dateTime(e.createdAt)}>
                  {relativeTime(e.createdAt)}
                </time>
                <span>{e.message.replace(`${node.hostname}: `, '')}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </aside>
  );
}

/** The node's config state, and one click to what differs between applied and assigned. */
function ConfigField({ nodeId }: { nodeId: string }) {
  const client = useClient();
  const drift = useDrift((s) => s.byNode.get(nodeId));
  const [diff, setDiff] = useState<{ applied: string; assigned: string; appliedLabel: string; assignedLabel: string } | null>(null);
  if (!drift) return <span className="muted">unmanaged: no config assigned</span>;
  return (
    <div className="config-field">
      <DriftBadge drift={drift} /> <span className="muted">{drift.summary}</span>
      {drift.via && <div className="muted">{drift.via.kind === 'tag' ? `assigned through tag ${drift.via.tag}` : 'assigned to this node'}</div>}
      {drift.state === 'drifted' && (
        <button
          type="button"
          className="link"
          onClick={() =>
            void client.call('config.appliedDiff', { nodeId }).then(setDiff, (error: unknown) => toast('error', 'Could not compare', errorData(error).message))
          }
        >
          Compare applied with assigned
        </button>
      )}
      {diff && (
        <div
          className="modal-backdrop"
          onMouseDown={(e) => e.target === e.currentTarget && setDiff(null)}
          onKeyDown={(e) => e.key === 'Escape' && setDiff(null)}
        >
          <div className="modal wide diff-modal" role="dialog" aria-modal="true" aria-label="Applied against assigned config">
            <h2>
              {diff.appliedLabel} → {diff.assignedLabel}
            </h2>
            <UserDataDiff from={diff.applied} to={diff.assigned} />
            <div className="modal-actions">
              <button type="button" autoFocus onClick={() => setDiff(null)}>
                Close
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

// The diff view brings CodeMirror: load it only when someone asks for a comparison.
