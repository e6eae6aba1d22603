import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { ConfirmHost } from '../../app/confirm';
import { ConnectionForm } from './ConnectionForms';

function renderForm(kind: 'inventory' | 'redfish' | 'ipmi', add: (input: unknown) => unknown) {
  const transport = new FakeTransport({ 'accounts.add': add as never });
  render(
    <ClientContext.Provider value={transport.client()}>
      <ConnectionForm kind={kind} />
      <ConfirmHost />
    </ClientContext.Provider>,
  );
  return transport;
}

describe('connection forms', () => {
  it('names each bad field before anything is sent', async () => {
    const user = userEvent.setup();
    const transport = renderForm('inventory', () => {
      throw new Error('unused');
    });
    await user.type(screen.getByLabelText('Inventory file (full path)'), 'fleet.yaml');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(await screen.findByText('Give the connection a name.')).toBeTruthy();
    expect(screen.getByText(/Write the full path of the file/)).toBeTruthy();
    expect(transport.calls.filter((c) => c.method === 'accounts.add')).toEqual([]);
  });
});
