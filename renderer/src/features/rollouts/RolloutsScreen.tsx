/**
 * Rollouts: Nebraska's groups view, and more. Each update group with its channel, policy and
 * instance counts; the selected group's live rollout (canary, then batches) with counts and an ETA,
 * status and version timelines, the version breakdown, its instances (virtualised, searchable),
 * and its activity; pause/resume, policy, promote (downgrades warned), and a policy-sized batch of
 * reboots for nodes whose update waits for one.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import type { UpdateGroup, UpdateGroupDetail, UpdateInstanceRow } from '../../../../shared/model';
import { INSTANCE_STATUS_LABELS, INSTANCE_STATUS_NAMES, type InstanceStatusName } from '../../../../shared/updates/nebraska-rules';
import { confirm } from '../../app/confirm';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { toast } from '../../stores/toasts';
import { openNode, showScreen, useRollouts, type RolloutsView } from '../../stores/ui';
import { useUpdates } from '../../stores/updates';
import { dateTime, relativeTime } from '../../util/format';
import { PolicyDialog, PromoteDialog } from './RolloutDialogs';
import { TimelineChart } from './TimelineChart';

export const STATUS_COLORS: Record<InstanceStatusName, string> = {
  undefined: '#8b95a5',
  updateGranted: '#7c6cf2',
  error: '#e5484d',
  complete: '#30a46c',
  installed: '#f5a524',
  downloaded: '#3e9bd6',
  downloading: '#12a5c9',
  onHold: '#b5894d',
};
const VERSION_COLORS = ['#30a46c', '#3e9bd6', '#7c6cf2', '#f5a524', '#e5484d', '#8b95a5'];

const groupKey = (g: { serverId: string; id: string }) => `${g.serverId}:${g.id}`;

export function formatEta(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `about ${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `about ${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `about ${Math.round(ms / 3_600_000)} h`;
  return `about ${Math.round(ms / 86_400_000)} days`;
}

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
        <p className="muted">{failing ? `${failing.name}: ${failing.sync.error!.message}` : 'Add a Nebraska update server on the Connections screen to see its groups here.'}</p>
        <button type="button" onClick={() => showScreen('accounts')}>
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

function ProgressBar({ group }: { group: UpdateGroup }) {
  const total = Math.max(1, group.total);
  const r = group.rollout;
  const part = (n: number) => `${(n / total) * 100}%`;
  return (
    <span
      className="progress-bar"
      role="img"
      aria-label={`${r.done} of ${group.total} on ${group.targetVersion ?? 'the target'}, ${r.inProgress} updating, ${r.waitingReboot} waiting for a reboot, ${r.failed} failed`}
    >
      <span className="seg done" style={{ width: part(r.done) }} />
      <span className="seg updating" style={{ width: part(r.inProgress) }} />
      <span className="seg reboot" style={{ width: part(r.waitingReboot) }} />
      <span className="seg failed" style={{ width: part(r.failed) }} />
    </span>
  );
}

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

function GroupPanel({ group }: { group: UpdateGroup }) {
  const client = useClient();
  const duration = useRollouts((s) => s.duration);
  const { detail, error } = useGroupDetail(group, duration);
  const [dialog, setDialog] = useState<'policy' | 'promote' | null>(null);
  const [busy, setBusy] = useState(false);
  const r = group.rollout;
  const p = group.policy;

  const setEnabled = async (enabled: boolean) => {
    if (enabled) {
      const ok = await confirm({
        title: `Resume updates in ${group.name}?`,
        body: `${r.remaining} node${r.remaining === 1 ? '' : 's'} not yet on ${group.targetVersion ?? 'the target'} will be offered it again, ${p.maxUpdatesPerPeriod} per ${p.periodInterval}${p.safeMode ? ', canary first' : ''}.${r.failed > 0 ? ` ${r.failed} node${r.failed === 1 ? '' : 's'} failed this release; check why first.` : ''}`,
        confirmLabel: 'Resume updates',
        tone: 'normal',
      });
      if (!ok) return;
    }
    setBusy(true);
    try {
      await client.call('updates.setUpdatesEnabled', { serverId: group.serverId, groupId: group.id, enabled });
      toast('success', enabled ? `Updates resumed in ${group.name}` : `Updates paused in ${group.name}`);
    } catch (e) {
      toast('error', enabled ? 'Could not resume' : 'Could not pause', errorData(e).message);
    } finally {
      setBusy(false);
    }
  };

  const rebootWaiting = async () => {
    const batch = Math.min(r.waitingReboot, Math.max(1, p.maxUpdatesPerPeriod));
    const ok = await confirm({
      title: `Reboot ${batch} node${batch === 1 ? '' : 's'} waiting for ${group.targetVersion ?? 'their update'}?`,
      body: `${r.waitingReboot} node${r.waitingReboot === 1 ? ' has' : 's have'} installed the update and wait${r.waitingReboot === 1 ? 's' : ''} for a reboot. Ironpane reboots at most ${Math.max(1, p.maxUpdatesPerPeriod)} at once, the group's max updates per period; each boots its new slot and falls back if it does not come up healthy.`,
      confirmLabel: `Reboot ${batch}`,
      tone: 'danger',
      typeToConfirm: batch > 1 ? String(batch) : undefined,
    });
    if (!ok) return;
    setBusy(true);
    try {
      const result = await client.call('updates.rebootPending', { serverId: group.serverId, groupId: group.id });
      const failed = result.results.filter((x) => !x.ok);
      const started = result.results.filter((x) => x.ok).map((x) => x.hostname);
      toast(
        failed.length ? 'error' : 'success',
        started.length ? `Rebooting ${started.join(', ')}` : 'No reboot started',
        [failed.map((f) => `${f.hostname}: ${f.error?.message ?? 'failed'}`).join('; '), result.remaining ? `${result.remaining} more wait for the next batch.` : ''].filter(Boolean).join(' '),
      );
    } catch (e) {
      toast('error', 'Could not reboot', errorData(e).message);
    } finally {
      setBusy(false);
    }
  };

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
            {group.serverName} · track <span className="mono">{group.track}</span> · channel {group.channelName ?? 'none'} → <strong className="mono">{group.targetVersion ?? '—'}</strong>
          </div>
        </div>
        <div className="actions" role="group" aria-label="Rollout actions">
          {p.updatesEnabled ? (
            <button type="button" disabled={busy} onClick={() => void setEnabled(false)}>
              Pause updates
            </button>
          ) : (
            <button type="button" className="primary" disabled={busy} onClick={() => void setEnabled(true)}>
              Resume updates
            </button>
          )}
          <button type="button" onClick={() => setDialog('policy')}>
            Edit policy
          </button>
          <button type="button" onClick={() => setDialog('promote')} disabled={!group.channelId}>
            Promote…
          </button>
          <button type="button" className="danger-outline" disabled={busy || r.waitingReboot === 0} onClick={() => void rebootWaiting()} title="Reboot nodes whose update waits for a reboot">
            Reboot waiting ({r.waitingReboot})
          </button>
        </div>
      </header>

      {r.pausedReason && (
        <p className="note error" role="alert">
          Rollout stopped: {r.pausedReason}. Look at that node before resuming.
        </p>
      )}
      {!p.updatesEnabled && !r.pausedReason && <p className="note">Updates are paused in this group: no node is offered {group.targetVersion ?? 'an update'}.</p>}

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
            <dd data-count="updating">{r.inProgress}</dd>
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
          {p.updatesEnabled ? 'Updates on' : 'Updates off'} · {p.safeMode ? 'safe mode (canary first, stop on failure)' : 'no safe mode'} · {p.maxUpdatesPerPeriod} per {p.periodInterval} ·
          timeout {p.updateTimeout}
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
          <button key={d} type="button" className={d === duration ? 'chip current' : 'chip'} aria-pressed={d === duration} onClick={() => useRollouts.setState({ duration: d })}>
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
              <span key={b.version} style={{ width: `${b.percentage}%`, background: VERSION_COLORS[i % VERSION_COLORS.length] }} title={`${b.version}: ${b.instances} (${b.percentage.toFixed(1)} %)`} />
            ))}
          </div>
          <ul className="plain breakdown-legend">
            {detail.breakdown.map((b, i) => (
              <li key={b.version}>
                <span className="swatch" style={{ background: VERSION_COLORS[i % VERSION_COLORS.length] }} /> <span className="mono">{b.version}</span> {b.instances} ({b.percentage.toFixed(0)} %)
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

const PAGE = 200;
const ROW_HEIGHT = 34;

function InstanceList({ group }: { group: UpdateGroup }) {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<InstanceStatusName | ''>('');
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<Map<number, UpdateInstanceRow>>(new Map());
  const [error, setError] = useState<AppErrorData | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const requested = useRef(new Set<number>());
  const generation = useRef(0);
  const summary = JSON.stringify(group.counts);

  const fetchPage = useCallback(
    (page: number, gen: number) => {
      requested.current.add(page);
      client
        .call('updates.instances', { serverId: group.serverId, groupId: group.id, search, status: status || null, offset: page * PAGE, limit: PAGE })
        .then(
          (result) => {
            if (gen !== generation.current) return;
            setTotal(result.total);
            setRows((prev) => {
              const next = new Map(prev);
              result.rows.forEach((row, i) => next.set(page * PAGE + i, row));
              return next;
            });
            setError(null);
          },
          (e: unknown) => gen === generation.current && setError(errorData(e)),
        );
    },
    [client, group.serverId, group.id, search, status],
  );

  // A new query (or the group moving) starts over from the first page.
  useEffect(() => {
    const gen = ++generation.current;
    requested.current = new Set();
    const timer = setTimeout(() => {
      setRows(new Map());
      fetchPage(0, gen);
    }, 150);
    return () => clearTimeout(timer);
  }, [fetchPage, summary]);

  // The React Compiler cannot memoise around useVirtualizer; this component is memo-free by design.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  const items = virtual.getVirtualItems();
  useEffect(() => {
    for (const item of items) {
      const page = Math.floor(item.index / PAGE);
      if (!requested.current.has(page)) fetchPage(page, generation.current);
    }
  }, [items, fetchPage]);

  return (
    <section className="instances" aria-label="Instances">
      <div className="instances-head">
        <h3>
          Instances <span className="muted">{total}</span>
        </h3>
        <input
          type="search"
          placeholder="Search hostname, alias, IP, id, version"
          aria-label="Search instances"
          value={search}
          maxLength={200}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && setSearch('')}
        />
        <select aria-label="Filter instances by status" value={status} onChange={(e) => setStatus(e.target.value as InstanceStatusName | '')}>
          <option value="">Any status</option>
          {INSTANCE_STATUS_NAMES.map((s) => (
            <option key={s} value={s}>
              {INSTANCE_STATUS_LABELS[s]} ({group.counts[s]})
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="instance-scroll" ref={scrollRef} role="grid" aria-rowcount={total} aria-label="Instances of the group">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows.get(item.index);
            return (
              <div
                key={item.key}
                role="row"
                className="instance-row"
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                data-hostname={row?.hostname ?? undefined}
                onDoubleClick={() => row?.nodeId && (showScreen('fleet'), openNode(row.nodeId))}
              >
                {row ? (
                  <>
                    <span role="gridcell" className="i-host">
                      {row.nodeId ? (
                        <button type="button" className="link" onClick={() => (showScreen('fleet'), openNode(row.nodeId))}>
                          {row.hostname}
                        </button>
                      ) : (
                        <span title="No fleet node matches this instance">{row.alias || row.instanceId.slice(0, 12)}</span>
                      )}
                    </span>
                    <span role="gridcell">
                      <span className={`badge status-dot`} style={{ borderColor: STATUS_COLORS[row.status], color: STATUS_COLORS[row.status] }}>
                        {INSTANCE_STATUS_LABELS[row.status]}
                      </span>
                    </span>
                    <span role="gridcell" className="mono">
                      {row.version}
                    </span>
                    <span role="gridcell" className="mono muted">
                      {row.ip}
                    </span>
                    <span role="gridcell" className="muted">
                      {relativeTime(row.lastCheckIn)}
                    </span>
                  </>
                ) : (
                  <span className="muted">Loading…</span>
                )}
              </div>
            );
          })}
        </div>
        {total === 0 && !error && <p className="muted empty-inline">{search || status ? 'No instance matches.' : 'No instance has checked in within 30 days.'}</p>}
      </div>
    </section>
  );
}
