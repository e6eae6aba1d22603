import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Button } from './Button';

describe('Button', () => {
  it('says why it cannot act: the reason is its tooltip and its description, and a click does nothing', async () => {
    const onClick = vi.fn();
    render(
      <Button disabledReason="The node is reinstalling; wait for it to settle." onClick={onClick}>
        Reprovision…
      </Button>,
    );
    const button = screen.getByRole('button', { name: 'Reprovision…' });
    // The reason is not part of its name, it describes it.
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.getAttribute('title')).toBe('The node is reinstalling; wait for it to settle.');
    expect(document.getElementById(button.getAttribute('aria-describedby')!)!.textContent).toBe('The node is reinstalling; wait for it to settle.');
    // Still reachable from the keyboard, so the reason can be read there too.
    await userEvent.tab();
    expect(document.activeElement).toBe(button);
    await userEvent.click(button);
    await userEvent.keyboard('{Enter}');
    expect(onClick).not.toHaveBeenCalled();
  });

  it('acts when nothing blocks it, and not while busy', async () => {
    const onClick = vi.fn();
    const { rerender } = render(<Button onClick={onClick}>Pause</Button>);
    const button = screen.getByRole('button', { name: 'Pause' });
    expect(button.hasAttribute('aria-disabled')).toBe(false);
    expect(button.hasAttribute('aria-describedby')).toBe(false);
    await userEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    rerender(
      <Button busy onClick={onClick}>
        Pause
      </Button>,
    );
    expect(button.getAttribute('aria-busy')).toBe('true');
    await userEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
  });
});
