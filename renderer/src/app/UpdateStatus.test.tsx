import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { UpdateState } from '../../../shared/app-updates';
import { FakeTransport } from '../../../test/fakes/fake-transport';
import { ClientContext } from './client-context';
import { UpdateStatus } from './UpdateStatus';

const base: UpdateState = {
  status: 'idle',
  channel: 'stable',
  currentVersion: '0.1.0',
  version: null,
  progress: null,
  error: null,
  restartBlockedReason: null,
  checkedAt: null,
};

describe('update status', () => {
  it('shows nothing on the web host, progress while downloading, and a restart that says why it waits', async () => {
    const user = userEvent.setup();
    let installs = 0;
    const transport = new FakeTransport({
      'app.updateState': () => ({ ...base, status: 'unsupported' }),
      'app.installUpdate': () => (
        installs++,
        { ...base, status: 'ready', version: '0.2.0', progress: 1, restartBlockedReason: '1 operation is running; restart when it finishes.' }
      ),
    });
    const { container } = render(
      <ClientContext.Provider value={transport.client()}>
        <UpdateStatus />
      </ClientContext.Provider>,
    );
    expect(container.textContent).toBe('');
    act(() => transport.emit('app.updateChanged', { ...base, status: 'downloading', version: '0.2.0', progress: 0.42 }));
    expect(screen.getByRole('status').textContent).toBe('Downloading Ironpane 0.2.0 · 42%');
    act(() =>
      transport.emit('app.updateChanged', {
        ...base,
        status: 'ready',
        version: '0.2.0',
        progress: 1,
        restartBlockedReason: '1 operation is running; restart when it finishes.',
      }),
    );
    const restart = screen.getByRole('button', { name: 'Restart to update to 0.2.0' });
    expect(restart.getAttribute('title')).toBe('1 operation is running; restart when it finishes.');
    await user.click(restart);
    await waitFor(() => expect(transport.calls.map((c) => c.method)).toContain('app.installUpdate'));
    expect(installs).toBe(1);
  });
});
