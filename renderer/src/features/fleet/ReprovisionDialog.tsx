/**
 * Reprovision a node: pick the OS (what the provider offers for its plan), the config revision (the
 * assigned one by default, or none to keep its user data) and whether to keep data; see what changes
 * (OS from → to, the config against what is applied now, data kept or wiped); confirm naming the
 * node. The operation then runs in main and is followed in Activity → Operations.
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
import { kindMismatch } from '../../../../shared/config/kinds';
import { useMutation } from '../../ui/use-mutation';
import { Button } from '../../ui/Button';
import { DialogError, Modal } from '../../ui/Modal';

type Options = MethodOutput<'actions.reprovisionOptions'>;
type Preview = MethodOutput<'actions.reprovisionPreview'>;

export function ReprovisionDialog({ node, onClose }: { node: FleetNode; onClose(): void }) {
  const client = useClient();
  const [options, setOptions] = useState<Options | null>(null);
  const [os, setOs] = useState(node.os.slug);
  const [revisionId, setRevisionId] = useState<string>('');
  const [preserveData, setPreserveData] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = useMutation(
    (input: { nodeId: string; operatingSystem: string; revisionId: string | null; preserveData: boolean }) => client.call('actions.reprovision', input),
    {
      failure: null, // shown in the dialog, beside what was asked
      onSuccess: ({ operationId }) => {
        followOperation(client, operationId, `Reprovision ${node.hostname}`);
        toast('success', `Reprovisioning ${node.hostname}`, 'Its progress shows above the fleet and on the node; Activity → Operations keeps the transcript.');
        onClose();
      },
      onError: (e) => setError(e.message),
    },
  );

  useEffect(() => {
    client.call('actions.reprovisionOptions', { nodeId: node.id }).then(
      (o) => {
        setOptions(o);
        setRevisionId(o.assignedRevisionId ?? '');
        if (!o.operatingSystems.some((x) => x.slug === node.os.slug)) setOs(o.operatingSystems[0]?.slug ?? '');
      },
      (e: unknown) => setError(errorData(e).message),
    );
  }, [client, node.id, node.os.slug]);

  const input = { nodeId: node.id, operatingSystem: os, revisionId: revisionId || null, preserveData };
  const inputKey = JSON.stringify(input);
  useEffect(() => {
    if (!options || !os) return;
    let cancelled = false;
    client.call('actions.reprovisionPreview', JSON.parse(inputKey) as typeof input).then(
      (p) => !cancelled && (setPreview(p), setError(null)),
      (e: unknown) => !cancelled && (setPreview(null), setError(errorData(e).message)),
    );
    return () => {
      cancelled = true;
    };
    // The key stands for the input.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, options, inputKey]);

  const start = async () => {
    if (!preview || send.busy) return;
    const ok = await confirm({
      title: `Reprovision ${node.hostname}?`,
      body: `${node.hostname} is reinstalled with ${preview.osTo}${preview.config ? ` and ${preview.config.toLabel}` : ''}. ${preserveData ? 'Its data disks are kept.' : 'Its disks are wiped: everything on them is lost.'} It is unreachable until it boots again.`,
      confirmLabel: `Reprovision ${node.hostname}`,
      tone: 'danger',
      typeToConfirm: node.hostname,
    });
    if (ok) await send.run(input);
  };
  const family = options?.operatingSystems.find((o) => o.slug === os)?.family;
  // Other configs whose kind the picked OS reads (an Ubuntu reads cloud-config, a Flatcar Butane).
  const others = (options?.otherConfigs ?? []).filter((c) => !family || kindMismatch(c.kind, family) === null);
  const blocked = options?.blockedReason ?? (!preview ? (error ?? 'Working out what changes…') : null);

  return (
    <Modal label={`Reprovision ${node.hostname}`} onClose={onClose} wide>
      <h2>Reprovision {node.hostname}</h2>
      {!options && !error && <p className="muted">Loading what the provider offers…</p>}
      {options?.blockedReason && (
        <p className="error" role="alert">
          {options.blockedReason}
        </p>
      )}
      {options && (
        <div className="policy-form">
          <div className="form-field">
            <label htmlFor="reprovision-os">Operating system</label>
            <select id="reprovision-os" value={os} onChange={(e) => setOs(e.target.value)} autoFocus>
              {options.operatingSystems.map((o) => (
                <option key={o.slug} value={o.slug}>
                  {o.name} {o.version}
                  {/* Its channel: what it runs now may be an older version of it (What changes says which). */}
                  {o.slug === options.currentOs ? ' (its channel)' : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="form-field">
            <label htmlFor="reprovision-config">Config</label>
            <select id="reprovision-config" value={revisionId} onChange={(e) => setRevisionId(e.target.value)}>
              <option value="">Keep its user data as it is</option>
              {options.revisions.map((r) => (
                <option key={r.id} value={r.id}>
                  {options.profile!.name} r{r.number}
                  {r.id === options.assignedRevisionId ? ' (assigned)' : ''}
                  {r.number === options.appliedRevision ? ' (applied now)' : ''}
                  {r.message ? ` · ${r.message}` : ''}
                </option>
              ))}
              {others.length > 0 && (
                <optgroup label={options.profile ? 'Other configs (latest revision)' : 'Configs (latest revision)'}>
                  {others.map((c) => (
                    <option key={c.revisionId} value={c.revisionId}>
                      {c.profileName} r{c.number}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
            {!options.profile && <span className="muted small">No config is assigned to this node; pick one here, or assign one on the Config screen.</span>}
          </div>
          <label className="check">
            <input type="checkbox" checked={preserveData} onChange={(e) => setPreserveData(e.target.checked)} /> Keep data (reinstall the OS disk only)
          </label>
        </div>
      )}
      {preview && (
        <section className="reprovision-preview" aria-label="What changes">
          <h3>What changes</h3>
          <dl className="fields">
            <dt>OS</dt>
            <dd>
              {preview.osFrom} → <strong>{preview.osTo}</strong>
            </dd>
            <dt>Data</dt>
            <dd className={preview.preserveData ? undefined : 'error'}>{preview.preserveData ? 'kept' : 'wiped'}</dd>
            <dt>Config</dt>
            <dd>{preview.config ? `${preview.config.fromLabel} → ${preview.config.toLabel}` : 'unchanged'}</dd>
          </dl>
          {preview.config && preview.config.from !== preview.config.to && <UserDataDiff from={preview.config.from} to={preview.config.to} />}
          {preview.config && preview.config.from === preview.config.to && <p className="muted">The config is the one applied now.</p>}
        </section>
      )}
      <DialogError error={error} />
      <div className="modal-actions">
        <button type="button" className="link" onClick={() => (showScreen('activity'), onClose())}>
          Operations
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <Button className="danger" disabledReason={blocked} busy={send.busy} onClick={() => void start()}>
          {send.busy ? 'Starting…' : 'Reprovision…'}
        </Button>
      </div>
    </Modal>
  );
}
