/** Short notices in the corner. Errors stay until dismissed; the rest fade after a few seconds. */
import { create } from 'zustand';

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  title: string;
  body?: string;
}

export const useToasts = create<{ toasts: Toast[] }>(() => ({ toasts: [] }));

let nextId = 1;
const AUTO_DISMISS_MS = 6_000;

export function toast(tone: Toast['tone'], title: string, body?: string): number {
  const id = nextId++;
  useToasts.setState((s) => ({ toasts: [...s.toasts.slice(-4), { id, tone, title, body }] }));
  if (tone !== 'error') setTimeout(() => dismissToast(id), AUTO_DISMISS_MS);
  return id;
}

export function dismissToast(id: number): void {
  useToasts.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}
