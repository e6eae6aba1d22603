/** A node's config state at a glance: in sync, drifted (assigned r12, applied r9), checking, or unmanaged. */
import type { NodeDrift } from '../../../shared/config/drift';

export function DriftBadge({ drift, compact = false }: { drift: NodeDrift | undefined; compact?: boolean }) {
  if (!drift) return <span className="muted">{compact ? '—' : 'unmanaged'}</span>;
  const text =
    drift.state === 'in_sync'
      ? `✓ r${drift.assignedRevision}`
      : drift.state === 'drifted'
        ? `drifted ${drift.appliedRevision === null ? '' : `r${drift.appliedRevision}`}→r${drift.assignedRevision}`
        : 'checking…';
  return (
    <span className={`badge drift-${drift.state}`} title={drift.summary} data-drift={drift.state}>
      {text}
    </span>
  );
}
