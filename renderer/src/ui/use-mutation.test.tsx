import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../shared/errors';
import { ClientError } from '../bridge/client';
import { useToasts } from '../stores/toasts';
import { Button } from './Button';
import { useMutation } from './use-mutation';

function Save({ call, inline = false }: { call: (name: string) => Promise<string>; inline?: boolean }) {
  const save = useMutation(call, { failure: inline ? null : (name) => `Could not save ${name}` });
  return (
    <>
      <Button busy={save.busy} onClick={() => void save.run('edge')}>
        Save
      </Button>
      {save.error && <p role="alert">{save.error.message}</p>}
    </>
  );
}

afterEach(() => useToasts.setState({ toasts: [] }));

describe('useMutation', () => {
  it('runs once however often it is clicked while busy, then is ready again', async () => {
    let finish: (value: string) => void = () => undefined;
    const call = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    render(<Save call={call} />);
    const button = screen.getByRole('button', { name: 'Save' });
    await userEvent.click(button);
    await userEvent.click(button);
    await userEvent.dblClick(button);
    expect(call).toHaveBeenCalledTimes(1);
    expect(button.getAttribute('aria-busy')).toBe('true');
    await act(async () => finish('ok'));
    expect(button.hasAttribute('aria-busy')).toBe(false);
    await userEvent.click(button);
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('keeps the error as data and toasts it, naming what failed, in the words main sent', async () => {
    const error = new AppError('conflict', 'Config: edge r3 has 1 error (line 4: mode must be a whole number); fix it first.', { retryable: false });
    render(<Save call={() => Promise.reject(new ClientError(error.toData()))} />);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe(error.message);
    expect(useToasts.getState().toasts).toMatchObject([{ tone: 'error', title: 'Could not save edge', body: error.message }]);
  });

  it('shows the error inline only when the screen asks for it', async () => {
    render(<Save inline call={() => Promise.reject(new Error('socket closed'))} />);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('socket closed');
    expect(useToasts.getState().toasts).toEqual([]);
  });
});
