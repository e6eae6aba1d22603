import type { Connection, OperationSummary } from '../../../shared/model';
/** Formatting helpers shared by screens. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const s = Math.round(ms / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** A full timestamp for logs: seconds and the time zone, so entries from two machines can be lined up. */
export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}

export const ACTION_LABELS = { power_on: 'Power on', power_off: 'Power off', reboot: 'Reboot' } as const;

/** A short OS label for dense tables: Flatcar's long product name becomes "Flatcar stable". */
export function osLabel(os: { family: string; name: string; channel: string | null }): string {
  if (os.family === 'flatcar') return `Flatcar ${os.channel ?? ''}`.trim();
  return os.name;
}

/** The version to show beside `osLabel`, or '' when the label already says it ("Ubuntu 22.04 LTS"). */
export function osVersionSuffix(os: { family: string; name: string; channel: string | null; version: string }): string {
  return os.version && !osLabel(os).includes(os.version) ? os.version : '';
}

/**
 * The OS as one line: "Flatcar beta 4230.1.0", "Ubuntu 22.04 LTS". A name that carries its image's
 * version ("FreeBSD 14.2") on a node running another (14.1) says the running one, not both.
 */
export function osText(os: { family: string; name: string; channel: string | null; version: string }): string {
  const label = osLabel(os);
  const suffix = osVersionSuffix(os);
  if (suffix && /\d+(?:\.\d+)+/.test(label)) return label.replace(/\d+(?:\.\d+)+/, suffix);
  return [label, suffix].filter(Boolean).join(' ');
}

/** An account's sync, as the status bar says it. Before a launch's first sync, a cached fleet says how old it is. */
export function syncLabel(sync: Connection['sync'], now = Date.now()): string {
  if (sync.status === 'error') return 'sync failed';
  if (sync.status === 'connecting') return sync.lastSyncAt ? `syncing… fleet as last seen ${relativeTime(sync.lastSyncAt, now)}` : 'syncing…';
  return `synced ${relativeTime(sync.lastSyncAt, now)}`;
}

/** What an operation is doing, in words: paused and cancelled say so rather than "running" or "failed". */
export function operationStatusLabel(op: OperationSummary): string {
  if (op.status === 'running') return op.control === 'paused' ? 'paused' : op.control === 'cancelled' ? 'stopping' : 'running';
  if (op.status === 'failed') return '✗ failed';
  return op.cancelled > 0 ? `✓ done, ${op.cancelled} cancelled` : '✓ done';
}
