/**
 * The Config screen's side panels: creating a profile, its history and diffs, where its schemas come
 * from, what one node receives, and which nodes it is assigned to (with apply).
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Modal } from '../../ui/Modal';
import { APPLY_MEANING, CONFIG_KINDS, CONFIG_KIND_LABELS, kindMismatch, type ConfigKind } from '../../../../shared/config/kinds';
import { VARIABLES } from '../../../../shared/config/variables';
import type { ConfigProfile, ConfigRevisionSummary } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { useDrift } from '../../stores/drift';
import { useFleet } from '../../stores/fleet';
import { toast } from '../../stores/toasts';
import { useUi } from '../../stores/ui';
import { dateTime } from '../../util/format';
import { TEMPLATES } from './templates';

export function NewProfileForm({ onCreated, onCancel }: { onCreated(profile: ConfigProfile): void; onCancel(): void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ConfigKind>('butane');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setError('Give the config a name.');
    if (name.trim().length > 80) return setError(`The name can be at most 80 characters (this one has ${name.trim().length}).`);
    setBusy(true);
    try {
      onCreated(await client.call('config.create', { name: name.trim(), kind, content: TEMPLATES[kind], message: 'Started from the template' }));
    } catch (e) {
      setError(errorData(e).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form new-config" noValidate onSubmit={(e) => void submit(e)} aria-label="New config">
      <label className="field">
        <span>Name</span>
        <input
          autoFocus
          value={name}
          onChange={(e) => (setName(e.target.value), setError(null))}
          placeholder="k8s workers (am6)"
          aria-invalid={error ? true : undefined}
        />
      </label>
      <label className="field">
        <span>Kind</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as ConfigKind)}>
          {CONFIG_KINDS.map((k) => (
            <option key={k} value={k}>
              {CONFIG_KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {error && <span className="field-error">{error}</span>}
      <div className="modal-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </div>
    </form>
  );
}

function RevisionSelect({
  label,
  name,
  value,
  history,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  history: ConfigRevisionSummary[];
  onChange(id: string): void;
}) {
  return (
    <label className="filter">
      <span>{label}</span>
      <select aria-label={name} value={value} onChange={(e) => onChange(e.target.value)}>
        {history.map((r) => (
          <option key={r.id} value={r.id}>
            r{r.number} · {r.message}
          </option>
        ))}
      </select>
    </label>
  );
}

export function HistoryPanel({
  profile,
  history,
  onCompare,
  onRestore,
}: {
  profile: ConfigProfile;
  history: ConfigRevisionSummary[];
  onCompare(a: string, b: string): void;
  onRestore(rev: ConfigRevisionSummary): void;
}) {
  // Newest against the one before it; the panel is keyed by the newest, so a new save resets the pick.
  const [left, setLeft] = useState<string>(history[1]?.id ?? history[0]?.id ?? '');
  const [right, setRight] = useState<string>(history[0]?.id ?? '');
  return (
    <section className="config-history" aria-label={`History of ${profile.name}`}>
      <div className="diff-pick">
        <RevisionSelect label="Compare" name="Older revision" value={left} history={history} onChange={setLeft} />
        <RevisionSelect label="with" name="Newer revision" value={right} history={history} onChange={setRight} />
        <button type="button" disabled={!left || !right || left === right} onClick={() => onCompare(left, right)}>
          Show diff
        </button>
      </div>
      <ol className="revisions">
        {history.map((r, i) => (
          <li key={r.id}>
            <strong>r{r.number}</strong> <span>{r.message}</span>
            <span className="muted">
              {' '}
              · {r.author} · {dateTime(r.createdAt)} · <span className="mono">{r.contentHash.slice(0, 12)}</span>
            </span>
            {i > 0 && (
              <button type="button" className="link" onClick={() => onRestore(r)}>
                Restore as r{history[0]!.number + 1}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

interface SchemaStatus {
  kind: 'ignition' | 'talos' | 'cloud-config';
  source: string;
  fetchedAt: string | null;
  problem: string | null;
}

/** Where each kind's upstream JSON Schema comes from, when it was fetched, and why not if it was not. */
/**
 * The schema sources, in a dialog of their own: URLs and errors need the room (in the 250 px list
 * column they were clipped). A source that changes makes the open document be checked again.
 */
