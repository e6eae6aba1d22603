/**
 * What a node's provider knows and offers beyond Ironpane's own columns and actions: its own
 * provisioning state in plain words (Ironic's provision state, maintenance and last error) and its
 * lifecycle actions (deploy, undeploy, rescue, maintenance…), each an operation, confirmed naming
 * the node, and shown disabled with the provider's reason when the state does not allow it.
 */
import { useState } from 'react';
import type { FleetNode, LifecycleAction } from '../../../../shared/model';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { Button } from '../../ui/Button';
import { useMutation } from '../../ui/use-mutation';

const REASON_MAX = 255;

export function ProvisioningNotes({ node }: { node: FleetNode }) {
  const p = node.provisioning;
  if (!p) return null;
  return (
    <>
      <p className="note" aria-label="Provisioning state">
        <strong>{node.provider === 'ironic' ? 'Ironic' : 'Provisioning'}:</strong> {p.words}
        {p.target && <span className="muted"> · target {p.target}</span>}
      </p>
      {p.maintenance !== null && (
        <p className="note warning" role="status">
          In maintenance{p.maintenance ? `: ${p.maintenance}` : ' (no reason given)'}. Ironic runs no deploy or cleaning on it until maintenance ends.
        </p>
      )}
      {p.lastError && (
        <p className="note failure">
          <strong>Last error:</strong> {p.lastError}
        </p>
      )}
    </>
  );
}

export function ProviderActions({ node }: { node: FleetNode }) {
  const actions = node.lifecycleActions ?? [];
  const [asking, setAsking] = useState<LifecycleAction | null>(null);
  if (actions.length === 0) return null;
  return (
    <>
      <div className="actions provider-actions" role="group" aria-label={`${node.provider === 'ironic' ? 'Ironic' : 'Provider'} actions`}>
        {actions.map((action) => (
          <LifecycleButton key={action.id} node={node} action={action} onAsk={() => setAsking(action)} />
        ))}
      </div>
      {asking && <ReasonForm node={node} action={asking} onClose={() => setAsking(null)} />}
    </>
  );
}

function useLifecycle(node: FleetNode, action: LifecycleAction) {
  const client = useClient();
  const label = action.label.replace(/…$/, '');
  return useMutation((reason: string | undefined) => client.call('actions.lifecycle', { nodeId: node.id, action: action.id, ...(reason ? { reason } : {}) }), {
    failure: `${label} ${node.hostname} failed`,
    onSuccess: () => toast('info', `${label} ${node.hostname}: started`, 'Ironpane follows it to the end; the outcome appears in Activity.'),
  });
}

function LifecycleButton({ node, action, onAsk }: { node: FleetNode; action: LifecycleAction; onAsk: () => void }) {
  const send = useLifecycle(node, action);
  const start = async () => {
    if (send.busy) return;
    if (action.asksReason) return onAsk();
    const ok = await confirm({
      title: `${action.label} ${node.hostname}?`,
      body: action.destructive
        ? `${action.label} ${node.hostname}: its provider takes the machine down and wipes what it was deployed with. This cannot be undone.`
        : `${action.label} ${node.hostname} through its provider; Ironpane follows it until it reaches ${action.endsIn}.`,
      confirmLabel: `${action.label} ${node.hostname}`,
      tone: action.destructive ? 'danger' : 'normal',
    });
    if (ok) await send.run(undefined);
  };
  return (
    <Button className={action.destructive ? 'danger-outline' : ''} disabledReason={action.blockedReason} busy={send.busy} onClick={() => void start()}>
      {action.label}
    </Button>
  );
}

function ReasonForm({ node, action, onClose }: { node: FleetNode; action: LifecycleAction; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const send = useLifecycle(node, action);
  const problem =
    reason.trim() === ''
      ? 'Give a reason, so others know why the node is held.'
      : reason.length > REASON_MAX
        ? `At most ${REASON_MAX} characters (this has ${reason.length}).`
        : null;
  return (
    <form
      className="reason-form"
      aria-label={`${action.label.replace(/…$/, '')} ${node.hostname}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (problem || send.busy) return;
        void send.run(reason.trim()).then((ok) => ok !== undefined && onClose());
      }}
    >
      <label htmlFor="lifecycle-reason">Reason for maintenance</label>
      <input
        id="lifecycle-reason"
        autoFocus
        value={reason}
        maxLength={REASON_MAX + 50}
        placeholder="e.g. disk swap, ticket OPS-1234"
        aria-invalid={reason !== '' && problem !== null}
        aria-describedby="lifecycle-reason-problem"
        onChange={(e) => setReason(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), onClose())}
      />
      <p id="lifecycle-reason-problem" className="muted">
        {problem ?? `Ironic keeps the reason on the node for everyone who looks at it.`}
      </p>
      <div className="actions">
        <Button type="submit" className="primary" disabledReason={problem} busy={send.busy}>
          Put {node.hostname} in maintenance
        </Button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
