import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { NodeLeaseView } from '../../../../shared/contract';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { ClientContext } from '../../app/client-context';
import { NodeBusyNote } from './NodeBusyNote';

const lease = (expiresInMs: number): NodeLeaseView => ({
  nodeId: 'lab:1',
  actor: 'alice',
  console: 'desk-1/3f9a2c',
  what: 'Reprovision',
  since: new Date().toISOString(),
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
});

describe('NodeBusyNote', () => {
  it('names who holds the node, follows announcements, and drops a lease its console stopped renewing', async () => {
    const answers: NodeLeaseView[][] = [[lease(60_000)], []];
    const transport = new FakeTransport({ 'operations.leases': () => answers.shift() ?? [] });
    render(
      <ClientContext.Provider value={transport.client()}>
        <NodeBusyNote nodeId="lab:1" />
      </ClientContext.Provider>,
    );
    expect((await screen.findByRole('status')).textContent).toMatch(/Busy: alice \(console desk-1\/3f9a2c\) is running Reprovision on it since/);
    // Let go: announced by the store.
    act(() => transport.emit('operations.leasesChanged', []));
    await waitFor(() => expect(screen.queryByRole('status')).toBeNull());
    // Taken again, by a console that then dies: nobody announces the expiry, the note reads again after it.
    act(() => transport.emit('operations.leasesChanged', [lease(50)]));
    expect(await screen.findByRole('status')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('status')).toBeNull(), { timeout: 3_000 });
    expect(transport.calls.filter((c) => c.method === 'operations.leases')).toHaveLength(2);
  });
});
