import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { useConnections } from '../../stores/connections';
import { PROVIDERS } from '../../../../electron/services/providers/registry';
import { ConnectionsScreen } from './ConnectionsScreen';
import { ConfirmHost } from '../../app/confirm';

function renderConnections(add: () => never | Promise<never>, handlers: ConstructorParameters<typeof FakeTransport>[0] = {}) {
  useConnections.setState({
    // The kinds main describes: the built-in descriptions themselves.
    kinds: PROVIDERS.map((p) => p.info),
    connections: [
      {
        id: 'lab',
        name: 'Lab fleet',
        kind: 'lab',
        baseUrl: 'http://127.0.0.1:1/metal/v1',
        projectId: 'p',
        capabilities: ['power', 'reinstall', 'userdata', 'serialConsole', 'events'],
        hasCredential: true,
        needsCredentials: [],
        console: { breakMethod: 'ssh', keepaliveSeconds: 15, legacyAlgorithms: false, jumpHosts: [] },
        sync: { status: 'ok', lastSyncAt: null, nodeCount: 60, error: null, follows: 'changes' },
      },
    ],
  });
  const transport = new FakeTransport({
    'connections.add': add,
    'runbooks.credentials': () => [{ name: 'console', username: 'core' }],
    'store.status': () => ({ shared: true, reachable: true, label: 'ironpane_app@db:5432/ironpane', since: null }),
    ...handlers,
  });
  render(
    <ClientContext.Provider value={transport.client()}>
      <ConnectionsScreen />
      <ConfirmHost />
    </ClientContext.Provider>,
  );
  return transport;
}

describe('ConnectionsScreen', () => {
  it('shows a rejected token inline and clears the token field', async () => {
    const user = userEvent.setup();
    const transport = renderConnections(() => {
      throw new AppError('auth', 'api.example rejected the API token. Check the token is current and has access to this project.');
    });
    expect(screen.getByText('Lab fleet')).toBeTruthy();
    expect(screen.getByText(/60 nodes · last sync/).textContent).toMatch(/follows changes as they happen/);
    await user.type(screen.getByLabelText('Name'), 'Prod');
    await user.clear(screen.getByLabelText('API base URL'));
    await user.type(screen.getByLabelText('API base URL'), 'https://api.example/metal/v1');
    await user.type(screen.getByLabelText('Project id'), 'proj-1');
    await user.type(screen.getByLabelText('API token'), 'bad-token');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Could not add the connection.*rejected the API token/);
    expect((screen.getByLabelText('API token') as HTMLInputElement).value).toBe('');
    await waitFor(() =>
      expect(transport.calls.find((c) => c.method === 'connections.add')).toMatchObject({
        method: 'connections.add',
        input: { kind: 'metal', name: 'Prod', settings: { token: 'bad-token', projectId: 'proj-1' } },
      }),
    );
  });
});

