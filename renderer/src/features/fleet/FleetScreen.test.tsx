import { packNodes } from '../../../../shared/fleet-wire';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import type { FleetNode } from '../../../../shared/model';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { fakeNode } from '../../../../test/fakes/nodes';
import { ClientContext } from '../../app/client-context';
import { ConfirmHost } from '../../app/confirm';
import { Toasts } from '../../app/Toasts';
import { startBulkSync, useBulk } from '../../stores/bulk';
import { startFleetSync, useFleet } from '../../stores/fleet';
import { useToasts } from '../../stores/toasts';
import { EMPTY_FILTERS, useUi } from '../../stores/ui';
import { FleetScreen } from './FleetScreen';

const NODES: FleetNode[] = [
  fakeNode({ hostname: 'sv15-edge-01', tags: ['edge'] }),
  fakeNode({
    hostname: 'da11-db-01',
    metro: { code: 'da', name: 'Dallas' },
    facility: { code: 'da11', name: 'Dallas 11' },
    os: { slug: 'ubuntu_24_04', name: 'Ubuntu 24.04 LTS', family: 'ubuntu', version: '24.04', channel: null },
    tags: ['db'],
  }),
  fakeNode({
    hostname: 'am6-k8s-worker-01',
    metro: { code: 'am', name: 'Amsterdam' },
    facility: { code: 'am6', name: 'Amsterdam 6' },
    layer2Only: true,
    ips: [],
    vlans: [1200],
    networkType: 'layer2-bonded',
  }),
  fakeNode({ hostname: 'sv16-ci-01', state: 'inactive', actions: ['power_on', 'reinstall'] }),
];

function renderScreen(handlers: ConstructorParameters<typeof FakeTransport>[0] = {}) {
  const transport = new FakeTransport({
    'fleet.snapshot': () => ({ version: 1, nodes: packNodes(NODES) }),
    'fleet.nodeEvents': () => [{ id: 'e1', type: 'instance.active', state: 'success', message: 'Device powered on', createdAt: '2026-11-22T10:00:00Z' }],
    ...handlers,
  });
  const client = transport.client();
  startFleetSync(client);
  startBulkSync(client);
  render(
    <ClientContext.Provider value={client}>
      <FleetScreen />
      <ConfirmHost />
      <Toasts />
    </ClientContext.Provider>,
  );
  return transport;
}

const hostnames = () =>
  screen
    .queryAllByRole('row')
    .slice(1)
    .map((r) => r.getAttribute('data-node-id') && within(r).getAllByRole('gridcell')[1]!.textContent);

beforeEach(() => {
  useFleet.setState({ status: 'loading', error: null, version: -1, nodes: new Map() });
  useToasts.setState({ toasts: [] });
  useBulk.setState({ jobs: [] });
  useUi.setState({ filters: EMPTY_FILTERS, selection: new Set(), openNodeId: null, sort: { key: 'hostname', dir: 'asc' } });
});

