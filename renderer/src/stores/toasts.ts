/**
 * Short notices in the corner. Errors stay 20 s (long enough to read; what an action did is also in
 * Activity), the rest fade after a few seconds: errors that stayed until dismissed piled up over the
 * details pane. A
 * notice that says the same as one still shown is counted on it instead of stacking a copy (a
 * rollout's repeated "No reboot started" used to fill the corner).
 */
import { create } from 'zustand';

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  title: string;
  body?: string;
  /** How many times this notice was raised while shown. */
  count: number;
}

export const useToasts = create<{ toasts: Toast[] }>(() => ({ toasts: [] }));

let nextId = 1;
const AUTO_DISMISS_MS = 6_000;
const ERROR_DISMISS_MS = 20_000;
const MAX_SHOWN = 5;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export function toast(tone: Toast['tone'], title: string, body?: string): number {
  const same = useToasts.getState().toasts.find((t) => t.tone === tone && t.title === title && t.body === body);
  const id = same?.id ?? nextId++;
  useToasts.setState((s) => {
    const others = s.toasts.filter((t) => t.id !== id);
    // The newest (or newly repeated) notice goes last, nearest the corner.
    return { toasts: [...others.slice(-(MAX_SHOWN - 1)), { id, tone, title, body, count: (same?.count ?? 0) + 1 }] };
  });
  clearTimeout(timers.get(id));
  timers.set(
    id,
    setTimeout(() => dismissToast(id), tone === 'error' ? ERROR_DISMISS_MS : AUTO_DISMISS_MS),
  );
  return id;
}

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  useToasts.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}