describe('a team’s connection without this console’s secrets', () => {
  it('says it needs your credentials, names an empty field, and sends only what was typed, once', async () => {
    const user = userEvent.setup();
    const transport = renderConnections(
      () => {
        throw new Error('unused');
      },
      {
        'connections.setCredentials': ({ accountId }) => ({ ...useConnections.getState().connections.find((a) => a.id === accountId)!, needsCredentials: [] }),
      },
    );
    const lab = useConnections.getState().connections[0]!;
    useConnections.setState({
      connections: [
        { ...lab, id: 'shared-1', name: 'Team Metal', kind: 'metal', needsCredentials: ['API token'], sync: { ...lab.sync, status: 'error', nodeCount: 0 } },
      ],
    });
    const form = await screen.findByRole('form', { name: 'Your credentials for Team Metal' });
    expect(form.textContent).toMatch(/Needs your credentials\..*enter your own API token to use it from this console\. Nothing runs on it until then\./);
    expect(screen.getByText('needs your credentials')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Use these credentials' }));
    expect(await screen.findByText('Enter your API token.')).toBeTruthy();
    expect(transport.calls.some((c) => c.method === 'connections.setCredentials')).toBe(false);
    const field = within(form).getByLabelText('API token');
    await user.type(field, 'my-own-token');
    await user.click(screen.getByRole('button', { name: 'Use these credentials' }));
    await waitFor(() =>
      expect(transport.calls.filter((c) => c.method === 'connections.setCredentials')).toEqual([
        expect.objectContaining({ input: { accountId: 'shared-1', secrets: { token: 'my-own-token' } } }),
      ]),
    );
    expect((field as HTMLInputElement).value).toBe('');
    // Removing a team's connection says it goes for every console.
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect((await screen.findByRole('alertdialog', { name: 'Remove Team Metal?' })).textContent).toMatch(/removed for every console on the shared store/);
  });
});

describe('console settings', () => {
  it('saves keepalive, legacy algorithms and jump hosts, and shows what main refuses', async () => {
    const user = userEvent.setup();
    const transport = renderConnections(
      () => {
        throw new Error('unused');
      },
      { 'connections.setConsoleSettings': ({ accountId }) => ({ ...useConnections.getState().connections.find((a) => a.id === accountId)! }) },
    );
    await user.click(screen.getByText('Console settings'));
    const keepalive = screen.getByLabelText('Keepalive every (s, 0 = off)');
    await user.clear(keepalive);
    await user.type(keepalive, '0');
    await user.click(screen.getByLabelText(/Allow legacy SSH algorithms/));
    await user.type(screen.getByLabelText(/Jump hosts/), 'ops@bastion.example:2222, root@10.0.0.1');
    await user.click(screen.getByRole('button', { name: 'Save console settings' }));
    await waitFor(() =>
      expect(transport.calls.find((c) => c.method === 'connections.setConsoleSettings')?.input).toEqual({
        accountId: 'lab',
        settings: { keepaliveSeconds: 0, legacyAlgorithms: true, breakMethod: 'ssh', jumpHosts: ['ops@bastion.example:2222', 'root@10.0.0.1'] },
      }),
    );
    await user.clear(screen.getByLabelText(/Jump hosts/));
    await user.type(screen.getByLabelText(/Jump hosts/), 'ops@a.example, not-a-host');
    await user.click(screen.getByRole('button', { name: 'Save console settings' }));
    expect(screen.getByText('Jump host 2 (“not-a-host”): write it as user@host or user@host:port.')).toBeTruthy();
    expect(transport.calls.filter((c) => c.method === 'connections.setConsoleSettings')).toHaveLength(1);
  });

  it('checks the form before saving: an empty keepalive is not 0, and too many jump hosts are counted', async () => {
    const user = userEvent.setup();
    const transport = renderConnections(() => {
      throw new Error('unused');
    });
    await user.click(screen.getByText('Console settings'));
    await user.clear(screen.getByLabelText(/Keepalive every/));
    await user.type(screen.getByLabelText(/Jump hosts/), Array.from({ length: 6 }, (_, i) => `ops@j${i}.example`).join(', '));
    await user.click(screen.getByRole('button', { name: 'Save console settings' }));
    expect(screen.getByText('Enter the keepalive interval in seconds (0 turns keepalives off).')).toBeTruthy();
    expect(screen.getByText('At most 5 jump hosts (there are 6).')).toBeTruthy();
    expect(screen.getByLabelText(/Keepalive every/).getAttribute('aria-invalid')).toBe('true');
    expect(transport.calls.filter((c) => c.method === 'connections.setConsoleSettings')).toEqual([]);
  });
});

describe('add account form', () => {
  it('names each bad field in plain words before anything is sent, and focuses the first', async () => {
    const user = userEvent.setup();
    const transport = renderConnections(() => {
      throw new Error('unused');
    });
    await user.type(screen.getByLabelText('Name'), 'x'.repeat(81));
    await user.clear(screen.getByLabelText('API base URL'));
    await user.type(screen.getByLabelText('API base URL'), 'http://api.example.com/v1');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(screen.getByText('Name can be at most 80 characters (this one has 81).')).toBeTruthy();
    expect(screen.getByText(/Use https:\/\/ for api\.example\.com/)).toBeTruthy();
    expect(screen.getByText('Enter the project id.')).toBeTruthy();
    expect(screen.getByText('Enter the API token.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText(/^Name/));
    expect(transport.calls.filter((c) => c.method === 'connections.add')).toEqual([]);
  });

  it('keeps what was typed, token included, after an error that is not about the token', async () => {
    const user = userEvent.setup();
    renderConnections(() => {
      throw new AppError('unreachable', 'Could not reach api.example. Check the base URL and your network, then retry.');
    });
    await user.type(screen.getByLabelText('Name'), 'Prod');
    await user.type(screen.getByLabelText('Project id'), 'proj-1');
    await user.type(screen.getByLabelText('API token'), 'good-token');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not reach/);
    expect((screen.getByLabelText('API token') as HTMLInputElement).value).toBe('good-token');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Prod');
  });
});

describe('console credentials', () => {
  it('names each bad field, sends the password once to main, and never shows it back', async () => {
    const user = userEvent.setup();
    const transport = renderConnections(
      () => {
        throw new Error('not used');
      },
      {
        'runbooks.setCredential': (input: { name: string; username: string }) => [
          { name: 'console', username: 'core' },
          { name: input.name, username: input.username },
        ],
      },
    );
    await screen.findByText('core');
    await user.clear(screen.getByLabelText('Credential name'));
    await user.type(screen.getByLabelText('Credential name'), 'BMC root');
    await user.click(screen.getByRole('button', { name: 'Save credential' }));
    expect(screen.getByText(/Use 1–40 lower-case letters/)).toBeTruthy();
    expect(screen.getByText('Enter the login name the console asks for (no spaces).')).toBeTruthy();
    expect(screen.getByText('Enter the password for that login.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Credential name'));
    expect(transport.calls.filter((c) => c.method === 'runbooks.setCredential')).toEqual([]);

    await user.clear(screen.getByLabelText('Credential name'));
    await user.type(screen.getByLabelText('Credential name'), 'bmc-root');
    await user.type(screen.getByLabelText('Login user'), 'ADMIN');
    await user.type(screen.getByLabelText('Login password'), 's3cret');
    await user.click(screen.getByRole('button', { name: 'Save credential' }));
    await screen.findByText('bmc-root');
    expect(transport.calls.find((c) => c.method === 'runbooks.setCredential')?.input).toEqual({ name: 'bmc-root', username: 'ADMIN', password: 's3cret' });
    expect((screen.getByLabelText('Login password') as HTMLInputElement).value).toBe('');
    expect(document.body.textContent).not.toContain('s3cret');
  });
});
