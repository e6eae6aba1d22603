import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AppError } from '../../../../shared/errors';
import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { StoreSection } from './StoreSection';

const who = { actors: [], you: 'alice', console: 'desk-1/3f9a2c' };

function renderStore(
  status: { shared: boolean; reachable: boolean; label: string; since: string | null },
  choice: { chosen: string | null; fromEnvironment: string | null } = { chosen: null, fromEnvironment: null },
  handlers: ConstructorParameters<typeof FakeTransport>[0] = {},
) {
  const transport = new FakeTransport({ 'store.status': () => status, 'store.choice': () => choice, 'audit.actors': () => who, ...handlers });
  render(
    <ClientContext.Provider value={transport.client()}>
      <StoreSection />
    </ClientContext.Provider>,
  );
  return transport;
}

describe('StoreSection', () => {
  it('names the desk’s own store and offers a team’s, checked before it is kept, for the next start', async () => {
    const user = userEvent.setup();
    const transport = renderStore({ shared: false, reachable: true, label: '/home/a/.config/Ironpane/ironpane.db', since: null }, undefined, {
      'store.choose': ({ url }) => {
        if (url.includes('wrong')) throw new AppError('unavailable', 'The shared store ironpane_app@wrong:5432/ironpane did not answer within 5 s.');
        return { chosen: 'ironpane_app@db:5432/ironpane', fromEnvironment: null };
      },
    });
    const section = await screen.findByRole('region', { name: 'Store' });
    expect(section.textContent).toMatch(/This console’s own: \/home\/a\/\.config\/Ironpane\/ironpane\.db\./);
    const form = screen.getByRole('form', { name: 'Use a team’s store' });
    const address = within(form).getByLabelText('Address');
    // Named at the field before anything is sent: no role, or a password in the address.
    await user.type(address, 'postgres://db:5432/ironpane');
    await user.click(within(form).getByRole('button', { name: 'Check and use from the next start' }));
    expect(within(form).getByText(/Write it as postgres:\/\/user@host:5432\/database/)).toBeTruthy();
    expect(transport.calls.some((c) => c.method === 'store.choose')).toBe(false);
    await user.clear(address);
    await user.type(address, 'postgres://ironpane_app@wrong:5432/ironpane');
    await user.type(within(form).getByLabelText('Password'), 'secret');
    await user.click(within(form).getByRole('button', { name: 'Check and use from the next start' }));
    expect(await within(form).findByText(/did not answer within 5 s/)).toBeTruthy();
    expect((within(form).getByLabelText('Password') as HTMLInputElement).value).toBe('');
    await user.clear(address);
    await user.type(address, 'postgres://ironpane_app@db:5432/ironpane');
    await user.type(within(form).getByLabelText('Password'), 'secret');
    await user.click(within(form).getByRole('button', { name: 'Check and use from the next start' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/From the next start: ironpane_app@db:5432\/ironpane\. Restart Ironpane to switch\./);
    expect(transport.calls.filter((c) => c.method === 'store.choose').at(-1)).toMatchObject({
      input: { url: 'postgres://ironpane_app@db:5432/ironpane', password: 'secret' },
    });
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

  it('says IRONPANE_STORE decides when it is set, and offers no form', async () => {
    renderStore(
      { shared: true, reachable: true, label: 'ironpane_app@db:5432/ironpane', since: null },
      { chosen: null, fromEnvironment: 'ironpane_app@db:5432/ironpane' },
    );
    expect((await screen.findByText(/is set, so it decides/)).textContent).toMatch(/IRONPANE_STORE is set, so it decides which store this console uses/);
    expect(screen.queryByRole('form', { name: 'Use a team’s store' })).toBeNull();
  });
});
