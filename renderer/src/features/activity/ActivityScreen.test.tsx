import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../../shared/model';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { ActivityScreen } from './ActivityScreen';

const row = (n: number, actor: string, console = 'desk-1/aaaaaa'): AuditEntry => ({
  id: `e${n}`,
  at: new Date(Date.UTC(2026, 11, 7, 14, 2, n)).toISOString(),
  actor,
  console,
  action: 'reinstall',
  target: `lab:${n}`,
  targetName: `node-${n}`,
  outcome: 'accepted',
  message: `Reprovision node-${n}`,
});

const ROWS = [row(3, 'bob@desk-2', 'desk-2/bbbbbb'), row(2, 'alice@desk-1'), row(1, 'alice@desk-1')];

function renderActivity() {
  const transport = new FakeTransport({
    'operations.list': () => [],
    'audit.actors': () => ({ actors: ['alice@desk-1', 'bob@desk-2'], you: 'alice@desk-1', console: 'desk-1/aaaaaa' }),
    'store.status': () => ({ shared: true, reachable: true, label: 'ironpane@db:5432/ironpane', since: null }),
    'audit.list': (input) => {
      const { actor } = input as { actor?: string };
      return ROWS.filter((r) => !actor || r.actor === actor);
    },
  });
  render(
    <ClientContext.Provider value={transport.client()}>
      <ActivityScreen />
    </ClientContext.Provider>,
  );
  return transport;
}

describe('ActivityScreen', () => {
  it('shows who did what from which console, filters by operator, and keeps the filter for live rows', async () => {
    const user = userEvent.setup();
    const transport = renderActivity();
    expect(await screen.findByText(/every console on the shared store ironpane@db:5432\/ironpane/)).toBeTruthy();
    const table = await screen.findByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(within(table).getByText('desk-2/bbbbbb')).toBeTruthy();
    await user.selectOptions(screen.getByLabelText('Operator'), 'bob@desk-2');
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2));
    expect(transport.calls.filter((c) => c.method === 'audit.list').at(-1)?.input).toEqual({ limit: 500, actor: 'bob@desk-2' });
    // A live row from someone else is not shown under Bob's filter; Bob's is, and a new operator joins the list.
    act(() => transport.emit('audit.appended', row(4, 'carol@desk-3', 'desk-3/cccccc')));
    act(() => transport.emit('audit.appended', row(5, 'bob@desk-2', 'desk-2/bbbbbb')));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(3));
    expect(screen.queryByText('node-4')).toBeNull();
    expect(screen.getByRole('option', { name: 'carol@desk-3' })).toBeTruthy();
    expect(screen.getByRole('option', { name: 'alice@desk-1 (you)' })).toBeTruthy();
  });
});