export function SchemasPanel({ onClose, onChanged }: { onClose(): void; onChanged(): void }) {
  const client = useClient();
  const [status, setStatus] = useState<SchemaStatus[] | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    void client.call('config.schemas', {}).then(setStatus, (e: unknown) => toast('error', 'Could not read the schema settings', errorData(e).message));
  }, [client]);
  const run = async (kind: SchemaStatus['kind'], call: () => Promise<SchemaStatus[]>) => {
    setBusy(kind);
    try {
      setStatus(await call());
      onChanged();
      toast('success', `Fetched the ${kind} schema`);
    } catch (e) {
      toast('error', `Could not use that ${kind} schema`, errorData(e).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Modal label="Schemas" onClose={onClose} wide>
      <h2>Schemas</h2>
      <p className="muted">Upstream JSON Schemas check Ignition, Talos and cloud-config. For an air-gapped site, point each at a mirror URL or a file.</p>
      {status?.map((s) => (
        <div key={s.kind} className="schema-row">
          <label className="field">
            <span>{CONFIG_KIND_LABELS[s.kind]}</span>
            <input
              className="mono"
              value={drafts[s.kind] ?? s.source}
              onChange={(e) => setDrafts((d) => ({ ...d, [s.kind]: e.target.value }))}
              spellCheck={false}
            />
          </label>
          <span className={s.problem ? 'field-error' : 'muted'}>
            {s.problem ?? (s.fetchedAt ? `fetched ${dateTime(s.fetchedAt)}` : 'not fetched yet (fetched when first needed)')}
          </span>
          <div className="assign-controls">
            <button
              type="button"
              disabled={busy === s.kind || (drafts[s.kind] ?? s.source) === s.source}
              onClick={() => void run(s.kind, () => client.call('config.setSchemaSource', { kind: s.kind, source: drafts[s.kind] ?? s.source }))}
            >
              Use this source
            </button>
            <button type="button" disabled={busy === s.kind} onClick={() => void run(s.kind, () => client.call('config.refreshSchema', { kind: s.kind }))}>
              Fetch again
            </button>
          </div>
        </div>
      ))}
      {!status && <p className="muted">Reading the schema settings…</p>}
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

/** The latest revision as one node receives it, variables filled in. */
export function NodePreview({ profile }: { profile: ConfigProfile }) {
  const client = useClient();
  const drift = useDrift((s) => s.byNode);
  const nodes = useFleet((s) => s.nodes);
  const managed = [...drift.values()].filter((d) => d.profileId === profile.id);
  const [nodeId, setNodeId] = useState('');
  const [preview, setPreview] = useState<{ nodeId: string; text: string } | null>(null);
  useEffect(() => {
    if (!nodeId) return;
    let cancelled = false;
    void client.call('config.preview', { profileId: profile.id, nodeId }).then(
      (result) => !cancelled && setPreview({ nodeId, text: result.rendered }),
      (e: unknown) => toast('error', 'Could not render the preview', errorData(e).message),
    );
    return () => {
      cancelled = true;
    };
  }, [client, profile.id, profile.latest?.id, nodeId]);
  return (
    <section className="compiled" aria-label="Preview for a node">
      <h3>Variables</h3>
      <p className="muted">
        Write <span className="mono">{'{{ hostname }}'}</span>, <span className="mono">{'{{ public_ipv4 }}'}</span> and the like; each node gets its own values.{' '}
        <span
          title={Object.entries(VARIABLES)
            .map(([name, v]) => `${name}: ${v.describe}`)
            .join('\n')}
          className="link"
        >
          All variables
        </span>
      </p>
      {managed.length > 0 && (
        <label className="filter">
          <span>Preview for</span>
          <select aria-label="Preview for node" value={nodeId} onChange={(e) => setNodeId(e.target.value)}>
            <option value="">Choose a node…</option>
            {managed.map((d) => (
              <option key={d.nodeId} value={d.nodeId}>
                {nodes.get(d.nodeId)?.hostname ?? d.nodeId}
              </option>
            ))}
          </select>
        </label>
      )}
      {preview && preview.nodeId === nodeId && (
        <pre className="mono" data-testid="node-preview">
          {preview.text}
        </pre>
      )}
    </section>
  );
}

interface Assignment {
  profileId: string;
  targetKind: 'node' | 'tag';
  target: string;
}

/** Which nodes get this config: by tag or by node, and how many of them are in sync now. */
export function AssignmentsPanel({ profile }: { profile: ConfigProfile }) {
  const client = useClient();
  const nodes = useFleet((s) => s.nodes);
  const selection = useUi((s) => s.selection);
  const drift = useDrift((s) => s.byNode);
  const [assignments, setAssignments] = useState<Assignment[]>([]);
  const tags = useMemo(() => [...new Set([...nodes.values()].flatMap((n) => n.tags))].sort(), [nodes]);
  const [tag, setTag] = useState('');
  useEffect(() => {
    void client.call('config.assignments', {}).then(setAssignments, () => undefined);
  }, [client, profile.id, profile.latest?.id]);
  const mine = assignments.filter((a) => a.profileId === profile.id);
  const states = [...drift.values()].filter((d) => d.profileId === profile.id);
  const inSync = states.filter((d) => d.state === 'in_sync').length;
  // Only nodes whose OS reads this kind of config can take it; the rest are named, not sent.
  const driftedAll = states.filter((d) => d.state === 'drifted');
  const drifted = driftedAll.filter((d) => !kindMismatch(profile.kind, nodes.get(d.nodeId)?.os.family ?? ''));
  const incompatible = driftedAll.length - drifted.length;
  const apply = async () => {
    const number = profile.latest?.number ?? 0;
    const names = drifted.slice(0, 5).map((d) => nodes.get(d.nodeId)?.hostname ?? d.nodeId);
    const ok = await confirm({
      title: `Apply ${profile.name} r${number} to ${drifted.length} node${drifted.length === 1 ? '' : 's'}?`,
      body: `${names.join(', ')}${drifted.length > names.length ? ` and ${drifted.length - names.length} more` : ''}. Their user data becomes r${number}. ${APPLY_MEANING[profile.kind]}`,
      confirmLabel: `Apply r${number} to ${drifted.length} node${drifted.length === 1 ? '' : 's'}`,
      tone: 'danger',
      typeToConfirm: drifted.length > 1 ? String(drifted.length) : undefined,
    });
    if (!ok) return;
    try {
      const result = await client.call('config.apply', { profileId: profile.id, nodeIds: drifted.map((d) => d.nodeId) });
      const failed = result.results.filter((r) => !r.ok);
      if (failed.length === 0)
        toast('success', `Applied r${result.revision} to ${result.results.length} node${result.results.length === 1 ? '' : 's'}`, result.takesEffect);
      else
        toast(
          'error',
          `Applied r${result.revision} to ${result.results.length - failed.length} of ${result.results.length} nodes`,
          failed
            .slice(0, 3)
            .map((r) => `${r.hostname}: ${r.error?.message ?? 'failed'}`)
            .join('\n'),
        );
    } catch (e) {
      toast('error', 'Could not apply', errorData(e).message);
    }
  };
  const run = async (call: () => Promise<Assignment[]>, done: string) => {
    try {
      setAssignments(await call());
      toast('success', done);
    } catch (e) {
      toast('error', 'Could not change the assignment', errorData(e).message);
    }
  };
  return (
    <section className="assignments" aria-label={`Assignments of ${profile.name}`}>
      <h3>Assigned to</h3>
      {mine.length === 0 ? (
        <p className="muted">No nodes yet. Assign this config to a tag or to nodes; drift then shows in the fleet.</p>
      ) : (
        <ul className="plain">
          {mine.map((a) => (
            <li key={`${a.targetKind}:${a.target}`}>
              {a.targetKind === 'tag' ? (
                <>
                  tag <span className="tag">{a.target}</span>
                </>
              ) : (
                <span className="mono">{nodes.get(a.target)?.hostname ?? a.target}</span>
              )}{' '}
              <button
                type="button"
                className="link"
                aria-label={`Unassign ${a.target}`}
                onClick={() => void run(() => client.call('config.unassign', { targetKind: a.targetKind, target: a.target }), `Unassigned ${profile.name}`)}
              >
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {states.length > 0 && (
        <p role="status" aria-label="Sync summary">
          {/* "In sync" right after Apply read as if the nodes ran it; they hold it as user data until reinstalled. */}
          {inSync} of {states.length} node{states.length === 1 ? ' has' : 's have'} r{profile.latest?.number} as user data
          {states.length - inSync > 0 ? `, ${states.length - inSync} drifted or being read` : ''}. It takes effect when a node is reinstalled.
        </p>
      )}
      {drifted.length > 0 && (
        <p>
          <button type="button" className="danger-outline" onClick={() => void apply()}>
            Apply r{profile.latest?.number} to {drifted.length} drifted node{drifted.length === 1 ? '' : 's'}
          </button>{' '}
          <span className="muted">{APPLY_MEANING[profile.kind]}</span>
        </p>
      )}
      {incompatible > 0 && (
        <p className="notice warn">
          {incompatible} assigned node{incompatible === 1 ? '' : 's'} cannot take this config: {incompatible === 1 ? 'it runs' : 'they run'} an OS that does not
          read {CONFIG_KIND_LABELS[profile.kind]}. Assign {incompatible === 1 ? 'it' : 'them'} a config of {incompatible === 1 ? 'its' : 'their'} own kind.
        </p>
      )}
      <div className="assign-controls">
        <select aria-label="Tag to assign" value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">Choose a tag…</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!tag}
          onClick={() => void run(() => client.call('config.assign', { profileId: profile.id, tag }), `Assigned ${profile.name} to tag ${tag}`)}
        >
          Assign to tag
        </button>
        {selection.size > 0 && (
          <button
            type="button"
            onClick={() =>
              void run(
                () => client.call('config.assign', { profileId: profile.id, nodeIds: [...selection] }),
                `Assigned ${profile.name} to ${selection.size} nodes`,
              )
            }
          >
            Assign to the {selection.size} selected node{selection.size === 1 ? '' : 's'}
          </button>
        )}
      </div>
    </section>
  );
}
