/** Editing a group's rollout policy, and promoting its channel to a package (newer or, warned, older). */
import { useEffect, useState } from 'react';
import type { UpdateGroup, UpdatePackage } from '../../../../shared/model';
import { compareVersions, policyProblems, type RolloutPolicy } from '../../../../shared/updates/nebraska-rules';
import { confirm } from '../../app/confirm';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { toast } from '../../stores/toasts';
import { useUpdates } from '../../stores/updates';
import { DialogError, Modal } from '../../ui/Modal';

const TIME_ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
})();

export function PolicyDialog({ group, onClose }: { group: UpdateGroup; onClose(): void }) {
  const client = useClient();
  const [policy, setPolicy] = useState<RolloutPolicy>(group.policy);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const problems = policyProblems(policy);
  const problem = (field: keyof RolloutPolicy) => (touched ? problems.find((p) => p.field === field)?.message : undefined);
  const set = <K extends keyof RolloutPolicy>(key: K, value: RolloutPolicy[K]) => setPolicy((p) => ({ ...p, [key]: value }));

  const save = async () => {
    setTouched(true);
    if (problems.length > 0) return;
    setSaving(true);
    setServerError(null);
    try {
      await client.call('updates.setPolicy', { serverId: group.serverId, groupId: group.id, policy });
      toast('success', `Policy of ${group.name} saved`);
      onClose();
    } catch (e) {
      setServerError(errorData(e).message);
    } finally {
      setSaving(false);
    }
  };

  // The label names the field alone; its hint or error is its description (aria-describedby).
  const field = (
    key: keyof RolloutPolicy,
    label: string,
    input: (a11y: { id: string; 'aria-describedby': string; 'aria-invalid': boolean }) => React.ReactNode,
    hint?: string,
  ) => {
    const id = `policy-${key}`;
    const error = problem(key);
    return (
      <div className={`form-field${error ? ' invalid' : ''}`}>
        <label htmlFor={id}>{label}</label>
        {input({ id, 'aria-describedby': `${id}-note`, 'aria-invalid': Boolean(error) })}
        {error ? (
          <span className="field-error" role="alert" id={`${id}-note`}>
            {error}
          </span>
        ) : (
          <span className="muted small" id={`${id}-note`}>
            {hint}
          </span>
        )}
      </div>
    );
  };

  return (
    <Modal label={`Rollout policy of ${group.name}`} onClose={onClose}>
      <h2>Rollout policy · {group.name}</h2>
      <form
        className="policy-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        noValidate
      >
        <label className="check">
          <input type="checkbox" checked={policy.updatesEnabled} onChange={(e) => set('updatesEnabled', e.target.checked)} /> Updates enabled
        </label>
        <label className="check">
          <input type="checkbox" checked={policy.safeMode} onChange={(e) => set('safeMode', e.target.checked)} /> Safe mode: update one node first (a canary),
          stop if updates time out
        </label>
        {field(
          'maxUpdatesPerPeriod',
          'Max updates per period',
          (a) => (
            <input
              {...a}
              type="number"
              min={0}
              step={1}
              value={Number.isFinite(policy.maxUpdatesPerPeriod) ? policy.maxUpdatesPerPeriod : ''}
              onChange={(e) => set('maxUpdatesPerPeriod', e.target.value === '' ? NaN : Number(e.target.value))}
              autoFocus
            />
          ),
          'Also the most updates in flight at once, and the reboot batch size.',
        )}
        {field(
          'periodInterval',
          'Period',
          (a) => (
            <input {...a} value={policy.periodInterval} onChange={(e) => set('periodInterval', e.target.value)} />
          ),
          'e.g. 1 hours, 30 minutes, 1 day',
        )}
        {field(
          'updateTimeout',
          'Update timeout',
          (a) => (
            <input {...a} value={policy.updateTimeout} onChange={(e) => set('updateTimeout', e.target.value)} />
          ),
          'An update still in flight after this counts as timed out.',
        )}
        <label className="check">
          <input type="checkbox" checked={policy.officeHours} onChange={(e) => set('officeHours', e.target.checked)} /> Only in office hours (Monday–Friday,
          09:00–17:00)
        </label>
        {field(
          'timezone',
          'Time zone',
          (a) => (
            <>
              <input {...a} list="time-zones" value={policy.timezone} onChange={(e) => set('timezone', e.target.value)} />
              <datalist id="time-zones">
                {TIME_ZONES.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </>
          ),
          'The zone office hours are counted in, e.g. Europe/Berlin.',
        )}
        {serverError && (
          <p className="error" role="alert">
            {serverError}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save policy'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function PromoteDialog({ group, onClose }: { group: UpdateGroup; onClose(): void }) {
  const client = useClient();
  const groups = useUpdates((s) => s.groups);
  const [packages, setPackages] = useState<UpdatePackage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [choice, setChoice] = useState('');
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    client.call('updates.packages', { serverId: group.serverId }).then(
      (list) => {
        setPackages(list);
        const newer = list.find((p) => group.targetVersion && compareVersions(p.version, group.targetVersion) > 0 && p.channels.length === 0) ?? list[0];
        setChoice(newer?.id ?? '');
      },
      (e: unknown) => setError(errorData(e).message),
    );
  }, [client, group.serverId, group.targetVersion]);

  const pkg = packages?.find((p) => p.id === choice) ?? null;
  const downgrade = Boolean(pkg && group.targetVersion && compareVersions(pkg.version, group.targetVersion) < 0);
  const same = Boolean(pkg && pkg.version === group.targetVersion);
  const following = groups.filter((g) => g.serverId === group.serverId && g.channelId === group.channelId);

  const promote = async () => {
    if (!pkg) return;
    const ok = await confirm({
      title: `Point channel ${group.channelName} at ${pkg.version}?`,
      body: [
        `Every group on this channel follows: ${following.map((g) => g.name).join(', ')} (${following.reduce((n, g) => n + g.total, 0)} nodes).`,
        downgrade
          ? `${pkg.version} is older than ${group.targetVersion}. Nebraska only offers a version newer than what a node runs, so nodes already on a newer one stay there; only nodes below ${pkg.version} move to it. To take a node back, roll it back on the node.`
          : `Nodes are offered it as the policy allows: ${group.policy.maxUpdatesPerPeriod} per ${group.policy.periodInterval}${group.policy.safeMode ? ', canary first' : ''}${group.policy.updatesEnabled ? '' : ' (updates are paused in this group now)'}.`,
      ].join(' '),
      confirmLabel: downgrade ? `Point at older ${pkg.version}` : `Promote ${pkg.version}`,
      tone: downgrade ? 'danger' : 'normal',
      typeToConfirm: downgrade ? pkg.version : undefined,
    });
    if (!ok) return;
    setSaving(true);
    try {
      await client.call('updates.promote', { serverId: group.serverId, groupId: group.id, packageId: pkg.id });
      toast('success', `Channel ${group.channelName} now points at ${pkg.version}`);
      onClose();
    } catch (e) {
      setError(errorData(e).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal label={`Promote channel ${group.channelName}`} onClose={onClose}>
      <h2>Promote channel {group.channelName}</h2>
      <p>
        Now: <strong className="mono">{group.targetVersion ?? 'no package'}</strong>
      </p>
      {!packages && !error && <p className="muted">Loading packages…</p>}
      {packages && (
        <div className="form-field">
          <label htmlFor="promote-package">Package</label>
          <select id="promote-package" value={choice} onChange={(e) => setChoice(e.target.value)} aria-label="Package to promote" autoFocus>
            {packages.map((p) => (
              <option key={p.id} value={p.id}>
                {p.version}
                {p.channels.length ? ` (on ${p.channels.join(', ')})` : ''}
                {group.targetVersion && compareVersions(p.version, group.targetVersion) < 0 ? ' · older' : ''}
              </option>
            ))}
          </select>
        </div>
      )}
      {downgrade && (
        <p className="note warning" role="alert">
          {pkg!.version} is older than what the channel points at. This is a downgrade of the channel, not of the nodes: nodes on a newer version keep it.
        </p>
      )}
      {same && <p className="muted">The channel already points at {pkg!.version}.</p>}
      <DialogError error={error} />
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className={downgrade ? 'danger' : 'primary'} disabled={!pkg || same || saving} onClick={() => void promote()}>
          {saving ? 'Promoting…' : downgrade ? 'Downgrade channel…' : 'Promote…'}
        </button>
      </div>
    </Modal>
  );
}
