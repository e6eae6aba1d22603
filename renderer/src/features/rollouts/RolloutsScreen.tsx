/**
 * Rollouts: Nebraska's groups view, and more. Each update group with its channel, policy and
 * instance counts; the selected group's live rollout (canary, then batches) with counts and an ETA,
 * status and version timelines, the version breakdown, its instances (virtualised, searchable),
 * and its activity; pause/resume, policy, promote (downgrades warned), and a policy-sized batch of
 * reboots for nodes whose update waits for one.
 */
import { showScreen, useRollouts } from '../../stores/ui';
import { useUpdates } from '../../stores/updates';
import { GroupPanel } from './GroupPanel';
import { ProgressBar } from './rollout-colors';

const groupKey = (g: { serverId: string; id: string }) => `${g.serverId}:${g.id}`;

export function RolloutsScreen() {
  const groups = useUpdates((s) => s.groups);
  const loaded = useUpdates((s) => s.loaded);
  const servers = useUpdates((s) => s.servers);
  const selectedKey = useRollouts((s) => s.groupKey);
  const selected = groups.find((g) => groupKey(g) === selectedKey) ?? groups[0] ?? null;

  if (!loaded) {
    return (
      <div className="empty" role="status">
        <div className="spinner" aria-hidden="true" />
        Reading the update servers…
      </div>
    );
  }
  if (groups.length === 0) {
    const failing = servers.find((s) => s.sync.error);
    return (
      <div className="empty">
        <h2>No update groups</h2>
        <p className="muted">
          {failing ? `${failing.name}: ${failing.sync.error!.message}` : 'Add a Nebraska update server on the Connections screen to see its groups here.'}
        </p>
        <button type="button" onClick={() => showScreen('connections')}>
          Open Connections
        </button>
      </div>
    );
  }
  return (
    <div className="rollouts">
      <nav className="rollout-groups" aria-label="Update groups">
        <h2>Rollouts</h2>
        <ul>
          {groups.map((g) => (
            <li key={groupKey(g)}>
              <button
                type="button"
                className={`group-item${selected && groupKey(selected) === groupKey(g) ? ' current' : ''}`}
                aria-current={selected && groupKey(selected) === groupKey(g) ? 'true' : undefined}
                onClick={() => useRollouts.setState({ groupKey: groupKey(g) })}
              >
                <span className="group-name">{g.name}</span>
                <span className="muted">
                  {g.channelName ?? 'no channel'} → <span className="mono">{g.targetVersion ?? '—'}</span>
                </span>
                <ProgressBar group={g} />
                <span className="group-tags">
                  {!g.policy.updatesEnabled && <span className="badge paused">paused</span>}
                  {g.rolloutInProgress && g.policy.updatesEnabled && <span className="badge update-updating">rolling out</span>}
                  {g.rollout.failed > 0 && <span className="badge update-failed">{g.rollout.failed} failed</span>}
                  {g.rollout.waitingReboot > 0 && <span className="badge update-reboot-pending">{g.rollout.waitingReboot} reboot</span>}
                </span>
                {servers.length > 1 && <span className="muted small">{g.serverName}</span>}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {selected && <GroupPanel key={groupKey(selected)} group={selected} />}
    </div>
  );
}
