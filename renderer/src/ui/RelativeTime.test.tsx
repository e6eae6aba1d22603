import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelativeTime } from './RelativeTime';

afterEach(() => vi.useRealTimers());

describe('RelativeTime', () => {
  it('keeps counting while shown instead of freezing at the time it was drawn', () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T10:00:00Z') });
    render(<RelativeTime iso="2026-12-07T09:59:18Z" />);
    expect(screen.getByText('42s ago')).toBeTruthy();
    act(() => void vi.advanceTimersByTime(30_000));
    expect(screen.getByText('1 min ago')).toBeTruthy();
  });
});
