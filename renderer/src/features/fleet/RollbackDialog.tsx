/**
 * Roll a node back (docs/architecture.md#rollback), saying exactly what each kind will do before
 * anything runs: its config (reprovision with the user data it had before Ironpane last changed
 * it, with the diff) or its OS (the vendor's own procedure typed on the serial console, then the
 * version it boots checked). What cannot be rolled back says why. The confirm names the node.
 */
import { UserDataDiff } from '../config/UserDataDiff';
import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../../shared/contract';
import type { FleetNode } from '../../../../shared/model';
import { confirm } from '../../app/confirm';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { toast } from '../../stores/toasts';
import { showScreen } from '../../stores/ui';
import { followOperation } from '../../stores/bulk';
import { useMutation } from '../../ui/use-mutation';
import { Button } from '../../ui/Button';
import { DialogError, Modal } from '../../ui/Modal';

type Options = MethodOutput<'actions.rollbackOptions'>;

export function RollbackDialog({ node, onClose }: { node: FleetNode; onClose(): void }) {
  const client = useClient();
  const [options, setOptions] = useState<Options | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = useMutation((kind: 'config' | 'os') => client.call('actions.rollback', { nodeId: node.id, kind }), {
    failure: null,
    onSuccess: ({ operationId }) => {
      followOperation(client, operationId, `Roll back ${node.hostname}`);
      toast('success', `Rolling back ${node.hostname}`, 'Its progress shows above the fleet; Activity → Operations keeps the transcript.');
      onClose();
    },
    onError: (e) => setError(e.message),
  });

  useEffect(() => {
    client.call('actions.rollbackOptions', { nodeId: node.id }).then(setOptions, (e: unknown) => setError(errorData(e).message));
  }, [client, node.id]);

  const start = async (kind: 'config' | 'os') => {
    if (!options || send.busy) return;
    const plan = options[kind];
    if (!plan.available) return;
    const ok = await confirm({
      title: `Roll back ${node.hostname}'s ${kind === 'os' ? 'OS' : 'config'}?`,
      body:
        kind === 'os'
          ? `${node.hostname} goes from ${plan.from} back to ${plan.to}: Ironpane logs in on its serial console, makes the older OS boot next and reboots it. It is unreachable while it reboots.`
          : `${node.hostname} is reinstalled with ${plan.to} instead of ${plan.from}, keeping its data. It is unreachable until it boots again.`,
      confirmLabel: `Roll back ${node.hostname}`,
      tone: 'danger',
    });
    if (ok) await send.run(kind);
  };

  const section = (kind: 'config' | 'os', title: string) => {
    const plan = options?.[kind];
    if (!plan) return null;
    return (
      <section className="rollback-option" aria-label={title} data-available={plan.available}>
        <h3>{title}</h3>
        {plan.available ? (
          <>
            <p>
              {plan.from} → <strong>{plan.to}</strong>
            </p>
            <ol className="rollback-steps">
              {plan.steps.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ol>
            {'note' in plan && plan.note && <p className="muted small">{plan.note}</p>}
            {'diff' in plan && <UserDataDiff from={plan.diff.from} to={plan.diff.to} />}
          </>
        ) : (
          <p className="muted">{plan.reason}</p>
        )}
        <Button className="danger" disabledReason={plan.available ? null : plan.reason} busy={send.busy} onClick={() => void start(kind)}>
          Roll back {kind === 'os' ? 'the OS' : 'the config'}…
        </Button>
      </section>
    );
  };

  return (
    <Modal label={`Roll back ${node.hostname}`} onClose={onClose} wide>
      <h2>Roll back {node.hostname}</h2>
      {!options && !error && <p className="muted">Looking at what there is to roll back to…</p>}
      {section('os', 'Operating system')}
      {section('config', 'Config')}
      <DialogError error={error} />
      <div className="modal-actions">
        <button type="button" className="link" onClick={() => (showScreen('activity'), onClose())}>
          Operations
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
