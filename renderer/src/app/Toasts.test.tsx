/** Notices: a repeat is counted on the one shown, not stacked; errors stay 20 s, the rest fade sooner. */
import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dismissToast, toast, useToasts } from '../stores/toasts';
import { Toasts } from './Toasts';

afterEach(() => {
  for (const t of useToasts.getState().toasts) dismissToast(t.id);
  vi.useRealTimers();
});

describe('Toasts', () => {
  it('counts a repeated notice on the one shown instead of stacking copies', () => {
    render(<Toasts />);
    act(() => {
      toast('error', 'No reboot started', 'am7-k8s-worker-01 no longer waits for a reboot');
      toast('success', 'Rebooting da11-k8s-worker-03');
      toast('error', 'No reboot started', 'am7-k8s-worker-01 no longer waits for a reboot');
    });
    expect(screen.getAllByText('No reboot started')).toHaveLength(1);
    expect(screen.getByText('2 times').closest('.toast-count')!.textContent).toBe('×22 times');
    // The repeat moved nearest the corner.
    expect(useToasts.getState().toasts.map((t) => t.title)).toEqual(['Rebooting da11-k8s-worker-03', 'No reboot started']);
    // Another body is another notice.
    act(() => void toast('error', 'No reboot started', 'da6-k8s-worker-01 no longer waits for a reboot'));
    expect(screen.getAllByText('No reboot started')).toHaveLength(2);
  });

  it('fades a repeated success only a full while after its last repeat; errors stay longer, then go', () => {
    vi.useFakeTimers();
    render(<Toasts />);
    act(() => void toast('success', 'Saved'));
    act(() => void toast('error', 'Failed'));
    act(() => void vi.advanceTimersByTime(5_000));
    act(() => void toast('success', 'Saved'));
    act(() => void vi.advanceTimersByTime(5_000));
    expect(screen.queryByText('Saved')).not.toBeNull();
    act(() => void vi.advanceTimersByTime(1_500));
    expect(screen.queryByText('Saved')).toBeNull();
    expect(screen.queryByText('Failed')).not.toBeNull();
    act(() => void vi.advanceTimersByTime(9_000));
    expect(screen.queryByText('Failed')).toBeNull();
  });

  it('shows at most five notices, the newest kept', () => {
    render(<Toasts />);
    act(() => {
      for (let i = 1; i <= 7; i++) toast('error', `Problem ${i}`);
    });
    expect(useToasts.getState().toasts.map((t) => t.title)).toEqual(['Problem 3', 'Problem 4', 'Problem 5', 'Problem 6', 'Problem 7']);
  });
});
