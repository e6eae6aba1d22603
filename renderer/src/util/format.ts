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

export function dateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const ACTION_LABELS = { power_on: 'Power on', power_off: 'Power off', reboot: 'Reboot' } as const;

/** A short OS label for dense tables: Flatcar's long product name becomes "Flatcar stable". */
export function osLabel(os: { family: string; name: string; channel: string | null }): string {
  if (os.family === 'flatcar') return `Flatcar ${os.channel ?? ''}`.trim();
  return os.name;
}
