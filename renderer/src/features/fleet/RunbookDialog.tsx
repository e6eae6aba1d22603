/**
 * Run a runbook on one node or a selection (docs/architecture.md#runbooks): pick one of the
 * built-ins or your own (config profiles of kind runbook), see its steps and which nodes it is for,
 * and, for many nodes, the bulk policy. It logs in with the vault's console credential; each node's
 * transcript is kept with the operation. Nodes it cannot run on are counted, and main says why.
 */
import { useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../../shared/contract';
import type { FleetNode } from '../../../../shared/model';
import { confirm } from '../../app/confirm';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { toast } from '../../stores/toasts';
import { followOperation } from '../../stores/bulk';
import { DialogError, Modal } from '../../ui/Modal';
import { BulkPolicyFields, useBulkPolicy } from '../operations/BulkPolicyFields';

type Entry = MethodOutput<'runbooks.list'>[number];

const fits = (entry: Entry, node: FleetNode) => node.state === 'active' && (!entry.os || entry.os.includes(node.os.family));

/** The built-in that only reads (journal, failed units, dmesg): the safe default to offer. */
const READ_ONLY_DEFAULT = 'builtin:diagnostics';

export function RunbookDialog({ nodes, onClose }: { nodes: FleetNode[]; onClose(): void }) {
  const client = useClient();
  const [runbooks, setRunbooks] = useState<Entry[] | null>(null);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<string | null>(null);
  const bulk = useBulkPolicy({ maxParallel: '5', stopAfter: '1' });
  const many = nodes.length > 1;

  // The first runbook that fits is chosen once, from the nodes the dialog opened with.
  const opened = useRef(nodes);
  useEffect(() => {
    client.call('runbooks.list', {}).then(
      (list) => {
        setRunbooks(list);
        // A read-only runbook first (diagnostics), never a rollback or a reboot by default.
        const usable = list.filter((r) => !r.problem && opened.current.some((n) => fits(r, n)));
        const first = usable.find((r) => r.id === READ_ONLY_DEFAULT) ?? usable[0];
        setChosen((c) => c || (first?.id ?? list[0]?.id ?? ''));
      },
      (e: unknown) => setError(errorData(e).message),
    );
  }, [client]);

  const entry = runbooks?.find((r) => r.id === chosen) ?? null;
  const eligible = entry ? nodes.filter((n) => fits(entry, n)) : [];
  const target = many ? `${eligible.length} node${eligible.length === 1 ? '' : 's'}` : (nodes[0]?.hostname ?? '');

  const start = async () => {
    if (!entry || entry.problem || eligible.length === 0 || (many && bulk.invalid)) return;
    const ok = await confirm({
      title: `Run “${entry.name}” on ${target}?`,
      body: `Ironpane logs in on ${many ? 'each node’s' : 'its'} serial console with the “console” credential and types: ${entry.steps.join('; ')}.${many ? ` ${bulk.describe('pass its verification')}` : ''}`,
      confirmLabel: `Run on ${target}`,
      tone: 'danger',
      typeToConfirm: many ? String(eligible.length) : undefined,
    });
    if (!ok) return;
    try {
      const { operationId } = await client.call('runbooks.run', {
        runbookId: entry.id,
        nodeIds: eligible.map((n) => n.id),
        policy: many ? bulk.policy : { maxParallel: 1, canary: false, stopAfterFailures: 0 },
      });
      followOperation(client, operationId, `${entry.name} on ${target}`);
      toast('success', `Running ${entry.name} on ${target}`, 'Its progress shows above the fleet; each node keeps its transcript in Activity → Operations.');
      onClose();
    } catch (e) {
      setError(errorData(e).message);
    }
  };

  return (
    <Modal label={`Run a runbook on ${target || 'the selection'}`} onClose={onClose} wide>
      <h2>Run a runbook</h2>
      {!runbooks && !error && <p className="muted">Loading runbooks…</p>}
      {runbooks && (
        <div className="policy-form">
          <div className="form-field">
            <label htmlFor="runbook-choice">Runbook</label>
            <select id="runbook-choice" value={chosen} onChange={(e) => setChosen(e.target.value)} autoFocus>
              {runbooks.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                  {r.builtin ? ' (built-in)' : ` (config r${r.revision})`}
                  {r.os ? ` · ${r.os.join(', ')}` : ''}
                </option>
              ))}
            </select>
            <span className="muted small">Write your own on the Config screen: New config → Runbook (serial console).</span>
          </div>
          {many && <BulkPolicyFields state={bulk} idPrefix="runbook" parallelNote="Consoles typed on at once." />}
        </div>
      )}
      {entry && (
        <section aria-label="What it does" className="rollback-option">
          {entry.description && <p>{entry.description}</p>}
          {entry.problem ? (
            <p className="error">It does not check: {entry.problem}</p>
          ) : (
            <ol className="rollback-steps">
              {entry.steps.map((s, i) => (
                <li key={`${i}-${s}`}>{s}</li>
              ))}
            </ol>
          )}
          <p className={eligible.length === 0 ? 'error' : 'muted'}>
            {eligible.length === nodes.length
              ? `Runs on ${target}.`
              : `${eligible.length} of ${nodes.length} selected node${nodes.length === 1 ? '' : 's'} can run it (up, and ${entry.os ? `running ${entry.os.join(' or ')}` : 'any OS'}).`}
          </p>
        </section>
      )}
      <DialogError error={error} />
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          disabled={!entry || Boolean(entry.problem) || eligible.length === 0 || (many && bulk.invalid)}
          onClick={() => void start()}
        >
          Run…
        </button>
      </div>
    </Modal>
  );
}