describe('FleetScreen', () => {
  it('shows the fleet sorted by hostname, with the layer-2-only badge', async () => {
    renderScreen();
    await screen.findByText('sv15-edge-01');
    expect(hostnames()).toEqual(['am6-k8s-worker-01L2 only', 'da11-db-01', 'sv15-edge-01', 'sv16-ci-01']);
    expect(screen.getByText('4 nodes')).toBeTruthy();
  });

  it('filters by metro and by search text, and says when nothing matches', async () => {
    const user = userEvent.setup();
    renderScreen();
    await screen.findByText('sv15-edge-01');
    await user.selectOptions(screen.getByLabelText('Filter by metro'), 'da');
    expect(hostnames()).toEqual(['da11-db-01']);
    expect(screen.getByText('1 of 4 nodes')).toBeTruthy();
    await user.type(screen.getByLabelText('Search nodes'), 'zzz');
    expect(screen.getByText('No nodes match')).toBeTruthy();
    await user.click(screen.getAllByRole('button', { name: 'Clear filters' })[0]!);
    expect(hostnames()).toHaveLength(4);
  });

  it('sorts by a column when its header is clicked', async () => {
    const user = userEvent.setup();
    renderScreen();
    await screen.findByText('sv15-edge-01');
    await user.click(screen.getByRole('button', { name: /^Hostname/ }));
    expect(hostnames()![0]).toBe('sv16-ci-01');
  });

  it('applies live patches without a reload', async () => {
    const transport = renderScreen();
    await screen.findByText('sv15-edge-01');
    const edge = NODES[0]!;
    act(() => transport.emit('fleet.changed', { version: 2, upserts: [{ ...edge, state: 'powering_off' }], removed: [NODES[1]!.id] }));
    const row = screen.getByText('sv15-edge-01').closest('[role="row"]') as HTMLElement;
    expect(within(row).getByText('powering off')).toBeTruthy();
    expect(screen.queryByText('da11-db-01')).toBeNull();
  });

  it('opens details from the keyboard and powers off only after a confirm that names the node', async () => {
    const user = userEvent.setup();
    const transport = renderScreen({ 'actions.power': () => ({ accepted: true, auditId: 'a1', operationId: 'o1' }) });
    await screen.findByText('sv15-edge-01');
    screen.getByRole('grid', { name: 'Fleet' }).focus();
    await user.keyboard('{ArrowDown}{ArrowDown}{Enter}');
    const panel = await screen.findByRole('complementary', { name: 'Details of sv15-edge-01' });
    expect(await within(panel).findByText('Device powered on')).toBeTruthy();
    // Blocked, and it says why (focusable, aria-disabled, the reason as its description).
    expect(within(panel).getByRole('button', { name: 'Power on' }).getAttribute('aria-disabled')).toBe('true');

    await user.click(within(panel).getByRole('button', { name: 'Power off' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Power off sv15-edge-01?' });
    // Focus starts on Cancel so a stray Enter cannot power anything off.
    expect(document.activeElement?.textContent).toBe('Cancel');
    await user.keyboard('{Escape}');
    expect(transport.calls.some((c) => c.method === 'actions.power')).toBe(false);

    await user.click(within(panel).getByRole('button', { name: 'Power off' }));
    await user.click(screen.getByRole('button', { name: 'Power off sv15-edge-01' }));
    await waitFor(() => expect(transport.calls.find((c) => c.method === 'actions.power')?.input).toEqual({ nodeId: NODES[0]!.id, action: 'power_off' }));
    expect(await screen.findByText('Power off requested for sv15-edge-01')).toBeTruthy();
    expect(dialog.isConnected).toBe(false);
  });

  it('shows the error from main when an action fails', async () => {
    const user = userEvent.setup();
    renderScreen({
      'actions.power': () => {
        throw new AppError('rate_limited', 'The API is rate-limiting requests. Wait a minute, then retry.');
      },
    });
    await user.click(await screen.findByText('sv15-edge-01'));
    await user.click(screen.getByRole('button', { name: 'Reboot' }));
    await user.click(screen.getByRole('button', { name: 'Reboot sv15-edge-01' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Reboot sv15-edge-01 failed.*rate-limiting/);
  });

  it('selects rows with Space and Ctrl+A, and clears with Escape', async () => {
    const user = userEvent.setup();
    renderScreen();
    await screen.findByText('sv15-edge-01');
    screen.getByRole('grid', { name: 'Fleet' }).focus();
    await user.keyboard(' ');
    expect(screen.getByText('1 selected')).toBeTruthy();
    screen.getByRole('grid', { name: 'Fleet' }).focus();
    await user.keyboard('{Control>}a{/Control}');
    expect(screen.getByText('4 selected')).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(screen.queryByText(/selected$/)).toBeNull();
  });

  it('powers off the selection only after the count is typed, and reports per-node failures', async () => {
    const user = userEvent.setup();
    const transport = renderScreen({
      'actions.powerBulk': ({ nodeIds }) => ({
        results: nodeIds.map((nodeId, i) =>
          i === 0
            ? { nodeId, hostname: 'x', ok: true }
            : { nodeId, hostname: 'sv15-edge-01', ok: false, error: { code: 'conflict' as const, message: 'busy', retryable: false } },
        ),
      }),
    });
    await screen.findByText('sv15-edge-01');
    await user.click(screen.getByLabelText('Select all shown nodes'));
    const bar = screen.getByRole('toolbar', { name: 'Selected nodes' });
    // The powered-off node is not eligible for power off or reboot; the count says so.
    await user.click(within(bar).getByRole('button', { name: 'Power off (3 of 4)' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Power off 3 nodes?' });
    expect(dialog.textContent).toMatch(/1 selected node is skipped/);
    const go = within(dialog).getByRole('button', { name: 'Power off 3 nodes' });
    expect(go).toHaveProperty('disabled', true);
    await user.type(within(dialog).getByLabelText('Type 3 to confirm'), '2');
    expect(go).toHaveProperty('disabled', true);
    await user.clear(within(dialog).getByLabelText('Type 3 to confirm'));
    await user.type(within(dialog).getByLabelText('Type 3 to confirm'), '3');
    await user.click(go);
    await waitFor(() => expect(transport.calls.find((c) => c.method === 'actions.powerBulk')?.input).toMatchObject({ action: 'power_off' }));
    expect((transport.calls.find((c) => c.method === 'actions.powerBulk')!.input as { nodeIds: string[] }).nodeIds).toHaveLength(3);
    expect((await screen.findByRole('alert')).textContent).toMatch(/1 of 3 requested, 2 refused/);
    // The selection stays, and the action is followed until every node settles.
    expect(within(screen.getByRole('toolbar', { name: 'Selected nodes' })).getByText('4 selected')).toBeTruthy();
    const progress = screen.getByRole('status', { name: 'Power off progress' });
    expect(progress.textContent).toMatch(/Power off 0 of 3 done · 2 failed · 1 in progress/);
    const accepted = (transport.calls.find((c) => c.method === 'actions.powerBulk')!.input as { nodeIds: string[] }).nodeIds[0]!;
    act(() =>
      transport.emit('actions.outcome', {
        nodeId: accepted,
        hostname: 'x',
        action: 'power_off',
        outcome: 'succeeded',
        message: 'Power off x: inactive after 9 s.',
      }),
    );
    expect(progress.textContent).toMatch(/Power off 1 of 3 done · 2 failed/);
    expect(progress.textContent).not.toMatch(/in progress/);
    expect(within(progress).getByText('Failures')).toBeTruthy();
  });

  it('swallows the second click of a double-click on a confirm button', async () => {
    const user = userEvent.setup();
    renderScreen({ 'actions.powerBulk': ({ nodeIds }) => ({ results: nodeIds.map((nodeId) => ({ nodeId, hostname: nodeId, ok: true })) }) });
    await screen.findByText('sv15-edge-01');
    await user.click(screen.getByLabelText('Select all shown nodes'));
    await user.click(within(screen.getByRole('toolbar', { name: 'Selected nodes' })).getByRole('button', { name: 'Power on (1 of 4)' }));
    const dialog = screen.getByRole('alertdialog');
    await user.type(within(dialog).getByLabelText('Type 1 to confirm'), '1');
    await user.click(within(dialog).getByRole('button', { name: 'Power on 1 node' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByTestId('click-shield')).toBeTruthy();
  });

  it('shows an error state when the fleet cannot load', async () => {
    renderScreen({
      'fleet.snapshot': () => {
        throw new AppError('unreachable', 'Could not reach the host.');
      },
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be loaded.*Could not reach the host/);
  });
});
