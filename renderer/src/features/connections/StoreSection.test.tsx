import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { StoreSection } from './StoreSection';

const who = { actors: [], you: 'alice', console: 'desk-1/3f9a2c' };

function renderStore(status: { shared: boolean; reachable: boolean; label: string; since: string | null }) {
  const transport = new FakeTransport({ 'store.status': () => status, 'audit.actors': () => who });
  render(
    <ClientContext.Provider value={transport.client()}>
      <StoreSection />
    </ClientContext.Provider>,
  );
  return transport;
}

describe('StoreSection', () => {
  it('names the desk’s own store and says how to share one', async () => {
    renderStore({ shared: false, reachable: true, label: '/home/a/.config/Ironpane/ironpane.db', since: null });
    const section = await screen.findByRole('region', { name: 'Store' });
    expect(section.textContent).toMatch(/This console’s own: \/home\/a\/\.config\/Ironpane\/ironpane\.db\. To share .* IRONPANE_STORE=postgres:\/\//);
    expect((await screen.findByText(/You act as/)).textContent).toMatch(/You act as alice from console desk-1\/3f9a2c/);
  });

  it('names a shared store without its password, and says so live when it stops answering', async () => {
    const transport = renderStore({ shared: true, reachable: true, label: 'ironpane_app@db:5432/ironpane', since: null });
    const section = await screen.findByRole('region', { name: 'Store' });
    expect(section.textContent).toMatch(/Shared with a team: ironpane_app@db:5432\/ironpane \(answering\)/);
    act(() =>
      transport.emit('store.statusChanged', { shared: true, reachable: false, label: 'ironpane_app@db:5432/ironpane', since: new Date().toISOString() }),
    );
    expect(section.textContent).toMatch(/not answering since .*; actions are refused/);
  });
});
