/**
 * Reprovision the selected nodes as one operation under a policy: each keeps its OS (or one for
 * all), gets its assigned config's latest revision (or keeps its user data), data kept or wiped;
 * the canary first, at most N in flight, stop after M failures. The confirm makes you type the count.
 * The operation then runs in main (and survives a restart); Activity → Operations follows it.
 */
import { useState } from 'react';
import type { FleetNode } from '../../../../shared/model';
import { reinstallBlockedReason } from '../../../../shared/node-rules';
import { confirm } from '../../app/confirm';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { toast } from '../../stores/toasts';
import { followOperation } from '../../stores/bulk';
import { DialogError, Modal } from '../../ui/Modal';
import { BulkPolicyFields, useBulkPolicy } from '../operations/BulkPolicyFields';

export function BulkReprovisionDialog({ nodes, onClose }: { nodes: FleetNode[]; onClose(): void }) {
  const client = useClient();
  const eligible = nodes.filter((n) => reinstallBlockedReason(n) === null);
  const [config, setConfig] = useState<'assigned' | 'keep'>('assigned');
  const [preserveData, setPreserveData] = useState(false);
  const bulk = useBulkPolicy();
  const { policy } = bulk;
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    if (bulk.invalid || eligible.length === 0) return;
    const count = eligible.length;
    const ok = await confirm({
      title: `Reprovision ${count} node${count === 1 ? '' : 's'}?`,
      body: `Each is reinstalled with its own OS${config === 'assigned' ? ' and its assigned config' : ''}; ${preserveData ? 'data disks are kept' : 'their disks are wiped'}. ${bulk.describe('come back verified')}${nodes.length > count ? ` ${nodes.length - count} selected node${nodes.length - count === 1 ? ' is' : 's are'} skipped (not settled).` : ''}`,
      confirmLabel: `Reprovision ${count} node${count === 1 ? '' : 's'}`,
      tone: 'danger',
      typeToConfirm: String(count),
    });
    if (!ok) return;
    try {
      const { operationId } = await client.call('actions.reprovisionBulk', {
        nodeIds: eligible.map((n) => n.id),
        operatingSystem: null,
        config,
        preserveData,
        policy,
      });
      followOperation(client, operationId, `Reprovision ${count} node${count === 1 ? '' : 's'}`);
      toast(
        'success',
        `Reprovisioning ${count} node${count === 1 ? '' : 's'}`,
        'Its progress shows above the fleet; pause or cancel it in Activity → Operations.',
      );
      onClose();
    } catch (e) {
      setError(errorData(e).message);
    }
  };

  return (
    <Modal label="Reprovision the selected nodes" onClose={onClose}>
      <h2>
        Reprovision {eligible.length} node{eligible.length === 1 ? '' : 's'}
      </h2>
      <div className="policy-form">
        <div className="form-field">
          <label htmlFor="bulk-config">Config</label>
          <select id="bulk-config" value={config} onChange={(e) => setConfig(e.target.value as 'assigned' | 'keep')} autoFocus>
            <option value="assigned">Each node's assigned config (latest revision)</option>
            <option value="keep">Keep each node's user data</option>
          </select>
        </div>
        <label className="check">
          <input type="checkbox" checked={preserveData} onChange={(e) => setPreserveData(e.target.checked)} /> Keep data (reinstall the OS disk only)
        </label>
        <BulkPolicyFields state={bulk} idPrefix="bulk" parallelNote="Nodes reinstalling at once." />
      </div>
      <DialogError error={error} />
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={eligible.length === 0 || bulk.invalid} onClick={() => void start()}>
          Reprovision…
        </button>
      </div>
    </Modal>
  );
}
