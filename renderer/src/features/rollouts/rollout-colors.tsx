/** What every rollout view draws with: status and version colours, the ETA in words, the group's progress bar. */
import type { UpdateGroup } from '../../../../shared/model';
import type { InstanceStatusName } from '../../../../shared/updates/nebraska-rules';

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
export const VERSION_COLORS = ['#30a46c', '#3e9bd6', '#7c6cf2', '#f5a524', '#e5484d', '#8b95a5'];

export function formatEta(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `about ${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `about ${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `about ${Math.round(ms / 3_600_000)} h`;
  const days = Math.round(ms / 86_400_000);
  return `about ${days} ${days === 1 ? 'day' : 'days'}`;
}

export function ProgressBar({ group }: { group: UpdateGroup }) {
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
