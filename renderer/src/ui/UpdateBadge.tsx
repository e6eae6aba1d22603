/** A node's update state at a glance: rolled back, reboot pending, updating 40 %, behind, current. */
import type { UpdateAlarms } from '../../../shared/updates/alarms';
import { UPDATE_FILTER_LABELS } from '../../../shared/updates/alarms';

export function UpdateBadge({ alarms, compact = false }: { alarms: UpdateAlarms; compact?: boolean }) {
  if (!alarms.summary) return <span className="muted">{compact ? '—' : 'no update state'}</span>;
  const label =
    alarms.summary === 'updating' && alarms.progress !== null
      ? `Downloading ${Math.round(alarms.progress * 100)} %`
      : alarms.summary === 'current'
        ? '✓ Current'
        : UPDATE_FILTER_LABELS[alarms.summary];
  const title = [
    alarms.bootedVersion ? `Booted ${alarms.bootedVersion}` : null,
    alarms.pendingVersion ? `next boot ${alarms.pendingVersion}` : null,
    alarms.bootedNotIntended ? 'booted version is not the one the update server granted' : null,
  ]
    .filter(Boolean)
    .join('; ');
  return (
    <span className={`badge update-${alarms.summary}`} data-update={alarms.summary} title={title || undefined}>
      {label}
    </span>
  );
}

/** `4152.2.3 → 4230.2.4` when the next boot runs another version. */
export function VersionArrow({ alarms, fallback }: { alarms: UpdateAlarms; fallback: string }) {
  const booted = alarms.bootedVersion ?? fallback;
  if (!alarms.pendingVersion) return <span className="mono">{booted}</span>;
  return (
    <span className="mono" title={`Runs ${booted}; the next boot runs ${alarms.pendingVersion}`}>
      {booted} <span aria-label="then">→</span> <strong>{alarms.pendingVersion}</strong>
    </span>
  );
}
