import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { FleetNode, LifecycleAction } from '../../../../shared/model';
import { FakeTransport } from '../../../../test/fakes/fake-transport';
import { fakeNode } from '../../../../test/fakes/nodes';
import { ClientContext } from '../../app/client-context';
import { ConfirmHost } from '../../app/confirm';
import { ProviderActions, ProvisioningNotes } from './ProviderActions';

const action = (id: string, label: string, extra: Partial<LifecycleAction> = {}): LifecycleAction => ({
  id,
  label,
  blockedReason: null,
  destructive: false,
  asksReason: false,
  endsIn: 'active',
  ...extra,
});

const NODE: FleetNode = fakeNode({
  hostname: 'rf-1',
  provider: 'ironic',
  provisioning: {
    state: 'deploy failed',
    target: 'active',
    words: 'Deploy failed (going to active)',
    maintenance: null,
    lastError: 'Deploy step deploy.deploy failed: Got HTTP code 404',
  },
  lifecycleActions: [
    action('deploy', 'Deploy', { blockedReason: 'Deploy needs the node available; it is deploy failed.' }),
    action('undeploy', 'Undeploy', { destructive: true, endsIn: 'available' }),
    action('maintenance_on', 'Maintenance…', { asksReason: true, endsIn: 'maintenance' }),
  ],
});

function renderActions(node: FleetNode) {
  const calls: unknown[] = [];
  const transport = new FakeTransport({
    'actions.lifecycle': (input) => {
      calls.push(input);
      return { accepted: true, auditId: 'a1', operationId: 'o1' };
    },
  });
  render(
    <ClientContext.Provider value={transport.client()}>
      <ProvisioningNotes node={node} />
      <ProviderActions node={node} />
      <ConfirmHost />
    </ClientContext.Provider>,
  );
  return calls;
}

describe('Ironic’s own state and actions in node details', () => {
  it('says the provision state in plain words with Ironic’s last error, and why an action is blocked', () => {
    renderActions(NODE);
    expect(screen.getByLabelText('Provisioning state').textContent).toMatch(/Ironic: Deploy failed \(going to active\)/);
    expect(screen.getByText(/Got HTTP code 404/)).toBeTruthy();
    const deploy = within(screen.getByRole('group', { name: 'Ironic actions' })).getByRole('button', { name: 'Deploy' });
    expect(deploy.getAttribute('aria-disabled')).toBe('true');
    expect(deploy.getAttribute('title')).toBe('Deploy needs the node available; it is deploy failed.');
  });

  it('confirms a destructive action naming the node before sending it', async () => {
    const user = userEvent.setup();
    const calls = renderActions(NODE);
    await user.click(screen.getByRole('button', { name: 'Undeploy' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Undeploy rf-1?' });
    expect(calls).toEqual([]);
    await user.click(within(confirm).getByRole('button', { name: 'Undeploy rf-1' }));
    await waitFor(() => expect(calls).toEqual([{ nodeId: NODE.id, action: 'undeploy' }]));
  });

  it('asks for a maintenance reason, refuses an empty or over-long one, and sends it trimmed', async () => {
    const user = userEvent.setup();
    const calls = renderActions(NODE);
    await user.click(screen.getByRole('button', { name: 'Maintenance…' }));
    const form = screen.getByRole('form', { name: 'Maintenance rf-1' });
    const submit = within(form).getByRole('button', { name: 'Put rf-1 in maintenance' });
    expect(submit.getAttribute('title')).toMatch(/Give a reason/);
    const input = within(form).getByLabelText('Reason for maintenance');
    await user.type(input, 'x'.repeat(260));
    expect(submit.getAttribute('title')).toBe('At most 255 characters (this has 260).');
    await user.clear(input);
    await user.type(input, '  disk swap  {Enter}');
    await waitFor(() => expect(calls).toEqual([{ nodeId: NODE.id, action: 'maintenance_on', reason: 'disk swap' }]));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Maintenance rf-1' })).toBeNull());
  });

  it('draws nothing for a node whose provider has no lifecycle of its own', () => {
    const { container } = render(
      <ClientContext.Provider value={new FakeTransport({}).client()}>
        <ProvisioningNotes node={fakeNode({ hostname: 'm-1' })} />
        <ProviderActions node={fakeNode({ hostname: 'm-1' })} />
      </ClientContext.Provider>,
    );
    expect(container.textContent).toBe('');
  });
});
