/**
 * "42 s ago" that keeps counting: one shared clock ticks every 10 s while any is shown (a time
 * rendered once used to stay "42s ago" for as long as the screen was open).
 */
import { useSyncExternalStore } from 'react';
import { dateTime, relativeTime } from '../util/format';

const TICK_MS = 10_000;
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  now = Date.now();
  timer ??= setInterval(() => {
    now = Date.now();
    listeners.forEach((l) => l());
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

export function RelativeTime({ iso }: { iso: string | null }) {
  const current = useSyncExternalStore(subscribe, () => now);
  if (!iso) return <span>never</span>;
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {relativeTime(iso, current)}
    </time>
  );
}
