import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { ConfirmHost } from '../../app/confirm';
import { PROVIDERS } from '../../../../electron/services/providers/registry';
import { ConnectionForm } from './ConnectionForms';

// The forms are drawn from the kinds main describes; these are the built-in descriptions themselves.
const infoOf = (kind: string) => PROVIDERS.find((p) => p.info.kind === kind)!.info;

function renderForm(kind: 'metal' | 'inventory' | 'redfish' | 'ipmi', add: (input: unknown) => unknown) {
  const transport = new FakeTransport({ 'connections.add': add as never });
  render(
    <ClientContext.Provider value={transport.client()}>
      <ConnectionForm info={infoOf(kind)} />
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
    expect(transport.calls.filter((c) => c.method === 'connections.add')).toEqual([]);
  });

  it('shows an unknown BMC certificate with its fingerprint and sends it only once the user trusts it', async () => {
    const user = userEvent.setup();
    const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
    const inputs: Record<string, unknown>[] = [];
    renderForm('redfish', (input) => {
      inputs.push(input as Record<string, unknown>);
      if (!(input as { settings: { certificateFingerprint?: string } }).settings.certificateFingerprint)
        throw new AppError('host_key_unknown', 'unknown certificate', { detail: fingerprint });
      return {
        id: 'x',
        name: 'BMC',
        kind: 'redfish',
        baseUrl: 'https://10.0.0.9',
        projectId: '',
        capabilities: ['power'],
        hasCredential: true,
        needsCredentials: [],
        console: { breakMethod: 'ssh', keepaliveSeconds: 15, legacyAlgorithms: false, jumpHosts: [] },
        sync: { status: 'connecting', lastSyncAt: null, nodeCount: 0, error: null },
      };
    });
    await user.type(screen.getByLabelText('Name'), 'BMC');
    await user.clear(screen.getByLabelText('BMC address'));
    await user.type(screen.getByLabelText('BMC address'), 'https://10.0.0.9');
    await user.type(screen.getByLabelText('User name'), 'root');
    await user.type(screen.getByLabelText('Password'), 'calvin');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    const dialog = await screen.findByRole('alertdialog', { name: /Trust the certificate of https:\/\/10\.0\.0\.9\?/ });
    expect(dialog.textContent).toContain(fingerprint);
    await user.click(screen.getByRole('button', { name: 'Trust and add' }));
    await waitFor(() => expect(inputs).toHaveLength(2));
    expect(inputs[0]!.settings).not.toHaveProperty('certificateFingerprint');
    expect(inputs[1]).toMatchObject({
      kind: 'redfish',
      name: 'BMC',
      settings: { baseUrl: 'https://10.0.0.9', username: 'root', password: 'calvin', auth: 'session', certificateFingerprint: fingerprint },
    });
    await waitFor(() => expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe(''));
  });

  it('checks IPMI fields: port, cipher suite and the 20-character password limit', async () => {
    const user = userEvent.setup();
    const transport = renderForm('ipmi', () => {
      throw new Error('unused');
    });
    await user.clear(screen.getByLabelText('Port'));
    await user.type(screen.getByLabelText('Port'), '70000');
    await user.clear(screen.getByLabelText('Cipher suite (many BMCs need 3)'));
    await user.type(screen.getByLabelText('Cipher suite (many BMCs need 3)'), '18');
    await user.type(screen.getByLabelText('Password'), 'x'.repeat(21));
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(await screen.findByText(/The port is a number from 1 to 65535/)).toBeTruthy();
    expect(screen.getByText(/The cipher suite is a number from 0 to 17/)).toBeTruthy();
    expect(screen.getByText('Password can be at most 20 characters (this one has 21).')).toBeTruthy();
    expect(screen.getByText('Name the machine this BMC controls.')).toBeTruthy();
    expect(transport.calls.filter((c) => c.method === 'connections.add')).toEqual([]);
  });

  it('clears a secret the endpoint refused and says why the field is empty', async () => {
    const user = userEvent.setup();
    renderForm('metal', () => {
      throw new AppError('auth', '127.0.0.1:1 rejected the API token (401).', { retryable: false });
    });
    await user.type(screen.getByLabelText('Name'), 'Prod');
    await user.type(screen.getByLabelText('Project id'), 'p1');
    await user.type(screen.getByLabelText('API token'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(await screen.findByText('The endpoint refused that API token, so the field was cleared: enter it again.')).toBeTruthy();
    expect((screen.getByLabelText('API token') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Project id') as HTMLInputElement).value).toBe('p1');
    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not add the connection\. 127\.0\.0\.1:1 rejected the API token/);
  });
});
