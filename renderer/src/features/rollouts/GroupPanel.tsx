/**
 * One update group: its live rollout (canary, then batches) with counts and an ETA, status and
 * version timelines, the version breakdown, its instances and its activity; pause/resume, policy,
 * promote and a policy-sized batch of reboots.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import type { UpdateGroup, UpdateGroupDetail } from '../../../../shared/model';
import { INSTANCE_STATUS_LABELS, INSTANCE_STATUS_NAMES } from '../../../../shared/updates/nebraska-rules';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { useRollouts, type RolloutsView } from '../../stores/ui';
import { dateTime, relativeTime } from '../../util/format';
import { Button } from '../../ui/Button';
import { InstanceList } from './InstanceList';
import { PolicyDialog, PromoteDialog } from './RolloutDialogs';
import { formatEta, ProgressBar, STATUS_COLORS, VERSION_COLORS } from './rollout-colors';
import { TimelineChart } from './TimelineChart';
import { useGroupActions } from './use-group-actions';

function useGroupDetail(group: UpdateGroup, duration: RolloutsView['duration']) {
  const client = useClient();
  const [detail, setDetail] = useState<UpdateGroupDetail | null>(null);
  const [error, setError] = useState<AppErrorData | null>(null);
  const load = useCallback(() => {
    client.call('updates.groupDetail', { serverId: group.serverId, groupId: group.id, duration }).then(
      (d) => (setDetail(d), setError(null)),
      (e: unknown) => setError(errorData(e)),
    );
  }, [client, group.serverId, group.id, duration]);
  // Refetch when main says the group moved (at most every 750 ms).
  const summary = JSON.stringify([group.counts, group.rollout, group.policy, group.targetVersion]);
  useEffect(() => {
    const timer = setTimeout(load, detail ? 750 : 0);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, summary]);
  return { detail, error, reload: load };
}

export function GroupPanel({ group }: { group: UpdateGroup }) {
  const duration = useRollouts((s) => s.duration);
  const { detail, error } = useGroupDetail(group, duration);
  const [dialog, setDialog] = useState<'policy' | 'promote' | null>(null);
  const actions = useGroupActions(group);
  const r = group.rollout;
  const p = group.policy;

  const statusSeries = useMemo(() => {
    const timeline = detail?.statusTimeline ?? [];
    return INSTANCE_STATUS_NAMES.filter((s) => s !== 'undefined' && timeline.some((b) => b.counts[s] > 0)).map((s) => ({
      label: INSTANCE_STATUS_LABELS[s],
      color: STATUS_COLORS[s],
      values: timeline.map((b) => b.counts[s]),
    }));
  }, [detail?.statusTimeline]);
  const versionSeries = useMemo(() => {
    const timeline = detail?.versionTimeline ?? [];
    const versions = [...new Set(timeline.flatMap((b) => Object.keys(b.counts)))].sort().reverse().slice(0, VERSION_COLORS.length);
    return versions.map((v, i) => ({ label: v, color: VERSION_COLORS[i]!, values: timeline.map((b) => b.counts[v] ?? 0) }));
  }, [detail?.versionTimeline]);

  return (
    <section className="group-panel" aria-label={`Group ${group.name}`}>
      <header className="group-head">
        <div>
          <h2>{group.name}</h2>
          <div className="muted">
            {group.serverName} · track <span className="mono">{group.track}</span> · channel {group.channelName ?? 'none'} →{' '}
            <strong className="mono">{group.targetVersion ?? '—'}</strong>
          </div>
        </div>
        <div className="actions" role="group" aria-label="Rollout actions">
          {p.updatesEnabled ? (
            <Button busy={actions.busy} onClick={() => void actions.setEnabled(false)}>
              Pause updates
            </Button>
          ) : (
            <Button className="primary" busy={actions.busy} onClick={() => void actions.setEnabled(true)}>
              Resume updates
            </Button>
          )}
          <Button onClick={() => setDialog('policy')}>Edit policy</Button>
          <Button onClick={() => setDialog('promote')} disabledReason={group.channelId ? null : 'The group has no channel to promote a release on.'}>
            Promote…
          </Button>
          <Button
            className="danger-outline"
            busy={actions.busy}
            disabledReason={r.waitingReboot === 0 ? 'No node has installed the update and waits for a reboot.' : null}
            onClick={() => void actions.rebootWaiting()}
            title="Reboot nodes whose update waits for a reboot"
          >
            Reboot waiting ({r.waitingReboot})
          </Button>
        </div>
      </header>

      {r.pausedReason && (
        <p className="note error" role="alert">
          Rollout stopped: {r.pausedReason}. Look at that node before resuming.
        </p>
      )}
      {!p.updatesEnabled && !r.pausedReason && (
        <p className="note">Updates are paused in this group: no node is offered {group.targetVersion ?? 'an update'}.</p>
      )}

      <div className="rollout-follow" aria-label="Rollout progress" data-testid="rollout-progress">
        <ProgressBar group={group} />
        <dl className="rollout-counts">
          <div>
            <dt>On {group.targetVersion ?? 'target'}</dt>
            <dd data-count="done">
              {r.done} / {group.total}
            </dd>
          </div>
          <div>
            <dt>Updating</dt>
            <dd data-count="updating">
              {r.inProgress}
              {r.inProgress > 0 && <span className="muted small count-detail">{updatingSteps(group)}</span>}
            </dd>
          </div>
          <div>
            <dt>Waiting for reboot</dt>
            <dd data-count="reboot">{r.waitingReboot}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd data-count="failed" className={r.failed ? 'error' : undefined}>
              {r.failed}
            </dd>
          </div>
          <div>
            <dt>On hold</dt>
            <dd data-count="onhold">{group.counts.onHold}</dd>
          </div>
          <div>
            <dt>ETA</dt>
            <dd data-count="eta">{r.remaining === 0 ? 'done' : formatEta(r.etaMs)}</dd>
          </div>
        </dl>
        <p className="phase-line" data-phase={r.phase}>
          {PHASE_TEXT[r.phase](group)}
        </p>
        <p className="muted policy-line">
          {p.updatesEnabled ? 'Updates on' : 'Updates off'} · {p.safeMode ? 'safe mode (canary first, stop on failure)' : 'no safe mode'} ·{' '}
          {p.maxUpdatesPerPeriod} per {p.periodInterval} · timeout {p.updateTimeout}
          {p.officeHours ? ` · office hours only (${p.timezone})` : ''}
        </p>
      </div>

      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}

      <div className="chart-toolbar" role="group" aria-label="Chart window">
        {(['1h', '1d', '7d', '30d'] as const).map((d) => (
          <button
            key={d}
            type="button"
            className={d === duration ? 'chip current' : 'chip'}
            aria-pressed={d === duration}
            onClick={() => useRollouts.setState({ duration: d })}
          >
            {d}
          </button>
        ))}
      </div>
      <div className="charts">
        <TimelineChart title="Status changes" times={(detail?.statusTimeline ?? []).map((b) => b.at)} series={statusSeries} />
        <TimelineChart title="Instances per version" times={(detail?.versionTimeline ?? []).map((b) => b.at)} series={versionSeries} />
      </div>

      {detail && detail.breakdown.length > 0 && (
        <div className="breakdown" aria-label="Version breakdown">
          <div className="breakdown-bar">
            {detail.breakdown.map((b, i) => (
              <span
                key={b.version}
                style={{ width: `${b.percentage}%`, background: VERSION_COLORS[i % VERSION_COLORS.length] }}
                title={`${b.version}: ${b.instances} (${b.percentage.toFixed(1)} %)`}
              />
            ))}
          </div>
          <ul className="plain breakdown-legend">
            {detail.breakdown.map((b, i) => (
              <li key={b.version}>
                <span className="swatch" style={{ background: VERSION_COLORS[i % VERSION_COLORS.length] }} /> <span className="mono">{b.version}</span>{' '}
                {b.instances} ({b.percentage.toFixed(0)} %)
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="group-lower">
        <InstanceList group={group} />
        <section className="activity-feed" aria-label="Rollout activity" tabIndex={0}>
          <h3>Activity</h3>
          {detail && detail.activity.length === 0 && <p className="muted">Nothing in this window.</p>}
          <ol className="events">
            {detail?.activity.map((a) => (
              <li key={a.id} className={`event event-${a.severity === 'error' ? 'failed' : a.severity}`}>
                <time dateTime={a.at} title={dateTime(a.at)}>
                  {relativeTime(a.at)}
                </time>
                <span>
                  {ACTIVITY_TEXT[a.kind](a.version)}
                  {a.hostname || a.instanceId ? <span className="muted"> · {a.hostname ?? a.instanceId.slice(0, 12)}</span> : null}
                </span>
              </li>
            ))}
          </ol>
        </section>
      </div>

      {dialog === 'policy' && <PolicyDialog group={group} onClose={() => setDialog(null)} />}
      {dialog === 'promote' && <PromoteDialog group={group} onClose={() => setDialog(null)} />}
    </section>
  );
}

/** Where the updating nodes are in update_engine's steps, so "Updating 3" shows movement. */
function updatingSteps(group: UpdateGroup): string {
  const c = group.counts;
  return [
    [c.updateGranted, 'granted'],
    [c.downloading, 'downloading'],
    [c.downloaded, 'downloaded'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, word]) => `${n} ${word}`)
    .join(' · ');
}

const PHASE_TEXT: Record<UpdateGroup['rollout']['phase'], (g: UpdateGroup) => string> = {
  canary: () => 'Canary: one node updates first; the rest wait until it has tried the release.',
  batches: (g) => `Batches: up to ${g.policy.maxUpdatesPerPeriod} nodes per ${g.policy.periodInterval}, and never more than that in flight.`,
  done: (g) => `Done: every node runs ${g.targetVersion ?? 'the target'} or newer.`,
  paused: () => 'Paused: no node is offered an update.',
  idle: () => 'Nothing to roll out: the channel points at no package.',
};

const ACTIVITY_TEXT: Record<UpdateGroupDetail['activity'][number]['kind'], (v: string) => string> = {
  packageNotFound: () => 'No package on the channel',
  rolloutStarted: (v) => `Rollout of ${v} started`,
  rolloutFinished: (v) => `Rollout of ${v} finished`,
  rolloutFailed: (v) => `Rollout of ${v} failed: updates disabled`,
  instanceUpdateFailed: (v) => `A node failed to update to ${v}`,
  channelPackageUpdated: (v) => `Channel now points at ${v}`,
  other: (v) => `Activity (${v})`,
};
